import GeoCore
import NIOCore
import NIOHTTP1

/// A request NIO's HTTP/1 parser rejects (most often a URL with raw, unencoded
/// UTF-8 such as `/search?q=天河` typed into curl) gets an RFC 9457 problem saying
/// what to change, instead of NIO's bare 400. Sits right after the decoder, so it
/// sees the parse error before NIO's own protocol error handler; the connection is
/// closed afterwards, as the parser cannot find the next request.
final class ParseErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let detail = "the request is not valid HTTP/1.1 (\(parse)); percent-encode characters outside ASCII in the URL, e.g. q=%E5%A4%A9%E6%B2%B3 for q=天河"
        var body = context.channel.allocator.buffer(capacity: 256)
        body.writeString(#"{"type":"about:blank","title":"Bad request","status":400,"detail":"#)
        body.writeString(JSONValue.string(detail).text)
        body.writeString("}")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/problem+json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension ParseErrorResponder: Sendable {}
