import GeoCore

/// Where a CQL2 property lives in the layer table.
public enum ColumnRef: Sendable, Equatable {
    /// A real column, compared as stored (`"name"`).
    case column(String)
    /// A SpatiaLite geometry column; only spatial predicates and IS NULL accept it.
    case geometry(String)
    /// A key of a JSON-object text column: `json_extract("properties", ?)`, the path
    /// `$."key"` bound as a parameter. json_extract returns typed values (numbers as
    /// INTEGER/REAL, strings as TEXT, true/false as 1/0), so comparisons are typed.
    case json(key: String, column: String = "properties")

    /// The usual mapping for a OneMap layer table: `geometry`/`geom` → the `geom`
    /// column, `fid`/`name`/`code`/`updated`/`valid_from`/`valid_to` → their columns,
    /// any of `propertyKeys` → a key of `properties`, anything else unknown.
    public static func layerTable(_ property: String, propertyKeys: Set<String>) -> ColumnRef? {
        // The layer's own properties win over same-named bookkeeping columns.
        if property == "geometry" || property == "geom" { return .geometry("geom") }
        if propertyKeys.contains(property) { return .json(key: property) }
        switch property {
        case "fid", "name", "code", "updated", "valid_from", "valid_to": return .column(property)
        default: return nil
        }
    }
}

extension CQL2 {
    /// Compiles a filter to one SQLite/SpatiaLite boolean expression (parenthesised,
    /// safe to AND with other conditions). Every literal, and every JSON path, is a
    /// `?` parameter; column names are quoted identifiers.
    ///
    /// - `properties` maps a CQL2 property name to its column; nil means unknown, and
    ///   the error lists `queryables`. `table` qualifies columns (`"t"."name"`).
    /// - LIKE compiles to `GLOB` (case-sensitive, as CQL2 requires; SQLite's LIKE is
    ///   not) with `%`→`*`, `_`→`?`, `\x`→literal x and GLOB's `*?[` bracketed.
    /// - Geometry literals become `GeomFromText(?, srid)`; predicates `ST_Xxx(a, b) = 1`.
    /// - Comparisons with a DATE compare `date(…)` of both sides; with a TIMESTAMP,
    ///   `strftime('%Y-%m-%dT%H:%M:%f', …)` (UTC, milliseconds) of both sides.
    /// - `bbox`: when the filter is a spatial predicate (not S_DISJOINT) between a
    ///   `.geometry` column and a literal, or an AND containing such predicates, the
    ///   literal's bbox (intersected if several) for an R*Tree prefilter. It can be
    ///   empty (`isEmpty`) when the boxes do not meet: then no row matches.
    public static func compile(
        _ expr: CQL2Expression, queryables: [String] = [], table: String? = nil, srid: Int = 4490,
        properties: (String) -> ColumnRef?
    ) throws(CQL2Error) -> (sql: String, arguments: [SQLValue], bbox: BBox?) {
        var names: [String] = []
        try collectProperties(expr, into: &names, depth: 1)
        var columns: [String: ColumnRef] = [:]
        for name in names where columns[name] == nil {
            guard let column = properties(name) else {
                let list = queryables.prefix(50).joined(separator: ", ") + (queryables.count > 50 ? ", …" : "")
                throw CQL2Error("unknown property '\(name)'" + (queryables.isEmpty ? "" : "; queryables: \(list)"))
            }
            if case .json(let key, _) = column, key.contains(where: { $0 == "\"" || $0 == "\\" || $0.asciiValue.map { $0 < 0x20 } == true }) {
                throw CQL2Error("property '\(name)' cannot be queried: its name contains a quote, backslash or control character")
            }
            columns[name] = column
        }
        var compiler = CQL2SQLCompiler(columns: columns, table: table, srid: srid)
        let sql = try compiler.predicate(expr)
        return (sql, compiler.arguments, compiler.prefilter(expr))
    }

    private static let maxCompileDepth = 256

    private static func collectProperties(_ e: CQL2Expression, into names: inout [String], depth: Int) throws(CQL2Error) {
        if depth > maxCompileDepth { throw CQL2Error("the filter is nested more than \(maxCompileDepth) levels deep") }
        func each(_ es: [CQL2Expression]) throws(CQL2Error) {
            for x in es { try collectProperties(x, into: &names, depth: depth + 1) }
        }
        switch e {
        case .property(let p): names.append(p)
        case .and(let xs), .or(let xs): try each(xs)
        case .not(let x), .isNull(let x), .like(let x, _): try each([x])
        case .comparison(_, let a, let b), .spatial(_, let a, let b): try each([a, b])
        case .between(let a, let lo, let hi): try each([a, lo, hi])
        case .inList(let a, let xs): try each([a] + xs)
        case .string, .integer, .real, .boolean, .date, .timestamp, .geometry: break
        }
    }
}

struct CQL2SQLCompiler {
    let columns: [String: ColumnRef]
    let table: String?
    let srid: Int
    private(set) var arguments: [SQLValue] = []

    init(columns: [String: ColumnRef], table: String?, srid: Int) {
        self.columns = columns
        self.table = table
        self.srid = srid
    }

    /// A column name, quoted and qualified by the table when there is one.
    private func column(_ name: String) -> String {
        (table.map { Self.quote($0) + "." } ?? "") + Self.quote(name)
    }

    private mutating func bind(_ v: SQLValue) -> String {
        arguments.append(v)
        return "?"
    }

    private enum Temporal {
        case date, timestamp
        func wrap(_ sql: String) -> String {
            switch self {
            case .date: "date(\(sql))"
            case .timestamp: "strftime('%Y-%m-%dT%H:%M:%f', \(sql))"
            }
        }
    }

