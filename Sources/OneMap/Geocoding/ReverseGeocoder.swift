import Foundation
import GeoCore
import OneMapStore
import Synchronization

/// Point → address: the administrative chain containing the point (with codes),
/// the nearest named road, the nearest addresses and POIs, and one formatted line.
///
/// The chain comes from an in-memory `DistrictLocator` (prepared county-level
/// boundaries, chains from `admin_units`). The nearest road, addresses and POIs are
/// searched together, each layer once per search radius: in memory (`NearbyCache`,
/// the layer's few candidate features behind a packed R-tree) or, for a layer too
/// large to copy or while its copy is being made, in one store read through the
/// R*Tree with the not-null checks in SQL. Distances are bounded from the WKB without
/// making geometries, and only the features that can still be among the answers are
/// kept, measured as `SpatialQueries.nearby` measures (geodesic) and written out as
/// it writes them.
public struct ReverseGeocoder: Sendable {
    /// Search radius for roads, addresses and POIs (m).
    public static let radius = 1_000.0
    /// An address or POI this close names the place in the formatted line (m).
    static let addressNear = 100.0, poiNear = 200.0
    /// Radii searched in turn (m): a wider one only for what the narrower did not settle.
    static let radii = [250.0, radius]

    let store: any FeatureStore & AdminStore
    let locator: DistrictLocator
    let nearby: NearbyCache

    public init(store: any FeatureStore & AdminStore) {
        self.store = store
        locator = DistrictLocator(store: store)
        nearby = NearbyCache(store: store)
    }

    /// The layers the caller may read, looked up by the caller's catalogue.
    public struct Sources: Sendable {
        public var admin: LayerInfo?
        public var roads: LayerInfo?
        public var addresses: [LayerInfo]
        public var pois: LayerInfo?
        public init(admin: LayerInfo?, roads: LayerInfo?, addresses: [LayerInfo], pois: LayerInfo?) {
            self.admin = admin
            self.roads = roads
            self.addresses = addresses
            self.pois = pois
        }
    }

    public func reverse(lon: Double, lat: Double, sources: Sources, coordsys: ChineseCoordinateSystem? = nil) async throws -> String {
        // Administrative areas containing the point, province first.
        var chain: [DistrictLocator.Entry] = []
        if let admin = sources.admin {
            chain = try await locator.chain(lon: lon, lat: lat, admin: admin)
        }

        let named = { (layer: LayerInfo) in Wanted(layer: layer, property: "name") }
        var wants: [Want] = []
        if let roads = sources.roads { wants.append(Want(k: 1, from: [named(roads)])) }
        let addressLayers = sources.addresses.filter { $0.fields.contains(where: { $0.name == "addr_street" }) }
        wants.append(Want(k: 3, from: addressLayers.map { Wanted(layer: $0, property: "addr_street") }))
        if let layer = sources.pois { wants.append(Want(k: 5, from: [named(layer)])) }
        let found = try await nearest(lon: lon, lat: lat, wants: wants, coordsys: coordsys)
        var next = found.makeIterator()
        let road = sources.roads == nil ? nil : next.next()?.first
        let addresses = next.next() ?? []
        let pois = sources.pois == nil ? [] : next.next() ?? []

        // One line, most general first: 广东省广州市天河区 + address or road + nearby POI.
        var line = ""
        var lastName = ""
        for a in chain where a.name != lastName {
            line += a.name
            lastName = a.name
        }
        if let a = addresses.first, a.distance <= Self.addressNear, let props = try? JSONValue.parse(a.properties) {
            let number = props["addr_housenumber"]?.stringValue ?? ""
            // OSM often holds bare numbers; Chinese addresses write 26号.
            line += (props["addr_street"]?.stringValue ?? "") + number + (!number.isEmpty && number.allSatisfy(\.isNumber) ? "号" : "")
        } else if let r = road, let name = try? JSONValue.parse(r.properties)["name"]?.stringValue {
            line += name
        }
        if let p = pois.first, p.distance <= Self.poiNear, let name = try? JSONValue.parse(p.properties)["name"]?.stringValue {
            line += "（\(name)附近）"
        }

        func list(_ hits: [Found]) -> String { "[" + hits.map(\.feature).joined(separator: ",") + "]" }
        let admin = JSONValue.array(chain.map { .object([("level", .string($0.level)), ("adcode", .string($0.adcode)), ("name", .string($0.name))]) })
        var out = ""
        out.reserveCapacity(found.reduce(512) { $0 + $1.reduce(0) { $0 + $1.feature.utf8.count + 1 } })
        out += "{\"query\":{\"lon\":\(lon),\"lat\":\(lat)},\"admin\":\(admin.text)"
        out += ",\"road\":" + (road?.feature ?? "null")
        out += ",\"addresses\":" + list(addresses)
        out += ",\"pois\":" + list(pois)
        out += ",\"formatted\":" + JSONValue.string(line).text + "}"
        return out
    }

