import Foundation
import GRDB
import GeoCore

/// A value bound to a `?` in generated SQL: filters never paste text into SQL.
public enum SQLValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case real(Double)
    case null

    var database: (any DatabaseValueConvertible)? {
        switch self {
        case .text(let s): s
        case .integer(let i): i
        case .real(let d): d
        case .null: nil
        }
    }
}

/// A WHERE fragment with its arguments.
public struct SQLCondition: Sendable {
    public var sql: String
    public var arguments: [SQLValue]
    public init(sql: String, arguments: [SQLValue]) {
        self.sql = sql
        self.arguments = arguments
    }
}

/// What to read from a layer: OGC API Features items, and later the spatial queries.
public struct FeatureQuery: Sendable {
    /// Features whose geometry intersects this rectangle (EPSG:4490 degrees).
    public var bbox: BBox?
    /// Only this feature.
    public var fid: Int64?
    /// Property equality filters (`?name=…`), compared as the field's type.
    public var propertyEquals: [(name: String, value: String)] = []
    /// A CQL2 filter, compiled by the store into parameterised SQL.
    public var filter: CQL2Expression?
    /// Further SQL conditions (internal use).
    var conditions: [SQLCondition] = []
    /// Features valid at some time in [from, to] (ISO 8601; nil: open end).
    public var validDuring: (from: String?, to: String?)?
    public var sortBy: [(property: String, ascending: Bool)] = []
    public var limit = 10
    public var offset = 0

    public init() {}
}

/// One feature read for an API answer. Borrowed buffers are valid inside the visit only.
public struct FeatureItem {
    public let fid: Int64
    public let wkb: UnsafeRawBufferPointer
    /// The properties object as JSON text.
    public let properties: String
    public let updated: String?
}

