import Foundation
import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// Writes: OGC API Features Part 4 on thematic layers, and POST /layers.
struct WriteRoutes {
    let services: Services

    func add(to router: Router<OneMapRequestContext>) {
        router.post("/layers") { request, context in
            let body = try await jsonBody(request, context)
            let layer = try services.editor.registerLayer(body, caller: context.caller)
            let base = baseURL(request)
            var response = jsonResponse(try encodeJSON(layer), status: .created)
            response.headers[.location] = "\(base)/collections/\(layer.id)"
            return response
        }

        router.post("/collections/:id/items") { request, context in
            let layer = try services.editor.writableLayer(context.pathParameter("id"), caller: context.caller)
            let body = try await jsonBody(request, context)
            let fid = try services.editor.create(layer, feature: body, crs: try contentCRS(request))
            let base = baseURL(request)
            return Response(status: .created, headers: [.location: "\(base)/collections/\(layer.id)/items/\(fid)", .contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "{\"id\":\(fid)}")))
        }

        router.put("/collections/:id/items/:fid") { request, context in
            let layer = try services.editor.writableLayer(context.pathParameter("id"), caller: context.caller)
            let fid = try featureID(context, layer)
            let body = try await jsonBody(request, context)
            try services.editor.replace(layer, fid: fid, feature: body, crs: try contentCRS(request))
            return Response(status: .noContent)
        }

        router.patch("/collections/:id/items/:fid") { request, context in
            let layer = try services.editor.writableLayer(context.pathParameter("id"), caller: context.caller)
            let fid = try featureID(context, layer)
            let body = try await jsonBody(request, context)
            try services.editor.update(layer, fid: fid, patch: body, crs: try contentCRS(request))
            return Response(status: .noContent)
        }

        router.delete("/collections/:id/items/:fid") { _, context in
            let layer = try services.editor.writableLayer(context.pathParameter("id"), caller: context.caller)
            try services.editor.delete(layer, fid: try featureID(context, layer))
            return Response(status: .noContent)
        }
    }

    private func featureID(_ context: OneMapRequestContext, _ layer: LayerInfo) throws -> Int64 {
        let raw = context.pathParameter("fid")
        guard let fid = Int64(raw) else { throw Problem.notFound("no feature \"\(raw.prefix(40))\" in \(layer.id): feature ids are integers") }
        return fid
    }

    /// The body's CRS from `Content-Crs: <uri>` (OGC API Features Part 2); CRS84 without it.
    private func contentCRS(_ request: Request) throws -> CRS {
        guard var raw = request.headers[.init("Content-Crs")!] else { return .crs84 }
        raw = raw.trimmingCharacters(in: .whitespaces)
        if raw.hasPrefix("<") && raw.hasSuffix(">") { raw = String(raw.dropFirst().dropLast()) }
        guard let crs = CRS(parsing: raw), PROJContextPool.shared.withContext({ $0.knows(crs) }) else {
            throw Problem.badRequest("Content-Crs: unknown CRS \"\(raw.prefix(80))\"", parameter: "Content-Crs")
        }
        return crs
    }
}

/// The request body as JSON, within the size limit, with the error position on bad JSON.
func jsonBody(_ request: Request, _ context: OneMapRequestContext) async throws -> JSONValue {
    if let type = request.headers[.contentType]?.lowercased(),
       !(type.hasPrefix("application/json") || type.hasPrefix("application/geo+json") || type.hasPrefix("application/merge-patch+json")) {
        throw Problem(.unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported media type",
                      detail: "send application/json, application/geo+json or application/merge-patch+json, not \(type.prefix(60))")
    }
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: context.maxUploadSize)
    } catch {
        throw Problem(.contentTooLarge, type: "too-large", title: "Too large",
                      detail: "request bodies are limited to \(context.maxUploadSize >> 20) MB")
    }
    do {
        return try buffer.withUnsafeReadableBytes { try JSONValue.parse($0) }
    } catch let e as JSONParseError {
        throw Problem.badRequest("malformed JSON: \(e.description)")
    }
}