    // MARK: Nearest features

    /// A layer searched for features whose `property` is not null (CQL2 `NOT (p IS NULL)`:
    /// a property of the layer's schema, else the bookkeeping column of that name).
    struct Wanted: Sendable {
        let layer: LayerInfo
        let property: String
    }

    /// The `k` features nearest the point (within `radius`) over some layers.
    struct Want: Sendable {
        let k: Int
        let from: [Wanted]
    }

    /// A feature of an answer.
    struct Found: Sendable {
        let distance: Double
        let properties: String
        /// The GeoJSON Feature text, as `SpatialQueries.nearby` writes it.
        let feature: String
    }

    /// For every want, its `k` nearest features within `radius`, nearest first (ties
    /// by layer order, then fid). Layers held by the nearby cache are searched in
    /// memory; the others (large, or while their copy is being made) in one store read.
    func nearest(lon: Double, lat: Double, wants: [Want], coordsys: ChineseCoordinateSystem?) async throws -> [[Found]] {
        let full = Geodesic.cgcs2000.boundingBox(lon: lon, lat: lat, radius: Self.radius)
        // Layers with nothing near the point are not read at all.
        let wants = wants.map { w in Want(k: w.k, from: w.from.filter { $0.layer.bounds.map { Self.pad($0).intersects(full) } ?? false }) }
        guard wants.contains(where: { !$0.from.isEmpty }) else { return wants.map { _ in [] } }
        var memory: [String: NearbyCache.Snapshot] = [:]
        var sql = false
        for layer in Self.layers(wants) {
            if let snap = nearby.snapshot(of: layer, checks: Self.checks(of: layer, in: wants)) { memory[layer.id] = snap } else { sql = true }
        }
        if !sql {
            return try Self.search(lon: lon, lat: lat, wants: wants, memory: memory, reader: nil, coordsys: coordsys)
        }
        let found = memory
        return try await store.withReader { reader in
            try Self.search(lon: lon, lat: lat, wants: wants, memory: found, reader: reader, coordsys: coordsys)
        }
    }

    /// The layers the wants read, in order.
    static func layers(_ wants: [Want]) -> [LayerInfo] {
        var out: [LayerInfo] = []
        for w in wants { for f in w.from where !out.contains(where: { $0.id == f.layer.id }) { out.append(f.layer) } }
        return out
    }

    /// What the wants ask of a layer's features: one check per property, in a fixed order.
    static func checks(of layer: LayerInfo, in wants: [Want]) -> [NonNull] {
        let names = Set(wants.flatMap { $0.from.filter { $0.layer.id == layer.id }.map(\.property) })
        return names.sorted().map { NonNull($0, layer: layer) }
    }

