import Hummingbird
import NIOHTTP1
import Synchronization

/// Made tiles kept as ready-to-send responses (identity and gzip), so a cached
/// tile costs no copy, no compression and no header building. Keys carry the
/// layers' data versions, so a change of data is never served stale. Evicts
/// oldest first past `maxBytes`.
final class TileResponseCache: Sendable {
    /// One encoding of a tile: its bytes, strong validator and response headers,
    /// made once for the router (HTTPFields) and the event-loop fast path (HTTPHeaders).
    struct Representation: Sendable {
        let body: ByteBuffer
        let etag: String
        let fields: HTTPFields
        let headers: HTTPHeaders

        init(body: ByteBuffer, etag: String, gzip: Bool) {
            self.body = body
            self.etag = etag
            var f: HTTPFields = [
                .contentType: TileEndpoint.contentType,
                .cacheControl: "public, max-age=60, stale-while-revalidate=600",
                .vary: "Accept-Encoding",
                .eTag: etag,
            ]
            if gzip { f[.contentEncoding] = "gzip" }
            fields = f
            var h = HTTPHeaders(f.map { ($0.name.rawName, $0.value) })
            h.add(name: "Content-Length", value: String(body.readableBytes))
            h.add(name: "Server", value: "OneMap")
            headers = h
        }
    }

    struct Entry: Sendable {
        let identity: Representation
        /// nil for an empty tile (nothing to compress).
        let gzip: Representation?
        var bytes: Int { identity.body.readableBytes + (gzip?.body.readableBytes ?? 0) }

        init(mvt: [UInt8], gzipped: [UInt8], etag: String) {
            identity = Representation(body: ByteBuffer(bytes: mvt), etag: etag, gzip: false)
            // Each representation has its own strong ETag (RFC 9110 §8.8.3).
            gzip = gzipped.isEmpty ? nil : Representation(body: ByteBuffer(bytes: gzipped), etag: String(etag.dropLast()) + "-gz\"", gzip: true)
        }

        /// The representation to send and whether the client's copy is current.
        func choose(ifNoneMatch: String?, acceptEncoding: String?) -> (Representation, notModified: Bool) {
            let rep = gzip.flatMap { TileEndpoint.acceptsGzip(acceptEncoding) ? $0 : nil } ?? identity
            guard let inm = ifNoneMatch else { return (rep, false) }
            // Either validator names the current content, so either revalidates.
            let match = inm == "*" || inm.split(separator: ",").contains { raw in
                var t = raw[...]
                while t.first == " " { t = t.dropFirst() }
                while t.last == " " { t = t.dropLast() }
                return t == identity.etag || (gzip.map { t == $0.etag } ?? false)
            }
            return (rep, match)
        }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var order: [String] = []
        var head = 0
        var bytes = 0
    }

    let maxBytes: Int
    private let state = Mutex(State())

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    func get(_ key: String) -> Entry? { state.withLock { $0.entries[key] } }

    func put(_ key: String, _ entry: Entry) {
        guard entry.bytes <= maxBytes / 8 else { return }
        state.withLock { s in
            if let old = s.entries.updateValue(entry, forKey: key) {
                s.bytes -= old.bytes
            } else {
                s.order.append(key)
            }
            s.bytes += entry.bytes
            while s.bytes > maxBytes, s.head < s.order.count {
                let old = s.order[s.head]
                s.head += 1
                if let e = s.entries.removeValue(forKey: old) { s.bytes -= e.bytes }
            }
            if s.head > 4096 && s.head * 2 > s.order.count {
                s.order.removeFirst(s.head)
                s.head = 0
            }
        }
    }
}
