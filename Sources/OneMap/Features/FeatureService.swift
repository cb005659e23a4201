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
        /// The features as JSON array text (UTF-8).
        public let features: [UInt8]
        public let numberReturned: Int
        public let numberMatched: Int
    }

    /// `properties`: only these properties in the output (nil: all).
    /// `coordsys`: GCJ-02 or BD-09 output for apps on Chinese consumer basemaps (with CRS84 only).
    public func items(of layer: LayerInfo, query: FeatureQuery, crs: CRS, properties: [String]?,
                      coordsys: ChineseCoordinateSystem? = nil) async throws -> Page {
        try await store.withReader { reader in
            let matched = try reader.count(of: layer, query)
            var out: [UInt8] = [UInt8(ascii: "[")]
            var n = 0
            try FeatureWriter.with(crs: crs, coordsys: coordsys) { writer in
                try reader.items(of: layer, query) { item in
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    try writer.write(item, selecting: properties, to: &out)
                    n += 1
                }
            }
            out.append(UInt8(ascii: "]"))
            return Page(features: out, numberReturned: n, numberMatched: matched)
        }
    }

    /// One feature, or nil.
    public func item(of layer: LayerInfo, fid: Int64, crs: CRS, coordsys: ChineseCoordinateSystem? = nil) async throws -> String? {
        try await store.withReader { reader in
            var q = FeatureQuery()
            q.fid = fid
            q.limit = 1
            var out: String?
            try FeatureWriter.with(crs: crs, coordsys: coordsys) { writer in
                try reader.items(of: layer, q) { item in
                    var bytes: [UInt8] = []
                    try writer.write(item, selecting: nil, to: &bytes)
                    out = String(decoding: bytes, as: UTF8.self)
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
    let geometryWriter: GeoJSONGeometryWriter
    let coordsys: ChineseCoordinateSystem?

    static func with<R>(crs: CRS, coordsys: ChineseCoordinateSystem? = nil, _ body: (FeatureWriter) throws -> R) throws -> R {
        try GEOSContextPool.shared.withContext { geos in
            try PROJContextPool.shared.withContext { proj in
                let transformer = crs.isGeographicLonLat ? nil : try proj.transformer(from: .storage, to: crs)
                // Degrees to 8 decimals (≈ 1 mm), metres to 4.
                let degrees = crs.isGeographicLonLat || proj.isGeographic(crs)
                return try body(FeatureWriter(ctx: geos, transformer: transformer, swapAxes: proj.isNorthFirst(crs),
                                              geometryWriter: GeoJSONGeometryWriter(decimals: degrees ? 8 : 4),
                                              coordsys: coordsys == .gcj02 || coordsys == .bd09 ? coordsys : nil))
            }
        }
    }

    func write(_ item: FeatureItem, selecting: [String]?, to out: inout [UInt8]) throws {
        var g = try ctx.read(wkb: item.wkb)
        if let transformer { g = try transformer.transform(g) }
        if swapAxes { g = try g.mapXY { x, y in swap(&x, &y); return true } }
        if let coordsys { g = try g.converted(from: .wgs84, to: coordsys) }
        out.append(contentsOf: #"{"type":"Feature","id":"#.utf8)
        out.append(contentsOf: String(item.fid).utf8)
        out.append(contentsOf: #","geometry":"#.utf8)
        geometryWriter.write(g, to: &out)
        out.append(contentsOf: #","properties":"#.utf8)
        if let selecting {
            let all = (try? JSONValue.parse(item.properties).objectValue) ?? []
            out.append(contentsOf: JSONValue.object(all.filter { selecting.contains($0.0) }).text.utf8)
        } else {
            out.append(contentsOf: item.properties.utf8)
        }
        out.append(UInt8(ascii: "}"))
    }
}