    /// The search proper: each layer once per radius (from memory, else through `reader`),
    /// a wider radius only for the wants the narrower one did not settle.
    static func search(lon: Double, lat: Double, wants: [Want], memory: [String: NearbyCache.Snapshot],
                       reader: (any FeatureReader)?, coordsys: ChineseCoordinateSystem?) throws -> [[Found]] {
        let radius = Self.radius
        var lists = wants.map { TopK(k: $0.k) }
        var open = Array(wants.indices)
        let frame = Frame(lon: lon, lat: lat)
        for r in radii where !open.isEmpty {
            let box = Geodesic.cgcs2000.boundingBox(lon: lon, lat: lat, radius: r)
            for i in open { lists[i] = TopK(k: wants[i].k) }
            // Per layer, every open want that reads it.
            var layers: [(LayerInfo, [Use])] = []
            for i in open {
                for (order, w) in wants[i].from.enumerated() {
                    let use = Use(want: i, order: order, check: NonNull(w.property, layer: w.layer))
                    if let j = layers.firstIndex(where: { $0.0.id == w.layer.id }) { layers[j].1.append(use) } else { layers.append((w.layer, [use])) }
                }
            }
            /// A feature met in a pass: kept for the uses it satisfies, unless surely too far.
            func consider(_ layer: String, _ uses: [Use], _ fid: Int64, _ wkb: UnsafeRawBufferPointer, _ properties: String,
                          copy: () -> [UInt8], satisfies: (Int) -> Bool) {
                // Not plain WKB (never from SpatiaLite's AsBinary): kept, measured exactly below.
                let (lower, upper) = frame.distance(wkb: wkb) ?? (0, .infinity)
                guard lower <= radius else { return }
                var bytes: [UInt8]?
                for (n, u) in uses.enumerated() where lower <= lists[u.want].threshold && satisfies(n) {
                    if bytes == nil { bytes = copy() }
                    lists[u.want].insert(Candidate(order: u.order, layer: layer, fid: fid, lower: lower, upper: upper,
                                                   wkb: bytes!, properties: properties))
                }
            }
            for (layer, uses) in layers {
                if let snap = memory[layer.id] {
                    let bits = uses.map { snap.bit(of: $0.check.property) }
                    snap.search(box) { i in
                        let flags = snap.flags[i]
                        func satisfies(_ n: Int) -> Bool { bits[n].map { flags & (1 << $0) != 0 } ?? false }
                        // Its box alone may show it is too far for every use.
                        let atLeast = frame.lowerBound(snap.boxes[i])
                        guard atLeast <= radius, uses.indices.contains(where: { atLeast <= lists[uses[$0].want].threshold && satisfies($0) }) else { return }
                        snap.withWKB(i) { w in
                            consider(layer.id, uses, snap.fids[i], w, snap.texts[i], copy: { Array(w) }, satisfies: satisfies)
                        }
                    }
                    continue
                }
                guard let reader else { continue }
                // The store filters: only rows some use accepts are read out (their WKB and
                // properties); one pass for the properties, one per column-based check.
                for pass in NearbyCache.passes(uses.map(\.check)) {
                    let passUses = pass.checks.map { c in uses.filter { $0.check.property == c.property } }.flatMap { $0 }
                    var q = FeatureQuery()
                    q.bbox = box
                    q.filter = pass.filter
                    q.limit = SpatialQueries.maxCandidates
                    try reader.items(of: layer, q) { item in
                        consider(layer.id, passUses, item.fid, item.wkb, item.properties, copy: { Array(item.wkb) },
                                 satisfies: { pass.exact || passUses[$0].check.accepts(properties: item.properties) })
                    }
                }
            }
            // Settled: k features surely within r, so nothing outside the box can beat them.
            open.removeAll { lists[$0].threshold <= r }
        }
        return try GEOSContextPool.shared.withContext { ctx in
            try lists.map { list in
                var hits: [(Candidate, Double, Double)] = []
                for c in list.items {
                    let (d, b) = try c.wkb.withUnsafeBytes { w in
                        try Frame.pointDistance(lon: lon, lat: lat, wkb: w) ?? Geodesic.cgcs2000.distance(lon: lon, lat: lat, to: ctx.read(wkb: w))
                    }
                    if d <= radius { hits.append((c, d, b)) }
                }
                hits.sort { ($0.1, $0.0.order, $0.0.fid) < ($1.1, $1.0.order, $1.0.fid) }
                return try hits.prefix(list.k).map { c, d, b in
                    Found(distance: d, properties: c.properties,
                          feature: Self.feature(c.layer, c.fid, try SpatialQueries.output(ctx.read(wkb: c.wkb), coordsys), c.properties, distance: d, bearing: b))
                }
            }
        }
    }

