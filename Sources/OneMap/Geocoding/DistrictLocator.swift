import Foundation
import GeoCore
import OneMapStore
import Synchronization

/// Point → administrative chain, in memory: the county-level units of the admin layer
/// (its `district` features, and cities that have no districts of their own) as GEOS
/// prepared geometries behind a bounding-box prefilter; the chain above the unit
/// (city, province) from table `admin_units`, looked up once per build, not per point.
///
/// Built lazily from the store and built again when the admin layer's data version
/// moves on. Each build (`Snapshot`) holds the boundaries as WKB and lends
/// `PreparedAreaIndex`es: every index owns its GEOS context and the prepared
/// geometries made in it, and is used by one caller at a time (checked out of the
/// snapshot's pool for one synchronous lookup, then put back), so no context is ever
/// touched by two tasks at once. The pool grows to the number of lookups running at
/// the same moment (at most one per thread: a lookup never suspends).
final class DistrictLocator: Sendable {
    /// One link of the chain, as /reverse prints it.
    struct Entry: Sendable, Hashable {
        let level: String
        let adcode: String
        let name: String

        var rank: Int { Self.ranks[level] ?? 9 }
        static let ranks = ["province": 0, "city": 1, "district": 2]
    }

    private struct Key: Equatable {
        let layer: String
        let version: Int
    }

    private struct State {
        var current: Snapshot?
        var building: (key: Key, task: Task<Snapshot, any Error>)?
    }

    private let store: any FeatureStore & AdminStore
    private let state = Mutex(State())

    init(store: any FeatureStore & AdminStore) { self.store = store }

    /// The chain at a lon/lat point (EPSG:4490), province first: the county-level unit
    /// the point lies in (or on the edge of) with its city and province. Outside every
    /// county-level unit, the provinces and cities whose outline holds the point.
    func chain(lon: Double, lat: Double, admin: LayerInfo) async throws -> [Entry] {
        try await snapshot(for: admin).chain(lon: lon, lat: lat)
    }

    private func snapshot(for admin: LayerInfo) async throws -> Snapshot {
        let key = Key(layer: admin.id, version: admin.dataVersion)
        enum Next { case ready(Snapshot), wait(Task<Snapshot, any Error>) }
        let next: Next = state.withLock { s in
            if let snap = s.current, snap.layer == key.layer, snap.version == key.version { return .ready(snap) }
            if let b = s.building, b.key == key { return .wait(b.task) }
            // One build per data version, however many requests ask at once.
            let store = self.store
            let task = Task { try await Snapshot.build(store: store, admin: admin) }
            s.building = (key, task)
            return .wait(task)
        }
        switch next {
        case .ready(let snap):
            return snap
        case .wait(let task):
            do {
                let snap = try await task.value
                state.withLock { s in
                    if s.building?.key == key { s.building = nil }
                    // A newer version may have been installed meanwhile: keep the newest.
                    if (s.current.map { $0.layer != key.layer || $0.version <= key.version }) ?? true { s.current = snap }
                }
                return snap
            } catch {
                // Let the next request try again.
                state.withLock { s in if s.building?.key == key { s.building = nil } }
                throw error
            }
        }
    }

    /// One build: the areas, their chains, and the pool of indexes over them.
    final class Snapshot: Sendable {
        let layer: String
        let version: Int
        /// County-level units first (`countyCount` of them), then provinces and cities.
        private let wkbs: [[UInt8]]
        private let countyCount: Int
        /// Per area: for a county-level unit its whole chain, for the others the area alone.
        private let chains: [[Entry]]

        // An index is only touched by whoever checked it out; the box makes that explicit.
        private final class Lent: @unchecked Sendable {
            let index: PreparedAreaIndex
            init(_ i: PreparedAreaIndex) { index = i }
        }
        private let idle: Mutex<[Lent]>

        private init(layer: String, version: Int, wkbs: [[UInt8]], countyCount: Int, chains: [[Entry]]) throws {
            self.layer = layer
            self.version = version
            self.wkbs = wkbs
            self.countyCount = countyCount
            self.chains = chains
            // The first index is made now, so bad boundaries fail the build, not a lookup.
            idle = Mutex([Lent(try PreparedAreaIndex(wkbs: wkbs))])
        }

        var areaCount: Int { wkbs.count }

