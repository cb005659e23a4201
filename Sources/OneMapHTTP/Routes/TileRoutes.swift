import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// /tiles/{layers}/{z}/{x}/{y}.mvt and /tiles/{layers}.json.
struct TileRoutes {
    let services: Services

    func add(to router: Router<OneMapRequestContext>) {
        router.getAndHead("/tiles/{layers}.json") { request, context in
            let list = context.pathParameter("layers")
            let layers = try services.catalogue.resolve(list: list, for: context.caller)
            let base = baseURL(request)
            let tj = TileJSON(layers: layers, tilesURL: "\(base)/tiles/\(layers.map(\.id).joined(separator: ","))/{z}/{x}/{y}.mvt")
            return jsonResponse(try encodeJSON(tj), cacheControl: "public, max-age=60")
        }

        let endpoint = TileEndpoint(services: services)
        router.getAndHead("/tiles/:layers/:z/:x/{y}.mvt") { request, context in
            let entry = try await endpoint.entry(layers: context.pathParameter("layers"), z: context.pathParameter("z"),
                                                 x: context.pathParameter("x"), y: context.pathParameter("y"), caller: context.caller)
            let (rep, notModified) = entry.choose(ifNoneMatch: request.headers[.ifNoneMatch], acceptEncoding: request.headers[.acceptEncoding])
            if notModified {
                var headers = rep.fields
                headers[.contentEncoding] = nil
                return Response(status: .notModified, headers: headers)
            }
            return Response(status: .ok, headers: rep.fields, body: .init(byteBuffer: rep.body))
        }
    }
}

/// Finding, making and answering tiles; shared by the router and the cached-tile fast path.
struct TileEndpoint: Sendable {
    let services: Services
    static let contentType = "application/vnd.mapbox-vector-tile"

    /// The tile's response buffers, made (and cached) when missing.
    func entry(layers list: String, z: String, x: String, y: String, caller: Caller) async throws -> TileResponseCache.Entry {
        let (id, layers) = try parse(list, z, x, y, caller)
        let key = Self.key(id, layers)
        if let hit = services.tileCache.get(key) { return hit }
        let made = try await services.tiles.tile(id, layers: layers)
        let entry = TileResponseCache.Entry(mvt: made.mvt, gzipped: made.gzipped, etag: made.etag)
        services.tileCache.put(key, entry)
        return entry
    }

    /// A cached tile of public layers or nil (not cached, or anything the router should answer instead).
    func cachedEntry(layers list: Substring, z: Substring, x: Substring, y: Substring) -> TileResponseCache.Entry? {
        guard let (id, layers) = try? parse(String(list), String(z), String(x), String(y), .anonymous) else { return nil }
        return services.tileCache.get(Self.key(id, layers))
    }

    private func parse(_ list: String, _ z: String, _ x: String, _ y: String, _ caller: Caller) throws -> (TileID, [LayerInfo]) {
        let layers = try services.catalogue.resolve(list: list, for: caller)
        let id = try services.tiles.validate(z: try Self.integer(z, "z"), x: try Self.integer(x, "x"), y: try Self.integer(y, "y"))
        return (id, layers)
    }

    private static func key(_ id: TileID, _ layers: [LayerInfo]) -> String {
        "\(id)|\(TileService.versionKey(layers))"
    }

    private static func integer(_ raw: String, _ name: String) throws -> Int {
        guard raw.count <= 10, let v = Int(raw) else {
            throw Problem.badRequest("\(name) must be a whole number, not \"\(raw.prefix(32))\"", parameter: name)
        }
        return v
    }

    /// Accept-Encoding allows gzip (or *) with a q-value above zero. Byte-level:
    /// this runs on every tile request.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.utf8.split(separator: UInt8(ascii: ",")) {
            let bits = part.split(separator: UInt8(ascii: ";"))
            guard let first = bits.first else { continue }
            let coding = trim(first)
            guard equalsIgnoringCase(coding, "gzip") || (coding.count == 1 && coding.first == UInt8(ascii: "*")) else { continue }
            var q = 1.0
            for param in bits.dropFirst() {
                let p = trim(param)
                if p.count > 2, p.first == UInt8(ascii: "q") || p.first == UInt8(ascii: "Q"), p[p.index(after: p.startIndex)] == UInt8(ascii: "=") {
                    q = Double(String(decoding: p.dropFirst(2), as: UTF8.self)) ?? 0
                }
            }
            if q > 0 { return true }
        }
        return false
    }

    private static func trim(_ s: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var t = s
        while let f = t.first, f == 0x20 || f == 0x09 { t = t.dropFirst() }
        while let l = t.last, l == 0x20 || l == 0x09 { t = t.dropLast() }
        return t
    }

    private static func equalsIgnoringCase(_ s: Substring.UTF8View.SubSequence, _ word: StaticString) -> Bool {
        guard s.count == word.utf8CodeUnitCount else { return false }
        for (i, c) in s.enumerated() where (c | 0x20) != word.utf8Start[i] { return false }
        return true
    }
}
