import Foundation
import GeoCore
import OneMapStore

/// OGC API - Features reads: items of a layer as GeoJSON in a requested CRS.
public struct FeatureService: Sendable {
    public static let defaultLimit = 10
    /// Largest page (documented limit).
    public static let maxLimit = 10_000

    let store: any FeatureStore

    public init(store: any FeatureStore) { self.store = store }

    /// One page of items.
    public struct Page: Sendable {
        /// The features as a JSON array text.
        public let features: String
        public let numberReturned: Int
        public let numberMatched: Int
    }

    /// `properties`: only these properties in the output (nil: all).
    public func items(of layer: LayerInfo, query: FeatureQuery, crs: CRS, properties: [String]?) async throws -> Page {
        try await store.withReader { reader in
            let matched = try reader.count(of: layer, query)
            var out = "["
            var n = 0
            try FeatureWriter.with(crs: crs) { writer in
                try reader.items(of: layer, query) { item in
                    if n > 0 { out += "," }
                    try writer.write(item, selecting: properties, to: &out)
                    n += 1
                }
            }
            out += "]"
            return Page(features: out, numberReturned: n, numberMatched: matched)
        }
    }

    /// One feature, or nil.
    public func item(of layer: LayerInfo, fid: Int64, crs: CRS) async throws -> String? {
        try await store.withReader { reader in
            var q = FeatureQuery()
            q.fid = fid
            q.limit = 1
            var out: String?
            try FeatureWriter.with(crs: crs) { writer in
                try reader.items(of: layer, q) { item in
                    var s = ""
                    try writer.write(item, selecting: nil, to: &s)
                    out = s
                }
            }
            return out
        }
    }
}

/// Writes stored features as GeoJSON Feature objects in a target CRS, in that
/// CRS's official axis order (OGC API Part 2: EPSG:4326 and 4490 latitude first).
struct FeatureWriter {
    let ctx: GEOSContext
    let transformer: CRSTransformer?
    let swapAxes: Bool

    static func with<R>(crs: CRS, _ body: (FeatureWriter) throws -> R) throws -> R {
        try GEOSContextPool.shared.withContext { geos in
            try PROJContextPool.shared.withContext { proj in
                let transformer = crs.isGeographicLonLat ? nil : try proj.transformer(from: .storage, to: crs)
                return try body(FeatureWriter(ctx: geos, transformer: transformer, swapAxes: proj.isNorthFirst(crs)))
            }
        }
    }

    func write(_ item: FeatureItem, selecting: [String]?, to out: inout String) throws {
        var g = try ctx.read(wkb: item.wkb)
        if let transformer { g = try transformer.transform(g) }
        if swapAxes { g = try g.mapXY { x, y in swap(&x, &y); return true } }
        out += "{\"type\":\"Feature\",\"id\":\(item.fid),\"geometry\":"
        out += g.geoJSON
        out += ",\"properties\":"
        if let selecting {
            let all = (try? JSONValue.parse(item.properties).objectValue) ?? []
            JSONValue.object(all.filter { selecting.contains($0.0) }).write(to: &out)
        } else {
            out += item.properties
        }
        out += "}"
    }
}
