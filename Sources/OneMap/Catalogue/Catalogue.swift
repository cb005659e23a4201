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
        /// Layer lists already resolved ("roads,buildings" → layers), until the next reload.
        var resolved: [String: [LayerInfo]] = [:]
    }
    private static let maxResolved = 4096
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
            s.resolved = [:]
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

    /// Every layer, whoever asks: for tools, not for answers to callers.
    public var allLayers: [LayerInfo] {
        refreshIfDue()
        return state.withLock { $0.layers }
    }

    /// The layers `caller` may read.
    public func layers(for caller: Caller) -> [LayerInfo] {
        allLayers.filter { AccessPolicy.canRead(caller, $0) }
    }

    /// A layer `caller` may read, else nil (as if it did not exist).
    public func layer(_ id: String, for caller: Caller) -> LayerInfo? {
        refreshIfDue()
        return state.withLock { $0.byID[id] }.flatMap { AccessPolicy.canRead(caller, $0) ? $0 : nil }
    }

    /// Resolves "roads,buildings" into layers `caller` may read, in the order given;
    /// a layer they may not read is reported exactly like one that does not exist.
    public func resolve(list: String, for caller: Caller) throws(ServiceError) -> [LayerInfo] {
        let layers = try resolve(list: list)
        for l in layers where !AccessPolicy.canRead(caller, l) {
            throw .notFound(detail: "no layer \"\(l.id)\"; GET /layers lists the layers")
        }
        return layers
    }

    private func resolve(list: String) throws(ServiceError) -> [LayerInfo] {
        refreshIfDue()
        // Hot path (every tile request): a memo hit, else plain Substring work.
        if let hit = state.withLock({ $0.resolved[list] }) { return hit }
        let ids = list.split(separator: ",", omittingEmptySubsequences: false).map { id in
            var t = id
            while t.first == " " { t = t.dropFirst() }
            while t.last == " " { t = t.dropLast() }
            return String(t)
        }
        guard !ids.isEmpty, !ids.contains(where: \.isEmpty) else {
            throw .badRequest(parameter: "layers", detail: "give one layer id or a comma-separated list of ids, e.g. roads,buildings")
        }
        guard ids.count <= 64 else { throw .badRequest(parameter: "layers", detail: "at most 64 layers in one request") }
        for i in ids.indices where ids[..<i].contains(ids[i]) {
            throw .badRequest(parameter: "layers", detail: "layer \"\(ids[i].prefix(64))\" is listed twice")
        }
        return try state.withLock { s throws(ServiceError) in
            var out: [LayerInfo] = []
            for id in ids {
                guard let l = s.byID[id] else {
                    let shown = id.count > 64 ? String(id.prefix(64)) + "…" : id
                    throw .notFound(detail: "no layer \"\(shown)\"; GET /layers lists the layers")
                }
                out.append(l)
            }
            if s.resolved.count >= Self.maxResolved { s.resolved.removeAll(keepingCapacity: true) }
            s.resolved[list] = out
            return out
        }
    }
}
