/// Mapbox Vector Tile 2.1 encoding (https://github.com/mapbox/vector-tile-spec/tree/master/2.1).

/// A property value as MVT stores it.
public enum MVTValue: Hashable, Sendable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// MVT geometry types.
public enum MVTGeometryType: UInt64, Sendable {
    case point = 1, lineString = 2, polygon = 3
}

/// A geometry already in tile coordinates, as MVT command integers.
public struct MVTGeometry: Sendable, Equatable {
    public let type: MVTGeometryType
    public let commands: [UInt32]
    public init(type: MVTGeometryType, commands: [UInt32]) {
        self.type = type
        self.commands = commands
    }
}

/// Writes one MVT layer: features with keys and values de-duplicated per layer.
public struct MVTLayerEncoder {
    public let name: String
    public let extent: UInt32
    private var keys: [String] = []
    private var keyIndex: [String: UInt32] = [:]
    private var values: [MVTValue] = []
    private var valueIndex: [MVTValue: UInt32] = [:]
    private var features = ProtobufWriter()
    public private(set) var featureCount = 0

    public init(name: String, extent: UInt32 = 4096) {
        self.name = name
        self.extent = extent
    }

    public var isEmpty: Bool { featureCount == 0 }

    public mutating func addFeature(id: UInt64?, geometry: MVTGeometry, properties: [(String, MVTValue)]) {
        var tags: [UInt32] = []
        tags.reserveCapacity(properties.count * 2)
        for (k, v) in properties {
            if case .double(let d) = v, d.isNaN { continue }  // NaN never equals itself: unindexable
            tags.append(index(key: k))
            tags.append(index(value: v))
        }
        var f = ProtobufWriter()
        if let id { f.field(1, varint: id) }
        if !tags.isEmpty { f.field(2, packed: tags) }
        f.field(3, varint: geometry.type.rawValue)
        f.field(4, packed: geometry.commands)
        features.field(2, bytes: f.bytes)
        featureCount += 1
    }

    private mutating func index(key: String) -> UInt32 {
        if let i = keyIndex[key] { return i }
        let i = UInt32(keys.count)
        keys.append(key)
        keyIndex[key] = i
        return i
    }

    private mutating func index(value: MVTValue) -> UInt32 {
        if let i = valueIndex[value] { return i }
        let i = UInt32(values.count)
        values.append(value)
        valueIndex[value] = i
        return i
    }

    /// The Layer message.
    public func encoded() -> [UInt8] {
        var w = ProtobufWriter()
        w.field(15, varint: 2)  // version
        w.field(1, string: name)
        w.append(raw: features.bytes)
        for k in keys { w.field(3, string: k) }
        for v in values {
            var vw = ProtobufWriter()
            switch v {
            case .string(let s): vw.field(1, string: s)
            case .double(let d): vw.field(3, double: d)
            case .int(let i):
                if i >= 0 { vw.field(5, varint: UInt64(i)) } else { vw.field(6, varint: zigzag64(i)) }
            case .bool(let b): vw.field(7, varint: b ? 1 : 0)
            }
            w.field(4, bytes: vw.bytes)
        }
        w.field(5, varint: UInt64(extent))
        return w.bytes
    }
}

/// A tile: its layers in order. Empty layers are left out; a tile with no features
/// is a zero-length message, which the spec allows.
public struct MVTTileEncoder {
    private var out = ProtobufWriter()
    public init() {}

    public mutating func add(_ layer: MVTLayerEncoder) {
        guard !layer.isEmpty else { return }
        out.field(3, bytes: layer.encoded())
    }

    public var bytes: [UInt8] { out.bytes }
}

@inline(__always) func zigzag64(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
@inline(__always) func zigzag32(_ v: Int32) -> UInt32 { UInt32(bitPattern: (v << 1) ^ (v >> 31)) }

/// Minimal protobuf writer for the few wire types MVT needs.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wire: UInt64) { varint(UInt64(field) << 3 | wire) }
    mutating func field(_ f: Int, varint v: UInt64) { tag(f, 0); varint(v) }
    mutating func field(_ f: Int, double d: Double) {
        tag(f, 1)
        var bits = d.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
    }
    mutating func field(_ f: Int, bytes b: [UInt8]) { tag(f, 2); varint(UInt64(b.count)); bytes.append(contentsOf: b) }
    mutating func field(_ f: Int, string s: String) { field(f, bytes: Array(s.utf8)) }
    mutating func field(_ f: Int, packed values: [UInt32]) {
        var inner = ProtobufWriter()
        for v in values { inner.varint(UInt64(v)) }
        field(f, bytes: inner.bytes)
    }
    mutating func append(raw: [UInt8]) { bytes.append(contentsOf: raw) }
}
