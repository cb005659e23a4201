import Foundation
import GeoCore

/// One input feature before validation.
public struct RawFeature {
    public var index: Int
    public var geometry: JSONValue?
    public var properties: [(String, JSONValue)]
    public var id: JSONValue?
}

/// What a source yields for each input record: a feature, or a reason it is unreadable.
public enum SourceItem {
    case feature(RawFeature)
    case unreadable(index: Int, reason: String)
}

public enum InputFormat: String, Sendable, CaseIterable {
    case geojson, geojsonseq, csv
    /// Any other format, converted by GDAL's ogr2ogr when it is installed.
    case ogr

    public static func guess(path: String) -> InputFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".geojson") || lower.hasSuffix(".json") { return .geojson }
        if lower.hasSuffix(".geojsonl") || lower.hasSuffix(".geojsons") || lower.hasSuffix(".geojsonseq")
            || lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") { return .geojsonseq }
        if lower.hasSuffix(".csv") { return .csv }
        return .ogr
    }
}

/// Streams features out of a file. Errors that make the whole file unusable
/// (malformed JSON text, no header) are thrown; per-record problems are yielded.
public protocol FeatureSource {
    /// The CRS the file declares, if any (GeoJSON's legacy `crs` member).
    var declaredCRS: CRS? { get }
    mutating func next() throws -> SourceItem?
}

// MARK: GeoJSON

/// A GeoJSON FeatureCollection, Feature or bare geometry, parsed whole.
public struct GeoJSONSource: FeatureSource {
    private var features: [JSONValue]
    private var i = 0
    public private(set) var declaredCRS: CRS?

    public init(path: String) throws {
        let bytes = try readFile(path)
        let root: JSONValue
        do { root = try JSONValue.parse(bytes) } catch let e as JSONParseError {
            throw StoreError("malformed GeoJSON in \(path): \(e.description)")
        }
        guard case .object = root, let type = root["type"]?.stringValue else {
            throw StoreError("not GeoJSON: the top level must be an object with a \"type\"")
        }
        switch type {
        case "FeatureCollection":
            guard let fs = root["features"]?.arrayValue else { throw StoreError("FeatureCollection without a \"features\" array") }
            features = fs
        case "Feature":
            features = [root]
        case "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection":
            features = [.object([("type", .string("Feature")), ("geometry", root), ("properties", .null)])]
        default:
            throw StoreError("not GeoJSON: unknown type \"\(type)\"")
        }
        if let name = root["crs"]?["properties"]?["name"]?.stringValue {
            guard let crs = CRS(parsing: name) else { throw StoreError("unknown CRS \"\(name)\" in the file's crs member") }
            declaredCRS = crs
        }
    }

    public mutating func next() throws -> SourceItem? {
        guard i < features.count else { return nil }
        defer { i += 1 }
        return featureItem(features[i], index: i)
    }
}

func featureItem(_ f: JSONValue, index: Int) -> SourceItem {
    guard case .object = f, f["type"]?.stringValue == "Feature" else {
        return .unreadable(index: index, reason: "not a GeoJSON Feature")
    }
    var props: [(String, JSONValue)] = []
    switch f["properties"] {
    case .object(let pairs)?: props = pairs
    case .null?, nil: break
    default: return .unreadable(index: index, reason: "\"properties\" must be an object or null")
    }
    return .feature(RawFeature(index: index, geometry: f["geometry"], properties: props, id: f["id"]))
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw StoreError("cannot read \(path)")
    }
    return [UInt8](data)
}

// MARK: GeoJSON text sequences

/// GeoJSON text sequences (RFC 8142, RS-prefixed) and newline-delimited GeoJSON,
/// read line by line so files of any size stream.
public struct GeoJSONSeqSource: FeatureSource {
    private var lines: LineReader
    private var index = 0
    public let declaredCRS: CRS? = nil

    public init(path: String) throws {
        lines = try LineReader(path: path)
    }

    public mutating func next() throws -> SourceItem? {
        while let line = try lines.next() {
            var bytes = line[...]
            while let f = bytes.first, f == 0x1E || f == 0x20 || f == 0x09 || f == 0x0D { bytes = bytes.dropFirst() }
            while let l = bytes.last, l == 0x20 || l == 0x09 || l == 0x0D { bytes = bytes.dropLast() }
            if bytes.isEmpty { continue }
            defer { index += 1 }
            let value: JSONValue
            do { value = try JSONValue.parse(Array(bytes)) } catch let e as JSONParseError {
                return .unreadable(index: index, reason: "malformed JSON: \(e.description)")
            }
            if value["type"]?.stringValue == "FeatureCollection" {
                throw StoreError("a FeatureCollection inside a GeoJSON sequence: import it as --format geojson")
            }
            return featureItem(value, index: index)
        }
        return nil
    }
}

