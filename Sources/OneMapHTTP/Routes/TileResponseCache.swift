import Hummingbird
import Synchronization

/// Made tiles kept as ready-to-send buffers (identity and gzip), so a cached tile
/// costs no copy and no compression. Keys carry the layers' data versions, so a
/// change of data is never served stale. Evicts oldest first past `maxBytes`.
final class TileResponseCache: Sendable {
    struct Entry: Sendable {
        let identity: ByteBuffer
        let gzip: ByteBuffer
        let etag: String
        var bytes: Int { identity.readableBytes + gzip.readableBytes }
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
            if s.entries.updateValue(entry, forKey: key) == nil {
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
