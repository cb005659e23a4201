import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Serves cached tiles straight from the NIO event loop.
///
/// Why: a cached tile is a dictionary lookup and a buffer write, yet the async
/// router costs a task, middleware frames, HTTP type conversions and header
/// building per request — about 3× nginx's time for the same bytes. This handler
/// sits right after the HTTP/1 decoder and answers a GET or HEAD for a tile already
/// of public layers in the cache with the headers prepared with it (ETag/304, gzip and CORS as the
/// router does, one access-log line). Everything else — misses, bad input, other
/// paths, non-keep-alive requests — goes on to the router untouched. While the
/// router has a request in flight on the connection nothing is answered here, so
/// pipelined responses stay in order.
final class CachedTileFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private struct Answer {
        let head: HTTPResponseHead
        let body: ByteBuffer?
        let method: String
        let uri: String
        let start: ContinuousClock.Instant
    }

    private enum State { case idle, forwarding, answering(Answer) }

    private let endpoint: TileEndpoint
    private let accessLog: AccessLog
    private var state = State.idle
    /// Requests handed to the router whose response has not ended yet.
    private var inFlight = 0

    init(endpoint: TileEndpoint, accessLog: AccessLog) {
        self.endpoint = endpoint
        self.accessLog = accessLog
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if inFlight == 0, let answer = answer(head) {
                state = .answering(answer)
            } else {
                inFlight += 1
                state = .forwarding
                context.fireChannelRead(data)
            }
        case .body:
            if case .forwarding = state { context.fireChannelRead(data) }
        case .end:
            switch state {
            case .forwarding:
                context.fireChannelRead(data)
            case .answering(let a):
                context.write(wrapOutboundOut(.head(a.head)), promise: nil)
                if let body = a.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                accessLog.record(method: a.method, path: a.uri, status: Int(a.head.status.code),
                                 bytes: a.body?.readableBytes ?? 0, since: a.start, cacheHit: true)
            case .idle:
                break
            }
            state = .idle
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), inFlight > 0 { inFlight -= 1 }
        context.write(data, promise: promise)
    }

    private func answer(_ request: HTTPRequestHead) -> Answer? {
        guard request.method == .GET || request.method == .HEAD, request.isKeepAlive,
              // Callers with a key go to the router, which knows their clearance.
              !request.headers.contains(name: "Authorization"), !request.headers.contains(name: "X-API-Key"),
              let (layers, z, x, y) = Self.tilePath(request.uri),
              let entry = endpoint.cachedEntry(layers: layers, z: z, x: x, y: y) else { return nil }
        let (rep, notModified) = entry.choose(ifNoneMatch: request.headers.first(name: "If-None-Match"),
                                              acceptEncoding: request.headers.first(name: "Accept-Encoding"))
        var headers = rep.headers
        headers.add(name: "Date", value: HTTPDate.now())
        if request.headers.contains(name: "Origin") { headers.add(name: "Access-Control-Allow-Origin", value: "*") }
        if notModified {
            headers.remove(name: "Content-Length")
            headers.remove(name: "Content-Encoding")
        }
        let status: HTTPResponseStatus = notModified ? .notModified : .ok
        let body = notModified || request.method == .HEAD ? nil : rep.body
        return Answer(head: HTTPResponseHead(version: request.version, status: status, headers: headers),
                      body: body, method: request.method.rawValue, uri: request.uri, start: .now)
    }

    /// "/tiles/{layers}/{z}/{x}/{y}.mvt" split into its parts; nil for anything else
    /// (including percent-encoded or query-carrying paths, which the router handles).
    static func tilePath(_ path: String) -> (Substring, Substring, Substring, Substring)? {
        let utf8 = path.utf8
        guard path.hasPrefix("/tiles/"), path.hasSuffix(".mvt"),
              !utf8.contains(UInt8(ascii: "%")), !utf8.contains(UInt8(ascii: "?")) else { return nil }
        let parts = path.dropFirst(7).dropLast(4).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        return (parts[0], parts[1], parts[2], parts[3])
    }
}

@available(*, unavailable)
extension CachedTileFastPath: Sendable {}

/// Hummingbird's HTTP/1 child channel with the cached-tile fast path put in
/// right after the HTTP/1 decoder (before Hummingbird's HTTP type conversion),
/// and before it the responder that explains requests the parser rejects.
struct TileFastPathHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    let makeFastPath: @Sendable () -> CachedTileFastPath

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let ops = channel.pipeline.syncOperations
            let decoder = try ops.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try ops.addHandler(makeFastPath(), position: .after(decoder.handler))
            try ops.addHandler(ParseErrorResponder(), position: .after(decoder.handler))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// The HTTP Date header value, formatted once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((0, ""))

    static func now() -> String {
        let t = Date()
        let second = Int(t.timeIntervalSince1970)
        if let hit = cache.withLock({ $0.second == second ? $0.text : nil }) { return hit }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let text = f.string(from: t)
        cache.withLock { $0 = (second, text) }
        return text
    }
}