        func chain(lon: Double, lat: Double) throws -> [Entry] {
            let lent = try idle.withLock { $0.popLast() } ?? Lent(PreparedAreaIndex(wkbs: wkbs))
            defer { idle.withLock { $0.append(lent) } }
            let index = lent.index
            var hits = try index.areas(holding: lon, lat) { $0 < countyCount }
            if hits.isEmpty {
                hits = try index.areas(holding: lon, lat) { $0 >= countyCount }
            }
            // A point on the line between two units gets both (as ST_Intersects did).
            var seen = Set<Entry>()
            var out: [Entry] = []
            for i in hits {
                for e in chains[i] where seen.insert(e).inserted { out.append(e) }
            }
            return out.sorted { ($0.rank, $0.adcode) < ($1.rank, $1.adcode) }
        }

        /// Reads the province, city and district features of `admin` and finds their chains.
        static func build(store: any FeatureStore & AdminStore, admin: LayerInfo) async throws -> Snapshot {
            struct Feature: Sendable {
                let entry: Entry
                let parent: String
                let wkb: [UInt8]
            }
            let features: [Feature] = try await store.withReader { reader in
                var out: [Feature] = []
                var q = FeatureQuery()
                q.limit = Int(Int32.max)
                try reader.items(of: admin, q) { item in
                    let p = (try? JSONValue.parse(item.properties)) ?? .null
                    let level = p["level"]?.stringValue ?? ""
                    guard Entry.ranks[level] != nil else { return }
                    out.append(Feature(entry: Entry(level: level, adcode: p["adcode"]?.stringValue ?? "", name: p["name"]?.stringValue ?? ""),
                                       parent: p["parent_adcode"]?.stringValue ?? "", wkb: Array(item.wkb)))
                }
                return out
            }
            // County level: districts, and cities none of whose districts are in the layer
            // (a city listed again as its own district, like 东莞 and 中山, is county level as the district).
            let districts = features.filter { $0.entry.level == "district" }
            let withDistricts = Set(districts.map(\.parent)).union(districts.map(\.entry.adcode))
            let county = features.filter { $0.entry.level == "district" || ($0.entry.level == "city" && !withDistricts.contains($0.entry.adcode)) }
            let upper = features.filter { !($0.entry.level == "district" || ($0.entry.level == "city" && !withDistricts.contains($0.entry.adcode))) }

            var units: [String: AdminUnit?] = [:]
            func unit(_ code: String) async throws -> AdminUnit? {
                if let u = units[code] { return u }
                let u = try await store.adminUnit(code: code)
                units[code] = u
                return u
            }
            var chains: [[Entry]] = []
            for f in county {
                var chain = [f.entry]
                // Up the parent links of admin_units, starting at the unit's own row (for 东莞
                // that row is the city: the district and the city are one unit).
                var next = AdminCode.normalize(f.entry.adcode)
                var found = false
                var depth = 0
                while let code = next, depth < 8, let u = try await unit(code) {
                    found = true
                    let e = Entry(level: u.level.rawValue, adcode: u.adcode, name: u.name)
                    if e.level != f.entry.level || e.adcode != f.entry.adcode { chain.append(e) }
                    next = u.parentCode
                    depth += 1
                }
                // No admin_units rows (table not loaded): the layer's own parent_adcode links.
                if !found { chain += layerAncestors(of: f.entry, parent: f.parent, in: features.map { ($0.entry, $0.parent) }) }
                chains.append(chain)
            }
            chains += upper.map { [$0.entry] }
            return try Snapshot(layer: admin.id, version: admin.dataVersion, wkbs: (county + upper).map(\.wkb),
                                countyCount: county.count, chains: chains)
        }

        /// Ancestors by the layer's parent_adcode properties: each step the feature of the
        /// parent code (or of the same code, a level up) nearest in level above.
        private static func layerAncestors(of entry: Entry, parent: String, in all: [(Entry, String)]) -> [Entry] {
            var out: [Entry] = []
            var (cur, up) = (entry, parent)
            for _ in 0..<8 {
                let above = all.filter { ($0.0.adcode == up || $0.0.adcode == cur.adcode) && $0.0.rank < cur.rank }
                guard let next = above.max(by: { $0.0.rank < $1.0.rank }) else { break }
                out.append(next.0)
                (cur, up) = next
            }
            return out
        }
    }
}
