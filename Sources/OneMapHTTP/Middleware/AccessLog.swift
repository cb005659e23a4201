import Hummingbird
import Logging

/// One structured log line per request: method, path, status, bytes, duration.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: response.status.code, bytes: response.body.contentLength, start: start)
            return response
        } catch let e as HTTPResponseError {
            log(request, status: e.status.code, bytes: nil, start: start)
            throw e
        }
    }

    private func log(_ request: Request, status: Int, bytes: Int?, start: ContinuousClock.Instant) {
        let ms = Double((ContinuousClock.now - start).components.attoseconds) / 1e15
            + Double((ContinuousClock.now - start).components.seconds) * 1000
        logger.info("request", metadata: [
            "method": "\(request.method)",
            "path": "\(String(request.uri.description.prefix(300)))",
            "status": "\(status)",
            "bytes": "\(bytes.map(String.init) ?? "-")",
            "ms": "\(String(format: "%.2f", ms))",
        ])
    }
}
