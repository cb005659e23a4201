import Foundation
import GeoCore
import Hummingbird

/// The map page, styles with absolute URLs, and the glyph endpoint MapLibre asks for.
struct ViewerRoutes {
    let services: Services

    func add(to router: Router<OneMapRequestContext>) {
        let page = services.resources + "/Public/map/index.html"
        let mapPage: @Sendable (Request, OneMapRequestContext) async throws -> Response = { _, _ in
            guard let html = FileManager.default.contents(atPath: page) else {
                throw Problem(.serviceUnavailable, type: "viewer-missing", title: "Viewer not installed",
                              detail: "\(page) is missing; run Scripts/setup.sh")
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                            body: .init(byteBuffer: ByteBuffer(bytes: html)))
        }
        router.getAndHead("/map", use: mapPage)

        router.getAndHead("/styles/{name}.json") { request, context in
            let name = context.pathParameter("name")
            guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
                  let data = FileManager.default.contents(atPath: "\(services.resources)/Styles/\(name).json") else {
                throw Problem.notFound("no style \"\(name.prefix(64))\"; styles live in Styles/")
            }
            let style = try JSONValue.parse([UInt8](data))
            let absolute = Self.absolutize(style, base: baseURL(request), key: nil)
            return jsonResponse(absolute.text, cacheControl: "no-cache")
        }

        // MapLibre fetches glyph ranges for any label with non-CJK characters; a 404
        // would drop the whole tile's labels. CJK comes from local fonts
        // (localIdeographFontFamily); an empty PBF is a valid "no glyphs" answer.
        router.getAndHead("/fonts/:stack/{range}.pbf") { _, context in
            let range = context.pathParameter("range")
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            guard bounds.count == 2, bounds[0] >= 0, bounds[1] <= 65535, bounds[1] - bounds[0] == 255, bounds[0] % 256 == 0 else {
                throw Problem.badRequest("glyph range must be N-(N+255) with N a multiple of 256, e.g. 0-255", parameter: "range")
            }
            return Response(status: .ok, headers: [.contentType: "application/x-protobuf", .cacheControl: "public, max-age=86400"],
                            body: .init(byteBuffer: ByteBuffer()))
        }
    }

    /// Turns root-relative URLs ("/tiles/…") of a style's sources, glyphs and sprite into absolute ones.
    static func absolutize(_ v: JSONValue, base: String, key: String?) -> JSONValue {
        switch v {
        case .string(let s) where s.hasPrefix("/") && !s.hasPrefix("//") && ["url", "glyphs", "sprite", "tiles"].contains(key ?? ""):
            return .string(base + s)
        case .array(let items):
            return .array(items.map { absolutize($0, base: base, key: key) })
        case .object(let pairs):
            return .object(pairs.map { ($0.0, absolutize($0.1, base: base, key: $0.0)) })
        default:
            return v
        }
    }
}
