import Foundation
import GeoCore
import Hummingbird
import OneMap

/// An RFC 9457 problem: `application/problem+json` with type, title, status, detail.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String
    public let parameter: String?

    public init(_ status: HTTPResponse.Status, type: String, title: String, detail: String, parameter: String? = nil) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.parameter = parameter
    }

    public static func badRequest(_ detail: String, parameter: String? = nil) -> Problem {
        Problem(.badRequest, type: "bad-request", title: "Bad request", detail: detail, parameter: parameter)
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, type: "not-found", title: "Not found", detail: detail)
    }

    init(_ e: ServiceError) {
        switch e {
        case .badRequest(let p, let d): self = .badRequest(d, parameter: p)
        case .notFound(let d): self = .notFound(d)
        case .tooLarge(let d): self.init(.contentTooLarge, type: "too-large", title: "Too large", detail: d)
        case .forbidden(let d): self.init(.forbidden, type: "forbidden", title: "Forbidden", detail: d)
        case .conflict(let d): self.init(.conflict, type: "conflict", title: "Conflict", detail: d)
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = "{\"type\":"
        JSONValue.writeString("https://onemap.local/problems/\(type)", to: &body)
        body += ",\"title\":"
        JSONValue.writeString(title, to: &body)
        body += ",\"status\":\(status.code),\"detail\":"
        JSONValue.writeString(detail, to: &body)
        if let parameter {
            body += ",\"parameter\":"
            JSONValue.writeString(parameter, to: &body)
        }
        body += ",\"instance\":"
        JSONValue.writeString(String(request.uri.path.prefix(512)), to: &body)
        body += "}"
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Turns every error into a problem+json answer: service errors into their 4xx,
/// the router's "no route" into a 404, anything unexpected into a logged 500.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Returned, not thrown, so outer middleware (CORS, access log) sees a normal response.
        do {
            return try await next(request, context)
        } catch {
            return try problem(for: error, request, context).response(from: request, context: context)
        }
    }

    private func problem(for error: any Error, _ request: Request, _ context: Context) -> Problem {
        switch error {
        case let p as Problem:
            return p
        case let e as ServiceError:
            return Problem(e)
        case let e as HTTPError:
            switch e.status {
            case .notFound:
                return .notFound("no resource at \(String(request.uri.path.prefix(200))); GET / lists what this server offers")
            case .methodNotAllowed:
                return Problem(.methodNotAllowed, type: "method-not-allowed", title: "Method not allowed", detail: "\(request.method) is not allowed here")
            default:
                return Problem(e.status, type: "http-\(e.status.code)", title: e.status.reasonPhrase, detail: e.body ?? e.status.reasonPhrase)
            }
        default:
            context.logger.error("internal error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return Problem(.internalServerError, type: "internal", title: "Internal server error", detail: "the server failed on this request; it has been logged")
        }
    }
}
