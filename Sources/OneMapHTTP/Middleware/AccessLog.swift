import Foundation
import Hummingbird
import Synchronization

/// One structured line per request (time, method, path, status, bytes, ms), buffered
/// and written to stderr by a background thread every 100 ms.
///
/// Why not swift-log per request: its stream handler takes a lock and flushes a
/// write(2) per line, which halved cached-tile throughput. Lines keep the
/// `key=value` form of the other log lines; at most 100 ms of lines can be lost
/// if the process is killed.
final class AccessLog: Sendable {
    private let buffer = Mutex<[UInt8]>([])
    private let enabled: Bool
    private let fd: Int32

    init(enabled: Bool, fd: Int32 = 2) {
        self.enabled = enabled
        self.fd = fd
        guard enabled else { return }
        let t = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                flush()
            }
        }
        t.name = "onemap-access-log"
        t.start()
    }

    func flush() {
        let bytes = buffer.withLock { b -> [UInt8] in
            let out = b
            b.removeAll(keepingCapacity: true)
            return out
        }
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    func record(method: String, path: String, status: Int, bytes: Int?, since start: ContinuousClock.Instant, cacheHit: Bool = false) {
        guard enabled else { return }
        let d = ContinuousClock.now - start
        let micros = d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
        // Built as bytes: this runs for every request.
        var line: [UInt8] = []
        line.reserveCapacity(160 + min(path.utf8.count, 300))
        line.append(contentsOf: LogTime.now().utf8)
        line.append(contentsOf: " info onemap: request method=".utf8)
        line.append(contentsOf: method.utf8)
        line.append(contentsOf: " path=".utf8)
        // Control characters and spaces would forge or split log lines.
        for b in path.utf8.prefix(300) { line.append(b < 0x21 || b == 0x7F ? UInt8(ascii: "_") : b) }
        line.append(contentsOf: " status=".utf8)
        line.append(contentsOf: String(status).utf8)
        line.append(contentsOf: " bytes=".utf8)
        line.append(contentsOf: (bytes.map(String.init) ?? "-").utf8)
        line.append(contentsOf: " ms=".utf8)
        line.append(contentsOf: String(micros / 1000).utf8)
        let frac = String(micros % 1000)
        line.append(UInt8(ascii: "."))
        for _ in frac.utf8.count..<3 { line.append(UInt8(ascii: "0")) }
        line.append(contentsOf: frac.utf8)
        if cacheHit { line.append(contentsOf: " cache=hit".utf8) }
        line.append(UInt8(ascii: "\n"))
        buffer.withLock { $0.append(contentsOf: line) }
    }
}

/// ISO 8601 time for log lines, formatted once a second.
enum LogTime {
    private static let cache = Mutex<(second: Int, text: String)>((0, ""))

    static func now() -> String {
        let t = Date()
        let second = Int(t.timeIntervalSince1970)
        if let hit = cache.withLock({ $0.second == second ? $0.text : nil }) { return hit }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        let text = f.string(from: t)
        cache.withLock { $0 = (second, text) }
        return text
    }
}

/// Records every request the router answers in the access log.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: AccessLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log.record(method: request.method.rawValue, path: request.uri.description, status: response.status.code,
                       bytes: response.body.contentLength, since: start)
            return response
        } catch let e as HTTPResponseError {
            log.record(method: request.method.rawValue, path: request.uri.description, status: e.status.code, bytes: nil, since: start)
            throw e
        }
    }
}
