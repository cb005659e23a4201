import Foundation
import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// GET /search (ranked, filtered, paged GeoJSON) and GET /suggest (type-ahead)
/// over every searchable layer the caller may read.
struct SearchRoutes {
    let services: Services

    static let searchParameters: Set<String> = ["q", "layer", "category", "bbox", "admin", "near", "radius", "focus", "limit", "offset", "coordsys", "f"]

    func add(to router: Router<OneMapRequestContext>) {
        router.getAndHead("/search") { request, context in
            let p = try QueryParameters(request, allowed: Self.searchParameters)
            var r = try searchRequest(p, context: context, defaultLimit: SearchService.defaultLimit)
            r.request.offset = try p.integer("offset", in: 0...SearchService.maxOffset) ?? 0
            let results = try await services.search.search(r.request, layers: r.layers)
            return jsonResponse(Self.featureCollection(results, r.request, coordsys: r.coordsys, query: request.uri.query ?? ""),
                                contentType: "application/geo+json")
        }

        router.getAndHead("/suggest") { request, context in
            let p = try QueryParameters(request, allowed: Self.searchParameters.subtracting(["offset"]))
            var r = try searchRequest(p, context: context, defaultLimit: SearchService.suggestLimit)
            r.request.typeAhead = true
            // Type-ahead offers each text once, however many layers hold it.
            let limit = r.request.limit
            r.request.limit = SearchService.maxLimit
            var seen = Set<String>()
            let hits = try await services.search.search(r.request, layers: r.layers).hits.filter { seen.insert($0.entry.name).inserted }.prefix(limit)
            let list: [JSONValue] = hits.map { h in
                let (lon, lat) = Self.output(h.entry, r.coordsys)
                return .object([
                    ("text", .string(h.entry.name)), ("layer", .string(h.entry.layer)), ("id", .int(h.entry.fid)),
                    ("category", h.entry.category.map { .string($0) } ?? .null), ("match", .string(h.match.rawValue)),
                    ("lon", .double(lon)), ("lat", .double(lat)),
                ])
            }
            return jsonResponse(JSONValue.object([("q", .string(r.request.text)), ("suggestions", .array(list))]).text)
        }
    }

    /// The request, the layers it may search and the caller's coordinate system.
    private func searchRequest(_ p: QueryParameters, context: OneMapRequestContext, defaultLimit: Int) throws
        -> (request: SearchRequest, layers: [LayerInfo], coordsys: ChineseCoordinateSystem?) {
        let text = try SearchService.validate(p["q"])
        let coordsys = try p.coordsys()
        var r = SearchRequest(text: text)
        r.limit = try p.integer("limit", in: 1...SearchService.maxLimit) ?? defaultLimit
        r.categories = p.list("category") ?? []
        if r.categories.contains(where: { $0.count > 64 }) || r.categories.count > 20 {
            throw Problem.badRequest("category takes at most 20 comma-separated names of at most 64 characters", parameter: "category")
        }
        if let raw = p["bbox"] {
            let b = try FeatureRoutes.bbox(raw, crs: .crs84)
            if let cs = coordsys {
                let sw = ChineseCoordinates.convert(lon: b.minX, lat: b.minY, from: cs, to: .wgs84)
                let ne = ChineseCoordinates.convert(lon: b.maxX, lat: b.maxY, from: cs, to: .wgs84)
                r.bbox = BBox(minX: sw.lon, minY: sw.lat, maxX: ne.lon, maxY: ne.lat)
            } else {
                r.bbox = b
            }
        }
        if let raw = p["admin"] { r.adminPrefix = try Self.adminPrefix(raw) }
        if let raw = p["near"] {
            let (lon, lat) = try Self.point(raw, parameter: "near", coordsys)
            guard let rr = p["radius"] else {
                throw Problem.badRequest("near needs radius: metres from the point, up to \(Int(SearchService.maxRadius))", parameter: "radius")
            }
            guard let radius = Double(rr), radius.isFinite, radius > 0, radius <= SearchService.maxRadius else {
                throw Problem.badRequest("radius must be metres, more than 0 and at most \(Int(SearchService.maxRadius))", parameter: "radius")
            }
            r.near = (lon, lat, radius)
        } else if p["radius"] != nil {
            throw Problem.badRequest("radius needs near=lon,lat", parameter: "near")
        }
        if let raw = p["focus"] { r.focus = try Self.point(raw, parameter: "focus", coordsys) }
        let layers: [LayerInfo]
        if let list = p["layer"] {
            layers = try services.catalogue.resolve(list: list, for: context.caller)
        } else {
            // Every readable layer: the index holds only features with a name or address.
            layers = services.catalogue.layers(for: context.caller)
        }
        return (r, layers, coordsys)
    }

