import Foundation
import GeoCore
import OneMapStore

/// "What does this incident area touch": a geometry grown by a buffer in metres;
/// per layer the features inside and their count, totals per district, and an
/// estimate of the people affected with the method stated.
public struct ImpactAnalysis: Sendable {
    /// Floor area per person used for the people estimate (m²); Guangzhou's urban
    /// residential floor area per person is of this order.
    public static let floorAreaPerPerson = 35.0
    public static let storeyHeight = 3.0
    public static let maxBuffer = 20_000.0
    public static let maxFeaturesPerLayer = 1_000

    let queries: SpatialQueries
    let store: any FeatureStore

    public init(store: any FeatureStore) {
        self.store = store
        queries = SpatialQueries(store: store)
    }

    /// The area: `wkb` (lon/lat) buffered by `meters` in its UTM zone.
    public static func area(_ wkb: [UInt8], buffer meters: Double) throws -> (wkb: [UInt8], squareMeters: Double) {
        try GEOSContextPool.shared.withContext { ctx in
            let g = try ctx.read(wkb: wkb)
            let b = g.bbox
            let lon = (b.minX + b.maxX) / 2, lat = (b.minY + b.maxY) / 2
            let zone = max(1, min(60, Int(floor((lon + 180) / 6)) + 1))
            let utm = CRS(authority: "EPSG", code: String(lat >= 0 ? 32600 + zone : 32700 + zone))
            return try PROJContextPool.shared.withContext { proj in
                let projected = try proj.transformer(from: .storage, to: utm).transform(g)
                let grown = meters > 0 ? try projected.buffer(meters) : projected
                let back = try proj.transformer(from: utm, to: .storage).transform(grown)
                return (back.wkb, grown.area)
            }
        }
    }

    /// `wkb`: the incident geometry, lon/lat in WGS84/CGCS2000 (the caller converts
    /// GCJ-02 / BD-09 input). `coordsys`: GCJ-02 or BD-09 for every coordinate of the
    /// answer (the area and the features); measuring and the district of each feature
    /// are done on the stored coordinates before that.
    public func run(_ wkb: [UInt8], buffer meters: Double, layers: [LayerInfo], admin: LayerInfo?, buildings: LayerInfo?,
                    coordsys: ChineseCoordinateSystem? = nil) async throws -> String {
        let (area, squareMeters) = try Self.area(wkb, buffer: meters)
        var perLayer: [(LayerInfo, [SpatialQueries.Hit])] = []
        for layer in layers {
            perLayer.append((layer, try await queries.inside(area, layers: [layer], limit: 1_000_000)))
        }
        // Districts touched, and which district each hit's representative point falls in.
        var districts: [(code: String, name: String, wkb: [UInt8])] = []
        if let admin {
            var q = FeatureQuery()
            q.filter = .comparison(.equal, .property("level"), .string("district"))
            let hits = try await queries.inside(area, layers: [admin], filter: q.filter, limit: 10_000)
            districts = try await store.withReader { reader in
                var out: [(String, String, [UInt8])] = []
                for h in hits {
                    var one = FeatureQuery()
                    one.fid = h.fid
                    try reader.items(of: admin, one) { item in
                        let p = (try? JSONValue.parse(item.properties)) ?? .null
                        out.append((p["adcode"]?.stringValue ?? "", p["name"]?.stringValue ?? "", Array(item.wkb)))
                    }
                }
                return out
            }
        }
        let people = try await estimatePeople(area, buildings: buildings)

        return try GEOSContextPool.shared.withContext { ctx in
            let districtGeoms = try districts.map { try ctx.read(wkb: $0.wkb) }
            var byDistrict: [String: [String: Int]] = [:]
            var layersJSON: [String] = []
            for (layer, hits) in perLayer {
                var shown: [String] = []
                for (n, h) in hits.enumerated() {
                    guard let geometry = try? JSONValue.parse(h.feature)["geometry"] else {
                        guard coordsys == nil else { throw GeometryError("feature \(layer.id).\(h.fid): not readable for coordsys") }
                        if n < Self.maxFeaturesPerLayer { shown.append(h.feature) }
                        continue
                    }
                    var reader = GeoJSONGeometryReader()
                    let g = try? reader.read(geometry, context: ctx)
                    if let p = try? g?.pointOnSurface(), let i = districtGeoms.firstIndex(where: { $0.intersects(p) }) {
                        byDistrict[districts[i].code, default: [:]][layer.id, default: 0] += 1
                    }
                    if n < Self.maxFeaturesPerLayer {
                        if let cs = coordsys {
                            // Never a stored coordinate in a GCJ-02 / BD-09 answer.
                            guard let g else { throw GeometryError("feature \(layer.id).\(h.fid): geometry not readable for coordsys") }
                            shown.append(try Self.feature(h.feature, geometry: try SpatialQueries.output(g, cs)))
                        } else {
                            shown.append(h.feature)
                        }
                    }
                }
                layersJSON.append("{\"layer\":\(JSONValue.string(layer.id).text),\"title\":\(JSONValue.string(layer.title).text),\"count\":\(hits.count),\"featuresShown\":\(min(hits.count, Self.maxFeaturesPerLayer)),\"features\":[\(shown.joined(separator: ","))]}")
            }
            let districtJSON = districts.map { d -> String in
                let counts = JSONValue.object((byDistrict[d.code] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })
                return "{\"adcode\":\(JSONValue.string(d.code).text),\"name\":\(JSONValue.string(d.name).text),\"counts\":\(counts.text)}"
            }.joined(separator: ",")
            var areaGeoJSON = "null"
            if let g = try? ctx.read(wkb: area) {
                if let cs = coordsys {
                    if let c = try? g.converted(from: .wgs84, to: cs) { areaGeoJSON = ctx.geoJSON(c) }
                } else {
                    areaGeoJSON = ctx.geoJSON(g)
                }
            }
            var out = "{\"area\":{\"type\":\"Feature\",\"geometry\":\(areaGeoJSON),\"properties\":{\"buffer_m\":\(meters),\"area_m2\":\(round(squareMeters))}}"
            out += ",\"layers\":[\(layersJSON.joined(separator: ","))]"
            out += ",\"districts\":[\(districtJSON)]"
            out += ",\"people\":\(people)}"
            return out
        }
    }