    /// A want reading a layer, with the check its features must pass.
    struct Use {
        let want: Int
        /// Position of the layer in the want.
        let order: Int
        let check: NonNull
    }

    private static func pad(_ b: BBox) -> BBox {
        BBox(minX: b.minX - 1e-6, minY: b.minY - 1e-6, maxX: b.maxX + 1e-6, maxY: b.maxY + 1e-6)
    }

    /// As `SpatialQueries.feature`: layer, distance and bearing as foreign members.
    static func feature(_ layer: String, _ fid: Int64, _ geometry: String, _ properties: String, distance: Double, bearing: Double) -> String {
        var s = ""
        s.reserveCapacity(geometry.utf8.count + properties.utf8.count + 2 * layer.utf8.count + 128)
        s += "{\"type\":\"Feature\",\"id\":\"\(layer).\(fid)\",\"layer\":\"\(layer)\""
        s += ",\"distance_m\":\(round(distance * 100) / 100)"
        s += ",\"bearing_deg\":\(round(bearing * 10) / 10)"
        s += ",\"geometry\":" + geometry + ",\"properties\":" + properties + "}"
        return s
    }
}

// The helpers are nested so their short names stay out of the module's namespace.
extension ReverseGeocoder {
    // MARK: - Scanning helpers

    /// A feature that may be among a want's answers, with bounds on its distance (m).
    struct Candidate {
        /// Position of its layer in the want (ties go to the earlier layer).
        let order: Int
        let layer: String
        let fid: Int64
        let lower: Double
        let upper: Double
        let wkb: [UInt8]
        let properties: String
    }

    /// The candidates that may still be among the `k` nearest: once `k` are surely
    /// within `threshold`, one surely farther is never kept.
    struct TopK {
        let k: Int
        private(set) var items: [Candidate] = []
        /// The k-th smallest upper bound of the items (∞ while fewer than k).
        private(set) var threshold = Double.infinity

        init(k: Int) { self.k = k }

        mutating func insert(_ c: Candidate) {
            items.append(c)
            guard items.count >= k else { return }
            var uppers = items.map(\.upper)
            uppers.sort()
            threshold = uppers[k - 1]
            let t = threshold
            items.removeAll { $0.lower > t }
        }
    }

    /// CQL2 `NOT (property IS NULL)`, as the SQL compiler reads it: a property of the
    /// layer's schema is in the properties JSON, anything else a column of the table. The
    /// store applies it; `accepts` tells, of a row read for several properties at once,
    /// which of them it has (the JSON parsed only when the key appears with a value other than null).
    struct NonNull: Sendable {
        let property: String
        let inProperties: Bool
        private let quoted: [UInt8]

        init(_ property: String, layer: LayerInfo) {
            self.property = property
            inProperties = layer.fields.contains { $0.name == property }
            quoted = Array("\"\(property)\"".utf8)
        }

        /// For a property of the schema: whether the properties JSON holds it, not null.
        func accepts(properties: String) -> Bool {
            guard inProperties else { return false }
            var text = properties
            let maybe = text.withUTF8 { mentionsNonNull($0) }
            guard maybe, let value = (try? JSONValue.parse(text))?[property] else { return false }
            return !value.isNull
        }

