import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// /tiles/{layers}/{z}/{x}/{y}.mvt and /tiles/{layers}.json.
struct TileRoutes {
    let services: Services

    func add(to router: Router<BasicRequestContext>) {
        router.getAndHead("/tiles/{layers}.json") { request, context in
            let list = context.parameters.get("layers") ?? ""
            let layers = try services.catalogue.resolve(list: list)
            let base = baseURL(request)
            let tj = TileJSON(layers: layers, tilesURL: "\(base)/tiles/\(layers.map(\.id).joined(separator: ","))/{z}/{x}/{y}.mvt")
            return jsonResponse(try encodeJSON(tj), cacheControl: "public, max-age=60")
        }

        let endpoint = TileEndpoint(services: services)
        router.getAndHead("/tiles/:layers/:z/:x/{y}.mvt") { request, context in
            let p = context.parameters
            let entry = try await endpoint.entry(layers: p.get("layers") ?? "", z: p.get("z") ?? "", x: p.get("x") ?? "", y: p.get("y") ?? "")
            let (status, headers, body) = TileEndpoint.respond(entry, request: request.headers)
            return Response(status: status, headers: headers, body: body.map { .init(byteBuffer: $0) } ?? .init())
        }
    }
}

/// Finding, making and answering tiles; shared by the router and the cached-tile fast path.
struct TileEndpoint: Sendable {
    let services: Services
    static let contentType = "application/vnd.mapbox-vector-tile"

    /// The tile's response buffers, made (and cached) when missing.
    func entry(layers list: String, z: String, x: String, y: String) async throws -> TileResponseCache.Entry {
        let (id, layers) = try parse(list, z, x, y)
        let key = Self.key(id, layers)
        if let hit = services.tileCache.get(key) { return hit }
        let made = try await services.tiles.tile(id, layers: layers)
        let entry = TileResponseCache.Entry(identity: ByteBuffer(bytes: made.mvt), gzip: ByteBuffer(bytes: made.gzipped), etag: made.etag)
        services.tileCache.put(key, entry)
        return entry
    }

    /// A cached tile or nil (not cached, or anything the router should answer instead).
    func cachedEntry(layers list: Substring, z: Substring, x: Substring, y: Substring) -> TileResponseCache.Entry? {
        guard let (id, layers) = try? parse(String(list), String(z), String(x), String(y)) else { return nil }
        return services.tileCache.get(Self.key(id, layers))
    }

    private func parse(_ list: String, _ z: String, _ x: String, _ y: String) throws -> (TileID, [LayerInfo]) {
        let layers = try services.catalogue.resolve(list: list)
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

    /// Status, headers and body for a tile: 304 on a matching If-None-Match, gzip when accepted.
    static func respond(_ entry: TileResponseCache.Entry, request: HTTPFields) -> (HTTPResponse.Status, HTTPFields, ByteBuffer?) {
        var headers: HTTPFields = [
            .contentType: contentType,
            .cacheControl: "public, max-age=60, stale-while-revalidate=600",
            .eTag: entry.etag,
            .vary: "Accept-Encoding",
        ]
        let gzip = entry.gzip.readableBytes > 0 && acceptsGzip(request[.acceptEncoding])
        // Each representation has its own strong ETag (RFC 9110 §8.8.3); either one
        // names the current content, so either revalidates.
        let gzipTag = entry.etag.dropLast() + "-gz\""
        headers[.eTag] = gzip ? String(gzipTag) : entry.etag
        if let inm = request[.ifNoneMatch], inm == "*" || inm.split(separator: ",").contains(where: {
            let tag = $0.trimmingCharacters(in: .whitespaces)
            return tag == entry.etag || tag == gzipTag
        }) {
            return (.notModified, headers, nil)
        }
        if gzip {
            headers[.contentEncoding] = "gzip"
            return (.ok, headers, entry.gzip)
        }
        return (.ok, headers, entry.identity)
    }

    /// Accept-Encoding allows gzip (or *) with a q-value above zero.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let bits = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = bits.first, coding == "gzip" || coding == "*" else { continue }
            let q = bits.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }
}