    /// DATE or TIMESTAMP when one of the compared operands is such a literal.
    private func temporal(_ operands: [CQL2Expression]) -> Temporal? {
        var kind: Temporal?
        for o in operands {
            if case .timestamp = o { return .timestamp }
            if case .date = o { kind = .date }
        }
        return kind
    }

    mutating func predicate(_ e: CQL2Expression) throws(CQL2Error) -> String {
        switch e {
        case .and(let xs), .or(let xs):
            guard !xs.isEmpty else { throw CQL2Error("AND/OR needs at least one argument") }
            var parts: [String] = []
            for x in xs { parts.append(try predicate(x)) }
            if case .and = e { return "(" + parts.joined(separator: " AND ") + ")" }
            return "(" + parts.joined(separator: " OR ") + ")"
        case .not(let x):
            return "NOT (\(try predicate(x)))"
        case .comparison(let op, let a, let b):
            let t = temporal([a, b])
            let lhs = try scalar(a, t)
            return "\(lhs) \(op.rawValue) \(try scalar(b, t))"
        case .like(let a, let pattern):
            let lhs = try scalar(a, nil)
            return "\(lhs) GLOB \(bind(.text(Self.glob(pattern))))"
        case .between(let a, let low, let high):
            let t = temporal([a, low, high])
            let v = try scalar(a, t), lo = try scalar(low, t)
            return "(\(v) BETWEEN \(lo) AND \(try scalar(high, t)))"
        case .inList(let a, let xs):
            let t = temporal([a] + xs)
            let v = try scalar(a, t)
            var items: [String] = []
            for x in xs { items.append(try scalar(x, t)) }
            return "\(v) IN (" + items.joined(separator: ", ") + ")"
        case .isNull(let a):
            if case .property(let name) = a, case .geometry(let column)? = columns[name] {
                return "\(self.column(column)) IS NULL"
            }
            return "\(try scalar(a, nil)) IS NULL"
        case .spatial(let op, let a, let b):
            let g1 = try geometry(a)
            return "\(op.sqlFunction)(\(g1), \(try geometry(b))) = 1"
        case .boolean(let b):
            return bind(.integer(b ? 1 : 0))
        case .property, .string, .integer, .real, .date, .timestamp, .geometry:
            throw CQL2Error("expected a predicate but found a value")
        }
    }

    private mutating func scalar(_ e: CQL2Expression, _ t: Temporal?) throws(CQL2Error) -> String {
        let sql: String
        switch e {
        case .property(let name):
            switch columns[name] {
            case .column(let c)?: sql = column(c)
            case .json(let key, let c)?: sql = "json_extract(\(column(c)), \(bind(.text("$.\"\(key)\""))))"
            case .geometry?: throw CQL2Error("property '\(name)' is a geometry; use it in a spatial predicate such as S_INTERSECTS")
            case nil: throw CQL2Error("unknown property '\(name)'")
            }
        case .string(let s), .date(let s), .timestamp(let s): sql = bind(.text(s))
        case .integer(let i): sql = bind(.integer(i))
        case .real(let d): sql = bind(.real(d))
        case .boolean(let b): sql = bind(.integer(b ? 1 : 0))
        case .geometry: throw CQL2Error("a geometry can only be an argument of a spatial predicate")
        default: throw CQL2Error("expected a value but found a predicate")
        }
        return t?.wrap(sql) ?? sql
    }

    private mutating func geometry(_ e: CQL2Expression) throws(CQL2Error) -> String {
        switch e {
        case .geometry(let g): return "GeomFromText(\(bind(.text(g.wkt))), \(srid))"
        case .property(let name):
            guard case .geometry(let c)? = columns[name] else {
                throw CQL2Error("property '\(name)' is not a geometry; spatial predicates need a geometry property such as 'geometry'")
            }
            return column(c)
        default:
            throw CQL2Error("spatial predicates take a geometry property or a geometry literal")
        }
    }

    /// The R*Tree prefilter box (see `CQL2.compile`).
    func prefilter(_ e: CQL2Expression) -> BBox? {
        switch e {
        case .and(let xs):
            return xs.compactMap(prefilter).reduce(nil) { acc, b in
                guard let a = acc else { return b }
                return BBox(minX: max(a.minX, b.minX), minY: max(a.minY, b.minY), maxX: min(a.maxX, b.maxX), maxY: min(a.maxY, b.maxY))
            }
        case .spatial(let op, let a, let b) where op.impliesBBoxIntersection:
            func isGeometryColumn(_ x: CQL2Expression) -> Bool {
                if case .property(let name) = x, case .geometry? = columns[name] { return true }
                return false
            }
            if isGeometryColumn(a), case .geometry(let g) = b { return g.bbox }
            if isGeometryColumn(b), case .geometry(let g) = a { return g.bbox }
            return nil
        default:
            return nil
        }
    }

    /// `"name"` with inner quotes doubled: safe for any column name.
    static func quote(_ identifier: String) -> String {
        var out = "\""
        for ch in identifier {
            out.append(ch)
            if ch == "\"" { out.append(ch) }
        }
        return out + "\""
    }

    /// A CQL2 LIKE pattern as a GLOB pattern.
    static func glob(_ pattern: String) -> String {
        var out = ""
        var escaped = false
        for ch in pattern {
            if escaped {
                out += literal(ch)
                escaped = false
                continue
            }
            switch ch {
            case "\\": escaped = true
            case "%": out += "*"
            case "_": out += "?"
            default: out += literal(ch)
            }
        }
        if escaped { out += "\\" }
        return out
    }

    private static func literal(_ ch: Character) -> String {
        switch ch {
        case "*": "[*]"
        case "?": "[?]"
        case "[": "[[]"
        default: String(ch)
        }
    }
}
