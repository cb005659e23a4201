import Foundation
import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// OGC API - Features (Part 1 core + GeoJSON, Part 2 CRS): /conformance,
/// /collections, /collections/{id}, /collections/{id}/queryables,
/// /collections/{id}/items and /collections/{id}/items/{featureId}.
struct FeatureRoutes {
    let services: Services

    static let conformance = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
        "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    ]

    /// CRSs listed for every collection; any other EPSG code PROJ knows is accepted too.
    static let listedCRS: [CRS] = [.crs84, .cgcs2000, .wgs84, .webMercator, CRS(authority: "EPSG", code: "4547")]

    func add(to router: Router<OneMapRequestContext>) {
        router.getAndHead("/conformance") { _, _ in
            jsonResponse(JSONValue.object([("conformsTo", .array(Self.conformance.map { .string($0) }))]).text)
        }

        router.getAndHead("/collections") { request, context in
            let base = baseURL(request)
            let collections = services.catalogue.layers(for: context.caller).map { collection($0, base: base) }
            let body = JSONValue.object([
                ("links", .array([link(base + "/collections", "self", "application/json", "Collections")])),
                ("collections", .array(collections)),
            ])
            return jsonResponse(body.text)
        }

        router.getAndHead("/collections/:id") { request, context in
            let layer = try layer(context)
            return jsonResponse(collection(layer, base: baseURL(request)).text)
        }

        router.getAndHead("/collections/:id/queryables") { request, context in
            let layer = try layer(context)
            let base = baseURL(request)
            var props: [(String, JSONValue)] = [
                ("geometry", .object([("title", .string("Geometry")), ("x-ogc-role", .string("primary-geometry")),
                                      ("format", .string("geometry-any"))])),
                ("fid", .object([("title", .string("Feature id")), ("type", .string("integer")), ("x-ogc-role", .string("id"))])),
            ]
            for f in layer.fields where f.name != "fid" && f.name != "geometry" {
                props.append((f.name, .object([("type", .string(f.type))])))
            }
            let schema = JSONValue.object([
                ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                ("$id", .string("\(base)/collections/\(layer.id)/queryables")),
                ("type", .string("object")),
                ("title", .string(layer.title)),
                ("properties", .object(props)),
                ("additionalProperties", .bool(false)),
            ])
            return jsonResponse(schema.text, contentType: "application/schema+json")
        }

        router.getAndHead("/collections/:id/items") { request, context in
            try await items(request, context)
        }

        router.getAndHead("/collections/:id/items/:fid") { request, context in
            let layer = try layer(context)
            let raw = context.pathParameter("fid")
            guard let fid = Int64(raw) else {
                throw Problem.notFound("no feature \"\(raw.prefix(40))\" in \(layer.id): feature ids are integers")
            }
            let params = try QueryParameters(request, allowed: ["crs", "f", "coordsys"])
            let crs = try params.crs("crs") ?? .crs84
            let coordsys = try params.coordsys()
            if coordsys != nil && crs != .crs84 {
                throw Problem.badRequest("coordsys goes with CRS84 lon/lat only (crs left out)", parameter: "coordsys")
            }
            guard let feature = try await services.features.item(of: layer, fid: fid, crs: crs, coordsys: coordsys) else {
                throw Problem.notFound("no feature \(fid) in \(layer.id)")
            }
            let base = baseURL(request)
            let links = JSONValue.array([
                link("\(base)/collections/\(layer.id)/items/\(fid)", "self", "application/geo+json", "This feature"),
                link("\(base)/collections/\(layer.id)", "collection", "application/json", layer.title),
            ]).text
            // Splice the links into the feature object.
            let body = String(feature.dropLast()) + ",\"links\":" + links + "}"
            return geoJSONResponse(body, crs: crs)
        }
    }

    private func layer(_ context: OneMapRequestContext) throws -> LayerInfo {
        let id = context.pathParameter("id")
        guard let layer = services.catalogue.layer(id, for: context.caller) else {
            throw Problem.notFound("no collection \"\(id.prefix(64))\"; GET /collections lists them")
        }
        return layer
    }

