import Foundation
import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// Emergency-command questions: /query/nearby, /query/nearest, /query/within,
/// /analysis/impact. GeoJSON out; distances geodesic, in metres.
struct QueryRoutes {
    let services: Services

    func add(to router: Router<OneMapRequestContext>) {
        router.getAndHead("/query/nearby") { request, context in
            let p = try QueryParameters(request, allowed: ["lon", "lat", "radius", "layers", "filter", "filter-lang", "limit", "coordsys"])
            let coordsys = try p.coordsys()
            let (lon, lat) = try point(p, coordsys)
            guard let radius = Double(p["radius"] ?? ""), radius.isFinite, radius > 0, radius <= SpatialQueries.maxRadius else {
                throw Problem.badRequest("radius must be metres, more than 0 and at most \(Int(SpatialQueries.maxRadius))", parameter: "radius")
            }
            let layers = try layerList(p["layers"], context)
            let limit = min(try p.integer("limit", in: 1...Int.max) ?? 100, SpatialQueries.maxResults)
            let hits = try await run { try await services.queries.nearby(lon: lon, lat: lat, radius: radius, layers: layers, filter: try filter(p), limit: limit, coordsys: coordsys) }
            return collection(hits, query: ["lon": .double(lon), "lat": .double(lat), "radius_m": .double(radius)])
        }

        router.getAndHead("/query/nearest") { request, context in
            let p = try QueryParameters(request, allowed: ["lon", "lat", "k", "layers", "filter", "filter-lang", "coordsys"])
            let coordsys = try p.coordsys()
            let (lon, lat) = try point(p, coordsys)
            guard let k = Int(p["k"] ?? "5"), k >= 1, k <= SpatialQueries.maxK else {
                throw Problem.badRequest("k must be a whole number from 1 to \(SpatialQueries.maxK)", parameter: "k")
            }
            let layers = try layerList(p["layers"], context)
            let hits = try await run { try await services.queries.nearest(lon: lon, lat: lat, k: k, layers: layers, filter: try filter(p), coordsys: coordsys) }
            return collection(hits, query: ["lon": .double(lon), "lat": .double(lat), "k": .int(Int64(k)),
                                            "max_radius_m": .double(SpatialQueries.maxRadius)])
        }

        router.post("/query/within") { request, context in
            let body = try await jsonBody(request, context)
            let coordsys = try Self.coordsys(body)
            let wkb = try areaGeometry(body["geometry"], coordsys: coordsys)
            let layers = try layerList(body["layers"].flatMap(Self.listText), context)
            let relation = try Self.string(body, "relation") ?? "intersects"
            guard relation == "intersects" || relation == "within" else {
                throw Problem.badRequest("relation must be intersects or within", parameter: "relation")
            }
            let limit = min(try Self.wholeNumber(body, "limit", min: 1) ?? 1000, SpatialQueries.maxResults)
            let f = try bodyFilter(body["filter"])
            let hits = try await run { try await services.queries.inside(wkb, layers: layers, within: relation == "within", filter: f, limit: limit, coordsys: coordsys) }
            return collection(hits, query: ["relation": .string(relation)])
        }

        router.post("/analysis/impact") { request, context in
            let body = try await jsonBody(request, context)
            let coordsys = try Self.coordsys(body, query: request)
            let wkb = try areaGeometry(body["geometry"], polygonsOnly: false, coordsys: coordsys)
            guard body["buffer_m"] == nil || body["buffer_m"]?.isNull == true || body["buffer_m"]?.doubleValue != nil else {
                throw Problem.badRequest("buffer_m must be a number of metres", parameter: "buffer_m")
            }
            let buffer = body["buffer_m"]?.doubleValue ?? 0
            guard buffer.isFinite, buffer >= 0, buffer <= ImpactAnalysis.maxBuffer else {
                throw Problem.badRequest("buffer_m must be metres from 0 to \(Int(ImpactAnalysis.maxBuffer))", parameter: "buffer_m")
            }
            let layers = try layerList(body["layers"].flatMap(Self.listText), context)
            let caller = context.caller
            let text = try await run {
                try await services.impact.run(wkb, buffer: buffer, layers: layers,
                                              admin: services.catalogue.layer("admin", for: caller),
                                              buildings: services.catalogue.layer("buildings", for: caller),
                                              coordsys: coordsys)
            }
            return jsonResponse(text)
        }
    }

    /// A whole number from a JSON body, range-checked before any conversion
    /// (a huge double must never reach Int()).
    static func wholeNumber(_ body: JSONValue, _ key: String, min: Int) throws -> Int? {
        guard let v = body[key], !v.isNull else { return nil }
        switch v {
        case .int(let i) where i >= Int64(min) && i <= Int64(Int32.max): return Int(i)
        case .double(let d) where d == d.rounded() && d >= Double(min) && d <= Double(Int32.max): return Int(d)
        default: throw Problem.badRequest("\(key) must be a whole number ≥ \(min)", parameter: key)
        }
    }

    static func string(_ body: JSONValue, _ key: String) throws -> String? {
        guard let v = body[key], !v.isNull else { return nil }
        guard let s = v.stringValue else { throw Problem.badRequest("\(key) must be a string", parameter: key) }
        return s
    }

    static func listText(_ v: JSONValue) -> String? {
        if let s = v.stringValue { return s }
        return v.arrayValue.map { $0.compactMap(\.stringValue).joined(separator: ",") }
    }