        /// Whether `"property"` followed by `:` and something other than `null` occurs.
        private func mentionsNonNull(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            let n = b.count, m = quoted.count
            guard m > 0, n >= m else { return false }
            var i = 0
            while i <= n - m {
                if b[i] == quoted[0] {
                    var j = 1
                    while j < m && b[i + j] == quoted[j] { j += 1 }
                    if j == m {
                        var p = i + m
                        while p < n && (b[p] == 0x20 || b[p] == 0x09 || b[p] == 0x0A || b[p] == 0x0D) { p += 1 }
                        if p < n && b[p] == 0x3A {  // ':'
                            p += 1
                            while p < n && (b[p] == 0x20 || b[p] == 0x09 || b[p] == 0x0A || b[p] == 0x0D) { p += 1 }
                            let isNull = p + 4 <= n && b[p] == 0x6E && b[p + 1] == 0x75 && b[p + 2] == 0x6C && b[p + 3] == 0x6C
                            if !isNull { return true }
                        }
                        i += m
                        continue
                    }
                }
                i += 1
            }
            return false
        }
    }

    /// Distances from a point read straight from WKB, without making geometries.
    ///
    /// `Geodesic.distance` finds a geometry's nearest point in a local frame (x = Δlon·cos φ0,
    /// y = Δlat, degrees) and measures the geodesic to it. This finds the same nearest
    /// point in the same frame and estimates that geodesic from the ellipsoid's radii of
    /// curvature at the point; it returns bounds that surely hold the exact value.
    struct Frame {
        let lon0: Double, lat0: Double
        private let k: Double
        /// Metres per frame unit east-west and north-south (prime vertical and meridian radii).
        private let mx: Double, my: Double
        private let tight: Bool
        /// Metres per frame unit in any direction at any latitude lie between these.
        static let looseLower = 110_000.0, looseUpper = 112_300.0
        /// Relative error of the estimate (≤ 1 km, |φ| ≤ 70°: well under 1e-3).
        static let margin = 3e-3

        init(lon: Double, lat: Double) {
            lon0 = lon
            lat0 = lat
            let phi = lat * .pi / 180
            k = cos(phi)
            let a = 6_378_137.0, f = 1 / 298.257222101
            let e2 = f * (2 - f)
            let w = 1 - e2 * sin(phi) * sin(phi)
            mx = a / w.squareRoot() * .pi / 180
            my = a * (1 - e2) / (w * w.squareRoot()) * .pi / 180
            tight = abs(lat) <= 70
        }

        /// Bounds (m) on `Geodesic.distance` to the geometry; nil when the WKB is not understood.
        func distance(wkb: UnsafeRawBufferPointer) -> (lower: Double, upper: Double)? {
            var c = Cursor(b: wkb)
            var best = Nearest()
            guard geometry(&c, &best, depth: 0) else { return nil }
            guard best.d2.isFinite else { return (.infinity, .infinity) }
            if best.d2 == 0 { return (0, 0) }
            let a = best.d2.squareRoot()
            var lower = a * Self.looseLower, upper = a * Self.looseUpper
            if tight {
                let est = ((best.x * mx) * (best.x * mx) + (best.y * my) * (best.y * my)).squareRoot()
                lower = max(lower, est * (1 - Self.margin) - 1e-3)
                upper = min(upper, est * (1 + Self.margin) + 1e-3)
            }
            return (lower, upper)
        }

        /// A lower bound (m) on `Geodesic.distance` to any geometry inside `box`. Under a
        /// metric scaling each axis, the point of a box nearest the origin is the clamped one,
        /// so the estimate from it is never above that of the geometry's nearest point.
        func lowerBound(_ box: BBox) -> Double {
            let dx = max(box.minX - lon0, 0, lon0 - box.maxX) * k, dy = max(box.minY - lat0, 0, lat0 - box.maxY)
            guard dx.isFinite && dy.isFinite else { return dx.isNaN || dy.isNaN ? 0 : .infinity }
            if dx == 0 && dy == 0 { return 0 }
            var lower = (dx * dx + dy * dy).squareRoot() * Self.looseLower
            if tight { lower = max(lower, ((dx * mx) * (dx * mx) + (dy * my) * (dy * my)).squareRoot() * (1 - Self.margin) - 1e-3) }
            return lower
        }