    private func collection(_ l: LayerInfo, base: String) -> JSONValue {
        let bbox = l.bounds.map { JSONValue.array($0.array.map { .double($0) }) } ?? .array([.int(-180), .int(-90), .int(180), .int(90)])
        return .object([
            ("id", .string(l.id)),
            ("title", .string(l.title)),
            ("description", l.description.map { .string($0) } ?? .null),
            ("itemType", .string("feature")),
            ("extent", .object([
                ("spatial", .object([("bbox", .array([bbox])), ("crs", .string(CRS.crs84.uri))])),
                ("temporal", .object([("interval", .array([.array([.null, .null])]))])),
            ])),
            ("crs", .array(Self.listedCRS.map { .string($0.uri) })),
            ("storageCrs", .string(CRS.storage.uri)),
            ("links", .array([
                link("\(base)/collections/\(l.id)", "self", "application/json", l.title),
                link("\(base)/collections/\(l.id)/items", "items", "application/geo+json", "Items"),
                link("\(base)/collections/\(l.id)/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables"),
                link("\(base)/tiles/\(l.id).json", "describedby", "application/json", "TileJSON"),
            ])),
        ])
    }

    private func items(_ request: Request, _ context: OneMapRequestContext) async throws -> Response {
        let layer = try layer(context)
        let base = baseURL(request)
        let known = Set(layer.fields.map(\.name))
        let params = try QueryParameters(request,
                                         allowed: ["bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "properties", "sortby", "f", "filter", "filter-lang", "filter-crs", "coordsys"],
                                         queryables: known)
        var q = FeatureQuery()
        q.limit = min(try params.integer("limit", in: 1...Int.max) ?? FeatureService.defaultLimit, FeatureService.maxLimit)
        q.offset = try params.integer("offset", in: 0...Int.max) ?? 0
        let crs = try params.crs("crs") ?? .crs84
        let bboxCRS = try params.crs("bbox-crs") ?? .crs84
        let coordsys = try params.coordsys()
        if coordsys != nil && (crs != .crs84 || bboxCRS != .crs84) {
            throw Problem.badRequest("coordsys goes with CRS84 lon/lat only (crs and bbox-crs left out)", parameter: "coordsys")
        }
        if let raw = params["bbox"] {
            q.bbox = try Self.bbox(raw, crs: bboxCRS)
            if let cs = coordsys, let b = q.bbox { q.bbox = Self.toWGS84(b, from: cs) }
        }
        if let raw = params["datetime"] { q.validDuring = try Self.interval(raw) }
        let selected = try params.list("properties").map { names in
            for n in names where !known.contains(n) {
                throw Problem.badRequest("unknown property \"\(n.prefix(64))\" in properties; queryables: /collections/\(layer.id)/queryables", parameter: "properties")
            }
            return names
        }
        q.sortBy = try (params.list("sortby") ?? []).map { key in
            var name = Substring(key)
            var ascending = true
            if name.hasPrefix("-") { ascending = false; name = name.dropFirst() } else if name.hasPrefix("+") { name = name.dropFirst() }
            guard known.contains(String(name)) || name == "fid" else {
                throw Problem.badRequest("cannot sort by unknown property \"\(name.prefix(64))\"", parameter: "sortby")
            }
            return (String(name), ascending)
        }
        q.propertyEquals = params.propertyFilters
        if let text = params["filter"] {
            guard let lang = CQL2.Language(rawValue: params["filter-lang"] ?? "cql2-text") else {
                throw Problem.badRequest("filter-lang must be cql2-text or cql2-json", parameter: "filter-lang")
            }
            if let fc = try params.crs("filter-crs"), fc != .crs84 {
                throw Problem.badRequest("filter-crs: geometries in filters are read as CRS84 only", parameter: "filter-crs")
            }
            do { q.filter = try CQL2.parse(text, language: lang) } catch {
                throw Problem.badRequest("filter: \(error.description)", parameter: "filter")
            }
        }

        let page: FeatureService.Page
        do {
            page = try await services.features.items(of: layer, query: q, crs: crs, properties: selected, coordsys: coordsys)
        } catch let e as StoreError {
            throw Problem.badRequest(e.message)
        } catch let e as CQL2Error {
            throw Problem.badRequest("filter: \(e.description)", parameter: "filter")
        }

        var links = [link(pageURL(base, layer.id, request, offset: q.offset), "self", "application/geo+json", "This page")]
        if q.offset + page.numberReturned < page.numberMatched {
            links.append(link(pageURL(base, layer.id, request, offset: q.offset + q.limit), "next", "application/geo+json", "Next page"))
        }
        if q.offset > 0 {
            links.append(link(pageURL(base, layer.id, request, offset: max(0, q.offset - q.limit)), "prev", "application/geo+json", "Previous page"))
        }
        links.append(link("\(base)/collections/\(layer.id)", "collection", "application/json", layer.title))
        var body = "{\"type\":\"FeatureCollection\",\"numberMatched\":\(page.numberMatched),\"numberReturned\":\(page.numberReturned)"
        body += ",\"timeStamp\":\"\(LogTime.now())\",\"links\":"
        body += JSONValue.array(links).text
        body += ",\"features\":"
        var buffer = ByteBuffer()
        buffer.reserveCapacity(body.utf8.count + page.features.count + 1)
        buffer.writeString(body)
        buffer.writeBytes(page.features)
        buffer.writeString("}")
        return Response(status: .ok,
                        headers: [.contentType: "application/geo+json", .cacheControl: "no-cache", .init("Content-Crs")!: "<\(crs.uri)>"],
                        body: .init(byteBuffer: buffer))
    }

    /// The same request with another offset (limit and every other parameter kept).
    private func pageURL(_ base: String, _ id: String, _ request: Request, offset: Int) -> String {
        var parts: [String] = []
        for (k, v) in (try? QueryParameters.decode(request.uri.query ?? "")) ?? [] where k != "offset" {
            parts.append("\(Self.escape(k))=\(Self.escape(v))")
        }
        parts.append("offset=\(offset)")
        return "\(base)/collections/\(id)/items?" + parts.joined(separator: "&")
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// bbox=minx,miny,maxx,maxy (or 6 numbers with heights) in `crs`, official axis order, to EPSG:4490 lon/lat.
    static func bbox(_ raw: String, crs: CRS) throws -> BBox {
        let v = raw.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard v.count == 4 || v.count == 6, v.allSatisfy({ $0?.isFinite == true }) else {
            throw Problem.badRequest("bbox must be 4 (or 6) comma-separated numbers: minx,miny,maxx,maxy", parameter: "bbox")
        }
        let n = v.compactMap { $0 }
        var (a0, a1, b0, b1) = v.count == 4 ? (n[0], n[1], n[2], n[3]) : (n[0], n[1], n[3], n[4])
        guard a0 <= b0, a1 <= b1 else {
            throw Problem.badRequest("bbox minimum must not exceed maximum (got \(raw.prefix(80)))", parameter: "bbox")
        }
        return try PROJContextPool.shared.withContext { ctx in
            if ctx.isNorthFirst(crs) { swap(&a0, &a1); swap(&b0, &b1) }
            if crs.isGeographicLonLat {
                guard a0 >= -180, b0 <= 180, a1 >= -90, b1 <= 90 else {
                    throw Problem.badRequest("bbox is outside longitude −180…180 / latitude −90…90 (axis order of \(crs))", parameter: "bbox")
                }
                return BBox(minX: a0, minY: a1, maxX: b0, maxY: b1)
            }
            // Projected: transform a densified outline so curved edges stay inside.
            var xy: [Double] = []
            for i in 0...8 {
                let t = Double(i) / 8
                xy += [a0 + (b0 - a0) * t, a1, a0 + (b0 - a0) * t, b1, a0, a1 + (b1 - a1) * t, b0, a1 + (b1 - a1) * t]
            }
            do {
                try ctx.transformer(from: crs, to: .storage).transform(&xy, verify: true)
            } catch {
                throw Problem.badRequest("bbox is outside the valid area of \(crs)", parameter: "bbox")
            }
            var out = BBox.empty
            for i in stride(from: 0, to: xy.count, by: 2) { out = out.union(BBox(minX: xy[i], minY: xy[i + 1], maxX: xy[i], maxY: xy[i + 1])) }
            guard out.minX >= -180, out.maxX <= 180, out.minY >= -90, out.maxY <= 90 else {
                throw Problem.badRequest("bbox is outside the valid area of \(crs)", parameter: "bbox")
            }
            return out
        }
    }

    /// A lon/lat box given in GCJ-02/BD-09, as the WGS84 box covering its corners.
    static func toWGS84(_ b: BBox, from cs: ChineseCoordinateSystem) -> BBox {
        var out = BBox.empty
        for (x, y) in [(b.minX, b.minY), (b.minX, b.maxY), (b.maxX, b.minY), (b.maxX, b.maxY)] {
            let p = ChineseCoordinates.convert(lon: x, lat: y, from: cs, to: .wgs84)
            out = out.union(BBox(minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat))
        }
        return out
    }

    /// datetime: an instant or an interval "start/end" with ".." (or empty) for open ends.
    static func interval(_ raw: String) throws -> (from: String?, to: String?) {
        func check(_ s: Substring) throws -> String? {
            if s == ".." || s.isEmpty { return nil }
            let text = String(s)
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            let fFrac = ISO8601DateFormatter()
            fFrac.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let d = ISO8601DateFormatter()
            d.formatOptions = [.withFullDate]
            guard f.date(from: text) != nil || fFrac.date(from: text) != nil || (text.count == 10 && d.date(from: text) != nil) else {
                throw Problem.badRequest("datetime must be RFC 3339 (2024-05-01T08:00:00Z or 2024-05-01) or an interval a/b with .. for open ends; got \"\(text.prefix(40))\"", parameter: "datetime")
            }
            return text
        }
        let parts = raw.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let t = try check(parts[0]) else { throw Problem.badRequest("datetime needs a time", parameter: "datetime") }
            return (t, t)
        case 2:
            let a = try check(parts[0]), b = try check(parts[1])
            if let a, let b, a > b { throw Problem.badRequest("datetime interval starts after it ends", parameter: "datetime") }
            return (a, b)
        default:
            throw Problem.badRequest("datetime is an instant or start/end", parameter: "datetime")
        }
    }
}

func link(_ href: String, _ rel: String, _ type: String, _ title: String?) -> JSONValue {
    var pairs: [(String, JSONValue)] = [("href", .string(href)), ("rel", .string(rel)), ("type", .string(type))]
    if let title { pairs.append(("title", .string(title))) }
    return .object(pairs)
}

func geoJSONResponse(_ body: String, crs: CRS) -> Response {
    Response(status: .ok,
             headers: [.contentType: "application/geo+json", .cacheControl: "no-cache", .init("Content-Crs")!: "<\(crs.uri)>"],
             body: .init(byteBuffer: ByteBuffer(string: body)))
}

/// Query parameters checked against what an endpoint accepts: unknown names are a
/// 400 (a typo must not silently return everything), repeated ones too.
struct QueryParameters {
    private var values: [String: String] = [:]
    private(set) var propertyFilters: [(name: String, value: String)] = []