    static func coordsys(_ body: JSONValue) throws -> ChineseCoordinateSystem? {
        guard let raw = try string(body, "coordsys") else { return nil }
        guard let cs = ChineseCoordinateSystem(rawValue: raw.lowercased()) else {
            throw Problem.badRequest("coordsys must be wgs84, cgcs2000, gcj02 or bd09", parameter: "coordsys")
        }
        return cs == .gcj02 || cs == .bd09 ? cs : nil
    }

    /// `coordsys` of a POST: in the body or, as on the GET queries, `?coordsys=` in the
    /// URL (both given: they must agree). nil for wgs84 / cgcs2000 (no conversion).
    static func coordsys(_ body: JSONValue, query request: Request) throws -> ChineseCoordinateSystem? {
        let inURL = try QueryParameters.decode(request.uri.query ?? "").filter { $0.0 == "coordsys" }.map(\.1)
        guard inURL.count <= 1 else { throw Problem.badRequest("parameter coordsys is given twice", parameter: "coordsys") }
        var fromURL: ChineseCoordinateSystem?
        if let raw = inURL.first {
            guard let cs = ChineseCoordinateSystem(rawValue: raw.lowercased()) else {
                throw Problem.badRequest("coordsys must be wgs84, cgcs2000, gcj02 or bd09", parameter: "coordsys")
            }
            fromURL = cs == .gcj02 || cs == .bd09 ? cs : nil
        }
        let fromBody = try coordsys(body)
        if !inURL.isEmpty && body["coordsys"].map({ !$0.isNull }) == true && fromURL != fromBody {
            throw Problem.badRequest("coordsys in the URL and in the body differ; give it once", parameter: "coordsys")
        }
        return inURL.isEmpty ? fromBody : fromURL
    }

    /// lon/lat, converted to WGS84/CGCS2000 when given in GCJ-02 or BD-09.
    private func point(_ p: QueryParameters, _ coordsys: ChineseCoordinateSystem?) throws -> (Double, Double) {
        let (lon, lat) = try point(p)
        guard let cs = coordsys else { return (lon, lat) }
        let w = ChineseCoordinates.convert(lon: lon, lat: lat, from: cs, to: .wgs84)
        return (w.lon, w.lat)
    }

    private func point(_ p: QueryParameters) throws -> (Double, Double) {
        guard let lon = Double(p["lon"] ?? ""), lon.isFinite, (-180...180).contains(lon) else {
            throw Problem.badRequest("lon must be a longitude from −180 to 180", parameter: "lon")
        }
        guard let lat = Double(p["lat"] ?? ""), lat.isFinite, (-90...90).contains(lat) else {
            throw Problem.badRequest("lat must be a latitude from −90 to 90", parameter: "lat")
        }
        return (lon, lat)
    }

    private func layerList(_ raw: String?, _ context: OneMapRequestContext) throws -> [LayerInfo] {
        guard let raw, !raw.isEmpty else {
            throw Problem.badRequest("layers is required: one id or a comma-separated list, e.g. shelters,hospitals", parameter: "layers")
        }
        return try services.catalogue.resolve(list: raw, for: context.caller)
    }

    private func filter(_ p: QueryParameters) throws -> CQL2Expression? {
        guard let text = p["filter"] else { return nil }
        let lang = CQL2.Language(rawValue: p["filter-lang"] ?? "cql2-text")
        guard let lang else { throw Problem.badRequest("filter-lang must be cql2-text or cql2-json", parameter: "filter-lang") }
        do { return try CQL2.parse(text, language: lang) } catch { throw Problem.badRequest("filter: \(error.description)", parameter: "filter") }
    }

    private func bodyFilter(_ v: JSONValue?) throws -> CQL2Expression? {
        guard let v, !v.isNull else { return nil }
        do {
            if let text = v.stringValue { return try CQL2.parseText(text) }
            return try CQL2.parseJSON(v)
        } catch { throw Problem.badRequest("filter: \(error.description)", parameter: "filter") }
    }

    /// A query geometry (CRS84 GeoJSON): readable, valid, in range.
    private func areaGeometry(_ v: JSONValue?, polygonsOnly: Bool = true, coordsys: ChineseCoordinateSystem? = nil) throws -> [UInt8] {
        guard let v, !v.isNull else { throw Problem.badRequest("geometry (a GeoJSON geometry in CRS84) is required", parameter: "geometry") }
        do {
            return try GEOSContextPool.shared.withContext { ctx in
                try GeoJSONGeometryReader.readChecked(v, context: ctx) { g in
                    if polygonsOnly && g.kind != .polygon && g.kind != .multiPolygon {
                        throw GeometryError("the query area must be a Polygon or MultiPolygon, not \(g.kind.name)")
                    }
                    return try coordsys.map { try g.converted(from: $0, to: .wgs84) } ?? g
                }.wkb
            }
        } catch let e as GeometryError {
            throw Problem.badRequest("geometry: \(e.message)", parameter: "geometry")
        }
    }

    /// Maps the store's and the filter compiler's complaints to 400s.
    private func run<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as CQL2Error {
            throw Problem.badRequest("filter: \(e.description)", parameter: "filter")
        } catch let e as StoreError {
            throw Problem.badRequest(e.message)
        }
    }

    private func collection(_ hits: [SpatialQueries.Hit], query: [String: JSONValue]) -> Response {
        var body = "{\"type\":\"FeatureCollection\",\"numberReturned\":\(hits.count),\"query\":"
        body += JSONValue.object(query.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).text
        body += ",\"features\":[" + hits.map(\.feature).joined(separator: ",") + "]}"
        return Response(status: .ok, headers: [.contentType: "application/geo+json", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