        /// `Geodesic.distance` to a WKB point, computed as it does (the point is its own
        /// nearest point) without making a GEOS geometry; nil for anything but a point.
        static func pointDistance(lon: Double, lat: Double, wkb: UnsafeRawBufferPointer) -> (distance: Double, bearing: Double)? {
            var c = Cursor(b: wkb)
            guard let (type, _) = header(&c, depth: 0), type == 1, let x = c.f64(), let y = c.f64(), x.isFinite, y.isFinite else { return nil }
            let k = cos(lat * .pi / 180)
            let px = (x - lon) * k, py = y
            if px == 0 && py == lat { return (0, 0) }
            return Geodesic.cgcs2000.inverse(lon1: lon, lat1: lat, lon2: lon + px / k, lat2: py)
        }

        /// The bounding box of WKB coordinates; everywhere when the WKB is not understood
        /// (so the feature is always looked at, and measured exactly).
        static func bbox(wkb: UnsafeRawBufferPointer) -> BBox {
            var c = Cursor(b: wkb)
            var b = BBox.empty
            guard extent(&c, &b, depth: 0) else { return BBox(minX: -.infinity, minY: -.infinity, maxX: .infinity, maxY: .infinity) }
            return b
        }

        private static func extent(_ c: inout Cursor, _ b: inout BBox, depth: Int) -> Bool {
            guard let (type, dims) = header(&c, depth: depth) else { return false }
            func coords(_ n: Int) -> Bool {
                guard n * dims * 8 <= c.b.count - c.i else { return false }
                for _ in 0..<n {
                    guard let x = c.f64(), let y = c.f64() else { return false }
                    for _ in 2..<dims { _ = c.f64() }
                    if x.isFinite && y.isFinite {
                        b = BBox(minX: min(b.minX, x), minY: min(b.minY, y), maxX: max(b.maxX, x), maxY: max(b.maxY, y))
                    }
                }
                return true
            }
            switch type {
            case 1: return coords(1)
            case 2: guard let n = c.u32() else { return false }; return coords(Int(n))
            case 3:
                guard let rings = c.u32(), Int(rings) * 4 <= c.b.count - c.i else { return false }
                for _ in 0..<Int(rings) { guard let n = c.u32(), coords(Int(n)) else { return false } }
                return true
            case 4, 5, 6, 7:
                guard let n = c.u32(), Int(n) * 5 <= c.b.count - c.i else { return false }
                for _ in 0..<Int(n) { guard extent(&c, &b, depth: depth + 1) else { return false } }
                return true
            default: return false
            }
        }

        /// Byte order and type of the next geometry: the OGC type (1–7) and coordinate dimensions.
        private static func header(_ c: inout Cursor, depth: Int) -> (type: UInt32, dims: Int)? {
            guard depth < 8, c.byteOrder(), var type = c.u32() else { return nil }
            var dims = 2
            // EWKB flags, then ISO 1000s.
            if type & 0x8000_0000 != 0 { dims += 1 }
            if type & 0x4000_0000 != 0 { dims += 1 }
            if type & 0x2000_0000 != 0 { guard c.u32() != nil else { return nil } }
            type &= 0x0FFF_FFFF
            switch type / 1000 {
            case 0: break
            case 1, 2: dims = 3
            case 3: dims = 4
            default: return nil
            }
            return (type % 1000, dims)
        }

