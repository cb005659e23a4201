import CGEOS
import Synchronization

/// Errors raised by geometry operations. `message` is GEOS's own text where there is one.
public struct GeometryError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One GEOS reentrant context with its readers and writers.
///
/// A context is not thread-safe: it is used by one task at a time, handed out by
/// `GEOSContextPool.withContext`. It owns its handle and frees it in `deinit`.
public final class GEOSContext {
    let handle: GEOSContextHandle_t
    /// The last error GEOS reported through the message handler.
    fileprivate(set) var lastError: String?

    private let wkbReader: OpaquePointer
    private let wkbWriter: OpaquePointer
    private let wktReader: OpaquePointer
    private let wktWriter: OpaquePointer
    let geoJSONWriter: OpaquePointer

    init() {
        handle = GEOS_init_r()
        wkbReader = GEOSWKBReader_create_r(handle)
        wkbWriter = GEOSWKBWriter_create_r(handle)
        wktReader = GEOSWKTReader_create_r(handle)
        wktWriter = GEOSWKTWriter_create_r(handle)
        geoJSONWriter = GEOSGeoJSONWriter_create_r(handle)
        GEOSWKTWriter_setTrim_r(handle, wktWriter, 1)
        GEOSWKTWriter_setRoundingPrecision_r(handle, wktWriter, 15)
        GEOSWKBWriter_setByteOrder_r(handle, wkbWriter, Int32(GEOS_WKB_NDR.rawValue))
        let me = Unmanaged.passUnretained(self).toOpaque()
        GEOSContext_setErrorMessageHandler_r(handle, { message, userdata in
            guard let message, let userdata else { return }
            let ctx = Unmanaged<GEOSContext>.fromOpaque(userdata).takeUnretainedValue()
            ctx.lastError = String(cString: message)
        }, me)
    }

    deinit {
        GEOSWKBReader_destroy_r(handle, wkbReader)
        GEOSWKBWriter_destroy_r(handle, wkbWriter)
        GEOSWKTReader_destroy_r(handle, wktReader)
        GEOSWKTWriter_destroy_r(handle, wktWriter)
        GEOSGeoJSONWriter_destroy_r(handle, geoJSONWriter)
        GEOS_finish_r(handle)
    }

    /// Wraps a GEOS result pointer, turning NULL into a `GeometryError`.
    func wrap(_ ptr: OpaquePointer?, _ what: String) throws -> Geometry {
        guard let ptr else {
            let reason = lastError ?? "unknown GEOS error"
            lastError = nil
            throw GeometryError("\(what): \(reason)")
        }
        return Geometry(ptr, context: self)
    }

    // MARK: Readers and writers

    public func read(wkb: UnsafeRawBufferPointer) throws -> Geometry {
        guard let base = wkb.baseAddress, wkb.count > 0 else { throw GeometryError("empty WKB") }
        return try wrap(GEOSWKBReader_read_r(handle, wkbReader, base.assumingMemoryBound(to: UInt8.self), wkb.count), "invalid WKB")
    }

    public func read(wkb: [UInt8]) throws -> Geometry {
        try wkb.withUnsafeBytes { try read(wkb: $0) }
    }

    public func read(wkt: String) throws -> Geometry {
        try wrap(GEOSWKTReader_read_r(handle, wktReader, wkt), "invalid WKT")
    }

    public func wkb(_ g: Geometry) -> [UInt8] {
        var size = 0
        guard let bytes = GEOSWKBWriter_write_r(handle, wkbWriter, g.ptr, &size) else { return [] }
        defer { GEOSFree_r(handle, bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: size))
    }

    public func wkt(_ g: Geometry) -> String {
        guard let chars = GEOSWKTWriter_write_r(handle, wktWriter, g.ptr) else { return "" }
        defer { GEOSFree_r(handle, chars) }
        return String(cString: chars)
    }
}

/// A pool of GEOS contexts. `withContext` lends one context to one caller at a time,
/// so no context is ever used by two tasks at once; contexts are created on demand
/// and kept for reuse.
public final class GEOSContextPool: Sendable {
    public static let shared = GEOSContextPool()

    // Contexts are only touched by whoever borrowed them; the box makes that explicit.
    private final class Box: @unchecked Sendable { let ctx: GEOSContext; init(_ c: GEOSContext) { ctx = c } }
    private let idle = Mutex<[Box]>([])

    public init() {}

    /// Runs `body` with a context of its own. Geometries made in `body` belong to
    /// that context and must not outlive the call: return WKB, WKT or values instead.
    public func withContext<R>(_ body: (GEOSContext) throws -> R) rethrows -> R {
        let box = idle.withLock { $0.popLast() } ?? Box(GEOSContext())
        defer { idle.withLock { $0.append(box) } }
        return try body(box.ctx)
    }
}