extension SpatiaLiteReader {
    /// The SQL WHERE of a query over `layer`'s table `t`, with its arguments.
    func whereClause(_ layer: LayerInfo, _ q: FeatureQuery) throws -> (String, [(any DatabaseValueConvertible)?]) {
        var parts: [String] = []
        var args: [(any DatabaseValueConvertible)?] = []
        var bbox = q.bbox
        if let filter = q.filter {
            try filter.checkGeometries()
            let keys = layer.fields.map(\.name)
            let c = try CQL2.compile(filter, queryables: ["geometry", "fid"] + keys, table: "t",
                                     properties: { ColumnRef.layerTable($0, propertyKeys: Set(keys)) })
            parts.append(c.sql)
            args += c.arguments.map(\.database)
            // A spatial literal in a conjunction bounds the answer: let the R*Tree prefilter.
            if let fb = c.bbox {
                if let b = bbox {
                    bbox = BBox(minX: max(b.minX, fb.minX), minY: max(b.minY, fb.minY), maxX: min(b.maxX, fb.maxX), maxY: min(b.maxY, fb.maxY))
                } else {
                    parts.append(#"t.fid IN (SELECT pkid FROM "idx_\#(layer.table)_geom" WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)"#)
                    args += [fb.maxX, fb.minX, fb.maxY, fb.minY]
                }
            }
        }
        if let fid = q.fid {
            parts.append("t.fid = ?")
            args.append(fid)
        }
        if let b = bbox {
            if b.isEmpty { return ("WHERE 0", []) }
            // R*Tree first (cheap; float32 boxes rounded outwards). A feature whose box
            // lies inside the query box intersects it for sure; only the ones crossing
            // its edge need the exact (costly) test.
            parts.append(#"t.fid IN (SELECT pkid FROM "idx_\#(layer.table)_geom" WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)"#)
            args += [b.maxX, b.minX, b.maxY, b.minY]
            parts.append("((MbrMinX(t.geom) >= ? AND MbrMaxX(t.geom) <= ? AND MbrMinY(t.geom) >= ? AND MbrMaxY(t.geom) <= ?) OR ST_Intersects(t.geom, BuildMbr(?, ?, ?, ?, 4490)) = 1)")
            args += [b.minX, b.maxX, b.minY, b.maxY, b.minX, b.minY, b.maxX, b.maxY]
        }
        for (name, value) in q.propertyEquals {
            let type = layer.fields.first { $0.name == name }?.type ?? "string"
            parts.append("json_extract(t.properties, ?) = ?")
            args.append(try Self.jsonPath(name))
            switch type {
            case "integer":
                guard let i = Int64(value) else { throw StoreError("property \(name) is an integer; \"\(value.prefix(40))\" is not") }
                args.append(i)
            case "number":
                guard let d = Double(value) else { throw StoreError("property \(name) is a number; \"\(value.prefix(40))\" is not") }
                args.append(d)
            case "boolean":
                guard value == "true" || value == "false" else { throw StoreError("property \(name) is true or false") }
                args.append(value == "true" ? 1 : 0)
            default:
                args.append(value)
            }
        }
        if let during = q.validDuring {
            if let from = during.from {
                parts.append("(t.valid_to IS NULL OR t.valid_to >= ?)")
                args.append(from)
            }
            if let to = during.to {
                parts.append("(t.valid_from IS NULL OR t.valid_from <= ?)")
                args.append(to)
            }
        }
        for c in q.conditions {
            parts.append("(\(c.sql))")
            args += c.arguments.map(\.database)
        }
        return (parts.isEmpty ? "" : "WHERE " + parts.joined(separator: " AND "), args)
    }

    /// A JSON path for SQLite's json_extract naming one top-level key, quoted so
    /// Chinese, spaces and dots are safe; bound as a parameter, never pasted. SQLite
    /// 3.40 cannot address keys holding `"` or `\\` at all, so those are refused.
    static func jsonPath(_ key: String) throws -> String {
        guard !key.contains("\""), !key.contains("\\"), !key.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw StoreError("property \"\(key.prefix(64))\" cannot be queried: its name holds a quote, backslash or control character")
        }
        return "$.\"" + key + "\""
    }

    func items(of layer: LayerInfo, _ q: FeatureQuery, _ visit: (FeatureItem) throws -> Void) throws {
        let (whereSQL, args) = try whereClause(layer, q)
        var order = q.sortBy.map { key -> String in
            let column = ["fid", "name", "code", "updated"].contains(key.property) ? "t.\(key.property)" : "json_extract(t.properties, ?)"
            return "\(column) \(key.ascending ? "ASC" : "DESC")"
        }
        order.append("t.fid ASC")  // stable paging
        var arguments = args
        for key in q.sortBy where !["fid", "name", "code", "updated"].contains(key.property) {
            arguments.append(try Self.jsonPath(key.property))
        }
        arguments += [q.limit, q.offset]
        let sql = #"SELECT t.fid, AsBinary(t.geom), t.properties, t.updated FROM "\#(layer.table)" AS t \#(whereSQL) ORDER BY \#(order.joined(separator: ", ")) LIMIT ? OFFSET ?"#
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments))
        while let row = try rows.next() {
            try row.withUnsafeData(atIndex: 1) { data in
                guard let data else { return }
                try data.withUnsafeBytes { wkb in
                    try visit(FeatureItem(fid: row[0], wkb: wkb, properties: row[2] ?? "{}", updated: row[3]))
                }
            }
        }
    }

    func count(of layer: LayerInfo, _ q: FeatureQuery) throws -> Int {
        let (whereSQL, args) = try whereClause(layer, q)
        if whereSQL.isEmpty { return try Int.fetchOne(db, sql: #"SELECT count(*) FROM "\#(layer.table)""#) ?? 0 }
        return try Int.fetchOne(db.cachedStatement(sql: #"SELECT count(*) FROM "\#(layer.table)" AS t \#(whereSQL)"#),
                                arguments: StatementArguments(args)) ?? 0
    }
}
