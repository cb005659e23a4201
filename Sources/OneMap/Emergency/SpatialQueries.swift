import Foundation
import GeoCore
import OneMapStore

/// Emergency-command questions across layers: what lies within a radius, the k
/// nearest, what lies inside a polygon. Distances are geodesic on CGCS2000.
public struct SpatialQueries: Sendable {
    /// Documented limits.
    public static let maxRadius = 50_000.0
    public static let maxK = 100
    public static let maxResults = 5_000
    /// Features examined per layer per question before giving up (guards against huge layers).
    static let maxCandidates = 200_000

    let store: any FeatureStore

    public init(store: any FeatureStore) { self.store = store }

    /// A result: a feature of a layer with its distance and bearing from the query point.
    public struct Hit: Sendable {
        public let layer: String
        public let fid: Int64
        public let distance: Double?
        public let bearing: Double?
        /// The GeoJSON Feature text (geometry in CRS84).
        public let feature: String
    }

    /// Features of `layers` within `radius` metres (geodesic) of a point, nearest first.
    /// `coordsys`: GCJ-02 or BD-09 geometry in the answers (the point is WGS84/CGCS2000).
    public func nearby(lon: Double, lat: Double, radius: Double, layers: [LayerInfo],
                       filter: CQL2Expression? = nil, limit: Int, coordsys: ChineseCoordinateSystem? = nil) async throws -> [Hit] {
        let box = Geodesic.cgcs2000.boundingBox(lon: lon, lat: lat, radius: radius)
        return try await store.withReader { reader in
            var hits: [Hit] = []
            try GEOSContextPool.shared.withContext { ctx in
                for layer in layers {
                    var q = FeatureQuery()
                    q.bbox = box
                    q.limit = Self.maxCandidates
                    q.filter = filter
                    try reader.items(of: layer, q) { item in
                        let g = try ctx.read(wkb: item.wkb)
                        let (d, b) = try Geodesic.cgcs2000.distance(lon: lon, lat: lat, to: g)
                        guard d <= radius else { return }
                        hits.append(Hit(layer: layer.id, fid: item.fid, distance: d, bearing: b,
                                        feature: Self.feature(layer.id, item, try Self.output(g, coordsys), distance: d, bearing: b)))
                    }
                }
            }
            hits.sort { ($0.distance ?? 0, $0.layer, $0.fid) < ($1.distance ?? 0, $1.layer, $1.fid) }
            return Array(hits.prefix(limit))
        }
    }

    /// The k features of `layers` nearest a point (within `maxRadius`), nearest first.
    public func nearest(lon: Double, lat: Double, k: Int, layers: [LayerInfo],
                        filter: CQL2Expression? = nil, coordsys: ChineseCoordinateSystem? = nil) async throws -> [Hit] {
        // Grow the search circle until it holds k features (or reaches the limit):
        // a feature outside the circle can never be nearer than one inside it.
        var radius = 500.0
        while true {
            let hits = try await nearby(lon: lon, lat: lat, radius: radius, layers: layers, filter: filter, limit: Self.maxResults, coordsys: coordsys)
            if hits.count >= k || radius >= Self.maxRadius { return Array(hits.prefix(k)) }
            radius = min(Self.maxRadius, radius * 4)
        }
    }

    /// Features of `layers` intersecting (or, with `within`, inside) a lon/lat polygon.
    public func inside(_ wkb: [UInt8], layers: [LayerInfo], within: Bool = false,
                       filter: CQL2Expression? = nil, limit: Int, coordsys: ChineseCoordinateSystem? = nil) async throws -> [Hit] {
        try await store.withReader { reader in
            var hits: [Hit] = []
            try GEOSContextPool.shared.withContext { ctx in
                let area = try ctx.read(wkb: wkb)
                for layer in layers {
                    var q = FeatureQuery()
                    q.bbox = area.bbox
                    q.limit = Self.maxCandidates
                    q.filter = filter
                    try reader.items(of: layer, q) { item in
                        guard hits.count < limit else { return }
                        let g = try ctx.read(wkb: item.wkb)
                        guard within ? area.contains(g) : area.intersects(g) else { return }
                        hits.append(Hit(layer: layer.id, fid: item.fid, distance: nil, bearing: nil,
                                        feature: Self.feature(layer.id, item, try Self.output(g, coordsys), distance: nil, bearing: nil)))
                    }
                }
            }
            return hits
        }
    }

    static func output(_ g: Geometry, _ coordsys: ChineseCoordinateSystem?) throws -> String {
        guard let cs = coordsys, cs == .gcj02 || cs == .bd09 else { return g.geoJSON }
        return try g.converted(from: .wgs84, to: cs).geoJSON
    }

    /// A GeoJSON Feature with the layer and, where it applies, distance and bearing
    /// as foreign members (so properties stay exactly the layer's).
    static func feature(_ layer: String, _ item: FeatureItem, _ geometry: String, distance: Double?, bearing: Double?) -> String {
        var s = "{\"type\":\"Feature\",\"id\":\"\(layer).\(item.fid)\",\"layer\":\"\(layer)\""
        if let distance { s += ",\"distance_m\":\(round(distance * 100) / 100)" }
        if let bearing { s += ",\"bearing_deg\":\(round(bearing * 10) / 10)" }
        s += ",\"geometry\":" + geometry + ",\"properties\":" + item.properties + "}"
        return s
    }
}