    /// `lon,lat` in range, converted to CGCS2000 from the caller's system.
    static func point(_ raw: String, parameter: String, _ coordsys: ChineseCoordinateSystem?) throws -> (lon: Double, lat: Double) {
        let v = raw.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard v.count == 2, let lon = v[0], let lat = v[1], lon.isFinite, lat.isFinite,
              (-180...180).contains(lon), (-90...90).contains(lat) else {
            throw Problem.badRequest("\(parameter) must be lon,lat with longitude −180…180 and latitude −90…90", parameter: parameter)
        }
        guard let cs = coordsys else { return (lon, lat) }
        let w = ChineseCoordinates.convert(lon: lon, lat: lat, from: cs, to: .wgs84)
        return (w.lon, w.lat)
    }

    /// admin=44 / 4401 / 440106 (or 12 digits): the significant digits of a province,
    /// city or district. Street/town codes have no boundary to filter by.
    static func adminPrefix(_ raw: String) throws -> String {
        let digits = raw.trimmingCharacters(in: .whitespaces)
        let padded = (digits.count == 2 || digits.count == 4) && digits.allSatisfy(\.isASCII) ? digits.padding(toLength: 6, withPad: "0", startingAt: 0) : digits
        let code = try AdminService.code(padded, parameter: "admin")
        guard code.hasSuffix("000000") else {
            throw Problem.badRequest("admin filters by province, city or district; street/town units have no boundary in this data (got \(code))", parameter: "admin")
        }
        var prefix = String(code.prefix(6))
        while prefix.count > 2 && prefix.hasSuffix("00") { prefix.removeLast(2) }
        return prefix
    }

    static func output(_ e: SearchEntry, _ coordsys: ChineseCoordinateSystem?) -> (Double, Double) {
        guard let cs = coordsys else { return (e.lon, e.lat) }
        let c = ChineseCoordinates.convert(lon: e.lon, lat: e.lat, from: .wgs84, to: cs)
        return (c.lon, c.lat)
    }

    static func featureCollection(_ results: SearchResults, _ r: SearchRequest, coordsys: ChineseCoordinateSystem?, query: String) -> String {
        let features: [JSONValue] = results.hits.map { h in
            let e = h.entry
            let (lon, lat) = output(e, coordsys)
            return .object([
                ("type", .string("Feature")),
                ("id", .string("\(e.layer).\(e.fid)")),
                ("geometry", .object([("type", .string("Point")), ("coordinates", .array([.double(lon), .double(lat)]))])),
                ("properties", .object([
                    ("name", .string(e.name)), ("layer", .string(e.layer)), ("fid", .int(e.fid)),
                    ("category", e.category.map { .string($0) } ?? .null),
                    ("address", e.address.map { .string($0) } ?? .null),
                    ("admin_code", e.adminCode.map { .string($0) } ?? .null),
                    ("match", .string(h.match.rawValue)),
                    ("score", .double((h.score * 100).rounded() / 100)),
                    ("distance", h.distance.map { .double(($0 * 10).rounded() / 10) } ?? .null),
                ])),
                ("links", .array([.object([("rel", .string("item")), ("type", .string("application/geo+json")),
                                            ("href", .string("/collections/\(e.layer)/items/\(e.fid)"))])])),
            ])
        }
        var links: [JSONValue] = []
        func page(_ offset: Int) -> String {
            let kept = query.split(separator: "&").filter { !$0.hasPrefix("offset=") }
            return "/search?" + (kept + ["offset=\(offset)"]).joined(separator: "&")
        }
        if r.offset + results.hits.count < results.matched {
            links.append(.object([("rel", .string("next")), ("type", .string("application/geo+json")), ("href", .string(page(r.offset + r.limit)))]))
        }
        if r.offset > 0 {
            links.append(.object([("rel", .string("prev")), ("type", .string("application/geo+json")), ("href", .string(page(max(0, r.offset - r.limit))))]))
        }
        return JSONValue.object([
            ("type", .string("FeatureCollection")),
            ("q", .string(r.text)),
            ("numberMatched", .int(Int64(results.matched))),
            ("numberReturned", .int(Int64(results.hits.count))),
            ("features", .array(features)),
            ("links", .array(links)),
        ]).text
    }
}
