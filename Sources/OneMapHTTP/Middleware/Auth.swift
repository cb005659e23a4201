import Hummingbird
import OneMap

/// The request context of every route: Hummingbird's core plus who is asking.
public struct OneMapRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller = Caller.anonymous

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Request bodies beyond this are refused with 413 (documented limit).
    public var maxUploadSize: Int { 16 << 20 }

    /// A path parameter, percent-decoded (`roads%2Cbuildings` is `roads,buildings`);
    /// "" when absent, as it is when the escapes are not UTF-8 (then nothing matches).
    func pathParameter(_ name: String) -> String {
        guard let raw = parameters.get(name) else { return "" }
        return raw.removingPercentEncoding ?? ""
    }
}

/// Finds the caller from `Authorization: Bearer KEY` or `X-API-Key: KEY`; no key is
/// the anonymous (public) caller, an unknown key a 401.
struct AuthMiddleware: RouterMiddleware {
    let policy: AccessPolicy

    func handle(_ request: Request, context: OneMapRequestContext,
                next: (Request, OneMapRequestContext) async throws -> Response) async throws -> Response {
        var key = request.headers[.init("X-API-Key")!]
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            key = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard let caller = policy.caller(key: key) else {
            throw Problem(.unauthorized, type: "unauthorized", title: "Unauthorized",
                          detail: "the API key is not known; send none for public data, or a valid key as `Authorization: Bearer KEY`")
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}