/// Reads a file line by line in large chunks.
struct LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false

    init(path: String) throws {
        guard let h = FileHandle(forReadingAtPath: path) else { throw StoreError("cannot read \(path)") }
        handle = h
    }

    mutating func next() throws -> [UInt8]? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<nl])
                start = nl + 1
                return line
            }
            if eof {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { eof = true; continue }
            buffer.removeSubrange(0..<start)
            start = 0
            buffer.append(contentsOf: chunk)
        }
    }
}

// MARK: CSV

/// CSV (RFC 4180) with longitude and latitude columns; other columns become properties
/// (integers and numbers where the text is one, empty cells null).
public struct CSVSource: FeatureSource {
    private var lines: LineReader
    private let header: [String]
    private let lonColumn: Int, latColumn: Int
    private var index = 0
    public let declaredCRS: CRS? = nil

    public init(path: String, lonField: String?, latField: String?) throws {
        lines = try LineReader(path: path)
        guard var first = try lines.next() else { throw StoreError("empty CSV file") }
        if first.starts(with: [0xEF, 0xBB, 0xBF]) { first.removeFirst(3) }  // UTF-8 BOM
        let header = CSVSource.split(String(decoding: first, as: UTF8.self)).map { $0.trimmingCharacters(in: .whitespaces) }
        self.header = header
        func find(_ given: String?, _ guesses: [String]) throws -> Int {
            if let given {
                guard let i = header.firstIndex(of: given) else { throw StoreError("CSV has no column \"\(given)\" (columns: \(header.joined(separator: ", ")))") }
                return i
            }
            guard let i = header.firstIndex(where: { guesses.contains($0.lowercased()) }) else {
                throw StoreError("CSV needs longitude/latitude columns (\(guesses.joined(separator: "/"))); name them with --lon-field/--lat-field")
            }
            return i
        }
        lonColumn = try find(lonField, ["lon", "lng", "long", "longitude", "x", "经度"])
        latColumn = try find(latField, ["lat", "latitude", "y", "纬度"])
    }

    public mutating func next() throws -> SourceItem? {
        while var line = try lines.next() {
            if line.last == 0x0D { line.removeLast() }
            if line.isEmpty { continue }
            var text = String(decoding: line, as: UTF8.self)
            // A quoted field may span lines.
            while text.filter({ $0 == "\"" }).count % 2 == 1, let more = try lines.next() {
                text += "\n" + String(decoding: more, as: UTF8.self)
            }
            defer { index += 1 }
            let cells = CSVSource.split(text)
            guard cells.count == header.count else {
                return .unreadable(index: index, reason: "row has \(cells.count) cells, the header \(header.count)")
            }
            guard let lon = Double(cells[lonColumn].trimmingCharacters(in: .whitespaces)),
                  let lat = Double(cells[latColumn].trimmingCharacters(in: .whitespaces)) else {
                return .unreadable(index: index, reason: "longitude/latitude are not numbers")
            }
            var props: [(String, JSONValue)] = []
            for (k, name) in header.enumerated() where k != lonColumn && k != latColumn {
                props.append((name, CSVSource.value(cells[k])))
            }
            let geometry = JSONValue.object([("type", .string("Point")), ("coordinates", .array([.double(lon), .double(lat)]))])
            return .feature(RawFeature(index: index, geometry: geometry, properties: props, id: nil))
        }
        return nil
    }

    static func value(_ cell: String) -> JSONValue {
        let t = cell.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return .null }
        // Leading zeros are codes (邮编, adcodes), not numbers.
        if !(t.count > 1 && t.hasPrefix("0") && !t.hasPrefix("0.")), let i = Int64(t) { return .int(i) }
        if let d = Double(t), d.isFinite, t.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .double(d) }
        return .string(cell)
    }

    static func split(_ line: String) -> [String] {
        var cells: [String] = []
        var cur = ""
        var quoted = false
        var it = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { cur.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { cur.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                cells.append(cur); cur = ""
            } else {
                cur.append(c)
            }
        }
        cells.append(cur)
        return cells
    }
}
