import Foundation
import Logging
import OneMapStore
import Synchronization

/// The layer catalogue as the services see it: an in-memory snapshot of the
/// store's catalogue, refreshed when the store's data versions change (checked at
/// most once a second, so imports by another process show up within a second).
public final class Catalogue: Sendable {
    private struct State {
        var layers: [LayerInfo] = []
        var byID: [String: LayerInfo] = [:]
        var checked = ContinuousClock.now
    }
    private let store: any FeatureStore
    private let state = Mutex(State())
    public static let refreshInterval = Duration.seconds(1)

    public init(store: any FeatureStore) throws {
        self.store = store
        try reload()
    }

    /// Reads the catalogue from the store now.
    public func reload() throws {
        let layers = try store.layers()
        state.withLock { s in
            s.layers = layers
            s.byID = Dictionary(layers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            s.checked = .now
        }
    }

    private func refreshIfDue() {
        let due = state.withLock { s -> Bool in
            guard ContinuousClock.now - s.checked >= Self.refreshInterval else { return false }
            s.checked = .now
            return true
        }
        guard due, let versions = try? store.dataVersions() else { return }
        let changed = state.withLock { s in
            versions.count != s.layers.count || s.layers.contains { versions[$0.id] != $0.dataVersion }
        }
        if changed { try? reload() }
    }

    public var layers: [LayerInfo] {
        refreshIfDue()
        return state.withLock { $0.layers }
    }

    public func layer(_ id: String) -> LayerInfo? {
        refreshIfDue()
        return state.withLock { $0.byID[id] }
    }

    /// Resolves "roads,buildings" into layers, in the order given.
    public func resolve(list: String) throws(ServiceError) -> [LayerInfo] {
        let ids = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !ids.isEmpty, !ids.contains(where: \.isEmpty) else {
            throw .badRequest(parameter: "layers", detail: "give one layer id or a comma-separated list of ids, e.g. roads,buildings")
        }
        guard ids.count <= 64 else { throw .badRequest(parameter: "layers", detail: "at most 64 layers in one request") }
        guard Set(ids).count == ids.count else { throw .badRequest(parameter: "layers", detail: "a layer is listed twice") }
        refreshIfDue()
        return try state.withLock { s throws(ServiceError) in
            var out: [LayerInfo] = []
            for id in ids {
                guard let l = s.byID[id] else {
                    let shown = id.count > 64 ? String(id.prefix(64)) + "…" : id
                    throw .notFound(detail: "no layer \"\(shown)\"; GET /layers lists the layers")
                }
                out.append(l)
            }
            return out
        }
    }
}
