import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// /tiles/{layers}/{z}/{x}/{y}.mvt and /tiles/{layers}.json.
struct TileRoutes {
    let services: Services
    static let contentType = "application/vnd.mapbox-vector-tile"

    func add(to router: Router<BasicRequestContext>) {
        router.get("/tiles/{layers}.json") { request, context in
            let list = context.parameters.get("layers") ?? ""
            let layers = try services.catalogue.resolve(list: list)
            let base = baseURL(request)
            let tj = TileJSON(layers: layers, tilesURL: "\(base)/tiles/\(layers.map(\.id).joined(separator: ","))/{z}/{x}/{y}.mvt")
            return jsonResponse(try encodeJSON(tj), cacheControl: "public, max-age=60")
        }

        router.get("/tiles/:layers/:z/:x/{y}.mvt") { request, context in
            try await tile(request, context)
        }
    }

    private func integer(_ context: BasicRequestContext, _ name: String) throws -> Int {
        let raw = context.parameters.get(name) ?? ""
        guard raw.count <= 10, let v = Int(raw) else {
            throw Problem.badRequest("\(name) must be a whole number, not \"\(raw.prefix(32))\"", parameter: name)
        }
        return v
    }

    private func tile(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let layers = try services.catalogue.resolve(list: context.parameters.get("layers") ?? "")
        let id = try services.tiles.validate(z: try integer(context, "z"), x: try integer(context, "x"), y: try integer(context, "y"))
        let key = "\(id)|\(TileService.versionKey(layers))"
        let entry: TileResponseCache.Entry
        if let hit = services.tileCache.get(key) {
            entry = hit
        } else {
            let made = try await services.tiles.tile(id, layers: layers)
            entry = .init(identity: ByteBuffer(bytes: made.mvt), gzip: ByteBuffer(bytes: made.gzipped), etag: made.etag)
            services.tileCache.put(key, entry)
        }
        var headers: HTTPFields = [
            .contentType: Self.contentType,
            .cacheControl: "public, max-age=60, stale-while-revalidate=600",
            .eTag: entry.etag,
            .vary: "Accept-Encoding",
        ]
        if let inm = request.headers[.ifNoneMatch], inm == entry.etag || inm == "*" || inm.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == entry.etag }) {
            return Response(status: .notModified, headers: headers)
        }
        if entry.gzip.readableBytes > 0, acceptsGzip(request) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: entry.gzip))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: entry.identity))
    }

    private func acceptsGzip(_ request: Request) -> Bool {
        guard let ae = request.headers[.acceptEncoding] else { return false }
        for part in ae.split(separator: ",") {
            let bits = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = bits.first, coding == "gzip" || coding == "*" else { continue }
            if bits.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "").hasPrefix("q=0") && !$0.contains(".") || $0 == "q=0.0" || $0 == "q=0.00" || $0 == "q=0.000" }) {
                continue
            }
            return true
        }
        return false
    }
}