    init(_ request: Request, allowed: Set<String>, queryables: Set<String> = []) throws {
        for (key, value) in try Self.decode(request.uri.query ?? "") {
            if allowed.contains(key) {
                guard values[key] == nil else { throw Problem.badRequest("parameter \(key) is given twice", parameter: key) }
                values[key] = value
            } else if queryables.contains(key) {
                propertyFilters.append((key, value))
            } else {
                throw Problem.badRequest("unknown parameter \"\(key.prefix(64))\"; accepted: \(allowed.sorted().joined(separator: ", "))\(queryables.isEmpty ? "" : ", or a queryable property")", parameter: key)
            }
        }
        if let f = values["f"], !["json", "geojson", "application/json", "application/geo+json"].contains(f) {
            throw Problem.badRequest("f must be json (the only encoding served)", parameter: "f")
        }
    }

    subscript(_ key: String) -> String? { values[key] }

    /// application/x-www-form-urlencoded: `+` is a space, `%2B` a plus.
    /// Escapes that decode to bytes which are not UTF-8 (`%FF%FE`) are a 400, not text.
    static func decode(_ query: String) throws -> [(String, String)] {
        try query.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func dec(_ s: Substring) throws -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                if let decoded = spaced.removingPercentEncoding { return decoded }
                // A bare % that starts no escape stays as it is; a real escape must be UTF-8.
                if spaced.range(of: "%[0-9A-Fa-f]{2}", options: .regularExpression) != nil {
                    throw Problem.badRequest("query parameter \"\(String(kv[0]).prefix(64))\" is not percent-encoded UTF-8")
                }
                return spaced
            }
            return (try dec(kv[0]), kv.count > 1 ? try dec(kv[1]) : "")
        }
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = values[key] else { return nil }
        guard let v = Int(raw), range.contains(v) else {
            throw Problem.badRequest("\(key) must be a whole number ≥ \(range.lowerBound), not \"\(raw.prefix(32))\"", parameter: key)
        }
        return v
    }

    func crs(_ key: String) throws -> CRS? {
        guard let raw = values[key] else { return nil }
        guard let crs = CRS(parsing: raw), PROJContextPool.shared.withContext({ $0.knows(crs) }) else {
            throw Problem.badRequest("\(key): unknown CRS \"\(raw.prefix(80))\"; use an OGC CRS URI such as http://www.opengis.net/def/crs/EPSG/0/4490", parameter: key)
        }
        return crs
    }

    /// `coordsys=wgs84|cgcs2000|gcj02|bd09`: coordinates in and out on a Chinese consumer basemap's system.
    func coordsys() throws -> ChineseCoordinateSystem? {
        guard let raw = values["coordsys"] else { return nil }
        guard let cs = ChineseCoordinateSystem(rawValue: raw.lowercased()) else {
            throw Problem.badRequest("coordsys must be wgs84, cgcs2000, gcj02 or bd09", parameter: "coordsys")
        }
        return cs == .gcj02 || cs == .bd09 ? cs : nil
    }

    func list(_ key: String) -> [String]? {
        values[key].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }
}