        private struct Nearest {
            var d2 = Double.infinity
            var x = 0.0, y = 0.0
            mutating func offer(_ x: Double, _ y: Double) {
                let d = x * x + y * y
                if d < d2 { d2 = d; self.x = x; self.y = y }
            }
        }

        private struct Cursor {
            let b: UnsafeRawBufferPointer
            var i = 0
            var little = true

            mutating func byteOrder() -> Bool {
                guard i < b.count, b[i] <= 1 else { return false }
                little = b[i] == 1
                i += 1
                return true
            }
            mutating func u32() -> UInt32? {
                guard i + 4 <= b.count else { return nil }
                let v = b.loadUnaligned(fromByteOffset: i, as: UInt32.self)
                i += 4
                return little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
            }
            mutating func f64() -> Double? {
                guard i + 8 <= b.count else { return nil }
                let v = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
                return Double(bitPattern: little ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
            }
        }

        /// Frame coordinates of the next point (skipping z/m).
        private func point(_ c: inout Cursor, dims: Int) -> (Double, Double)? {
            guard let x = c.f64(), let y = c.f64() else { return nil }
            for _ in 2..<dims { guard c.f64() != nil else { return nil } }
            return ((x - lon0) * k, y - lat0)
        }

        /// Visits one (possibly nested) geometry; false when the bytes are not WKB we read.
        private func geometry(_ c: inout Cursor, _ best: inout Nearest, depth: Int) -> Bool {
            guard let (type, dims) = Self.header(&c, depth: depth) else { return false }
            switch type {
            case 1:
                guard let p = point(&c, dims: dims) else { return false }
                let (x, y) = p
                if x.isFinite && y.isFinite { best.offer(x, y) }  // NaN coordinates: an empty point
                return true
            case 2:
                guard let n = c.u32(), Int(n) * dims * 8 <= c.b.count - c.i else { return false }
                guard n > 0, let first = point(&c, dims: dims) else { return n == 0 }
                var (x0, y0) = first
                best.offer(x0, y0)
                for _ in 1..<max(1, Int(n)) {
                    guard let next = point(&c, dims: dims) else { return false }
                    let (x1, y1) = next
                    segment(x0, y0, x1, y1, &best)
                    (x0, y0) = (x1, y1)
                }
                return true
            case 3:
                guard let rings = c.u32(), Int(rings) * 4 <= c.b.count - c.i else { return false }
                var inside = false
                for _ in 0..<Int(rings) {
                    guard let n = c.u32(), Int(n) * dims * 8 <= c.b.count - c.i else { return false }
                    guard n > 0, let first = point(&c, dims: dims) else { if n == 0 { continue } else { return false } }
                    var (x0, y0) = first
                    best.offer(x0, y0)
                    for _ in 1..<max(1, Int(n)) {
                        guard let next = point(&c, dims: dims) else { return false }
                        let (x1, y1) = next
                        segment(x0, y0, x1, y1, &best)
                        // Even-odd rule over every ring: a ray from the origin towards +x.
                        if (y0 > 0) != (y1 > 0) && x0 + (0 - y0) * (x1 - x0) / (y1 - y0) > 0 { inside.toggle() }
                        (x0, y0) = (x1, y1)
                    }
                }
                if inside { best.offer(0, 0) }
                return true
            case 4, 5, 6, 7:
                guard let n = c.u32(), Int(n) * 5 <= c.b.count - c.i else { return false }
                for _ in 0..<Int(n) {
                    guard geometry(&c, &best, depth: depth + 1) else { return false }
                }
                return true
            default:
                return false
            }
        }

        private func segment(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ best: inout Nearest) {
            let dx = x1 - x0, dy = y1 - y0
            let len2 = dx * dx + dy * dy
            guard len2 > 0 else { return }
            let t = min(1, max(0, -(x0 * dx + y0 * dy) / len2))
            best.offer(x0 + t * dx, y0 + t * dy)
        }
    }

    // MARK: - Nearby cache
}
