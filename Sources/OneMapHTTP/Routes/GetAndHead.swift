import Hummingbird

extension Router where Context == OneMapRequestContext {
    /// Registers `handler` for GET and for HEAD (RFC 9110 §9.3.2: HEAD wherever GET
    /// is served): HEAD sends GET's headers, Content-Length included, without the body.
    /// (Hummingbird matches the method before middleware runs, so a middleware cannot do it.)
    func getAndHead(_ path: RouterPath, use handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        get(path, use: handler)
        head(path) { request, context in
            var response = try await handler(request, context)
            let length = response.body.contentLength
            response.body = .init()  // (this resets Content-Length: set it after)
            if let length { response.headers[.contentLength] = String(length) }
            return response
        }
    }
}