    /// A feature as `SpatialQueries` writes it with its geometry replaced: before the first
    /// `,"geometry":` come only the type, id and layer (layer ids are [a-z0-9_]), and the
    /// geometry ends where `,"properties":` begins (a geometry object has no such member).
    static func feature(_ text: String, geometry: String) throws -> String {
        guard let g = text.range(of: ",\"geometry\":"), let p = text.range(of: ",\"properties\":", range: g.upperBound..<text.endIndex) else {
            throw GeometryError("feature without geometry and properties")
        }
        return String(text[..<g.upperBound]) + geometry + String(text[p.lowerBound...])
    }

    /// People ≈ Σ(footprint × storeys) ÷ floor area per person, over buildings intersecting the area.
    private func estimatePeople(_ area: [UInt8], buildings: LayerInfo?) async throws -> String {
        guard let buildings else {
            return "{\"estimate\":null,\"method\":\"no buildings layer readable by this caller: no estimate\"}"
        }
        let hits = try await queries.inside(area, layers: [buildings], limit: 1_000_000)
        var floorArea = 0.0
        var withLevels = 0
        try GEOSContextPool.shared.withContext { ctx in
            for h in hits {
                guard let f = try? JSONValue.parse(h.feature), let geometry = f["geometry"] else { continue }
                var reader = GeoJSONGeometryReader()
                guard let g = try? reader.read(geometry, context: ctx) else { continue }
                let footprint = try ImpactAnalysis.area(g.wkb, buffer: 0).squareMeters
                var storeys = 1.0
                if let l = f["properties"]?["levels"]?.doubleValue, l >= 1 { storeys = l; withLevels += 1 }
                else if let hgt = f["properties"]?["height"]?.doubleValue, hgt > 0 { storeys = max(1, (hgt / Self.storeyHeight).rounded()); withLevels += 1 }
                floorArea += footprint * storeys
            }
        }
        let people = Int((floorArea / Self.floorAreaPerPerson).rounded())
        let method = "Σ(building footprint × storeys) ÷ \(Int(Self.floorAreaPerPerson)) m² floor area per person, over the \(hits.count) buildings of layer \(buildings.id) touching the area; storeys from levels, else height ÷ \(Int(Self.storeyHeight)) m, else 1 (known for \(withLevels)). Every building is counted as occupied: an order of magnitude for planning, not a census."
        return "{\"estimate\":\(people),\"buildings\":\(hits.count),\"floor_area_m2\":\(round(floorArea)),\"method\":\(JSONValue.string(method).text)}"
    }
}
