import GeoCore

/// A parsed OGC CQL2 filter (OGC 21-065r2): the one AST that both CQL2 Text and
/// CQL2 JSON parse into, and that `CQL2.compile` turns into SQLite SQL.
///
/// Negated forms have no cases of their own: `a NOT LIKE p` is `.not(.like(…))`,
/// `a IS NOT NULL` is `.not(.isNull(…))`, as in CQL2 JSON.
public indirect enum CQL2Expression: Sendable, Equatable {
    // Predicates (boolean-valued).
    case and([CQL2Expression])
    case or([CQL2Expression])
    case not(CQL2Expression)
    case comparison(CQL2ComparisonOperator, CQL2Expression, CQL2Expression)
    /// CQL2 pattern: `%` any run, `_` one character, `\` escapes the next character.
    case like(CQL2Expression, pattern: String)
    case between(CQL2Expression, low: CQL2Expression, high: CQL2Expression)
    case inList(CQL2Expression, [CQL2Expression])
    case isNull(CQL2Expression)
    case spatial(CQL2SpatialOperator, CQL2Expression, CQL2Expression)

    // Operands. `.boolean` is also a predicate on its own (`TRUE`).
    case property(String)
    case string(String)
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    /// `YYYY-MM-DD`.
    case date(String)
    /// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
    case timestamp(String)
    case geometry(CQL2Geometry)
}

public enum CQL2ComparisonOperator: String, Sendable, CaseIterable {
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

public enum CQL2SpatialOperator: String, Sendable, CaseIterable {
    case intersects = "s_intersects", within = "s_within", contains = "s_contains", disjoint = "s_disjoint"
    case equals = "s_equals", touches = "s_touches", crosses = "s_crosses", overlaps = "s_overlaps"

    /// The SpatiaLite function.
    var sqlFunction: String {
        switch self {
        case .intersects: "ST_Intersects"
        case .within: "ST_Within"
        case .contains: "ST_Contains"
        case .disjoint: "ST_Disjoint"
        case .equals: "ST_Equals"
        case .touches: "ST_Touches"
        case .crosses: "ST_Crosses"
        case .overlaps: "ST_Overlaps"
        }
    }

    /// True when the predicate holding implies that the two bounding boxes meet,
    /// so an R*Tree prefilter on the literal's bbox loses no rows.
    var impliesBBoxIntersection: Bool { self != .disjoint }
}

/// A geometry literal, kept as 2D WKT (Z values are dropped) with its bounding box.
/// The WKT is written by this module from parsed coordinates, so the same shape
/// from CQL2 Text and from GeoJSON gives the same text.
public struct CQL2Geometry: Sendable, Hashable {
    public let wkt: String
    public let bbox: BBox
}

/// A filter the caller must fix. `position` is the 1-based character column in
/// CQL2 Text; JSON errors name the place as a path (`$.args[1]`) in the message.
public struct CQL2Error: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let position: Int?

    public init(_ message: String, position: Int? = nil) {
        self.message = message
        self.position = position
    }

    public var description: String { position.map { "\(message) at position \($0)" } ?? message }
}

/// Bounds that keep hostile input from exhausting the stack or the CPU.
public struct CQL2Limits: Sendable {
    /// Characters of filter text (CQL2 Text or CQL2 JSON text).
    public var maxLength = 10_000
    /// Nesting of predicates (parentheses, NOT, AND/OR objects) and of geometry collections.
    public var maxDepth = 64
    /// Items of an IN list.
    public var maxListItems = 1_000
    public init() {}
}

/// Entry points: `CQL2.parse(…)` and `CQL2.compile(…)` (in CQL2SQLCompiler.swift).
public enum CQL2 {
    /// The `filter-lang` values of OGC API - Features Part 3.
    public enum Language: String, Sendable, CaseIterable {
        case text = "cql2-text"
        case json = "cql2-json"
    }

    public static func parse(_ filter: String, language: Language = .text, limits: CQL2Limits = CQL2Limits()) throws(CQL2Error) -> CQL2Expression {
        switch language {
        case .text: try parseText(filter, limits: limits)
        case .json: try parseJSON(filter, limits: limits)
        }
    }

    public static func parseText(_ text: String, limits: CQL2Limits = CQL2Limits()) throws(CQL2Error) -> CQL2Expression {
        try checkLength(text, limits)
        var parser = try CQL2TextParser(text, limits: limits)
        return try parser.parse()
    }

    public static func parseJSON(_ text: String, limits: CQL2Limits = CQL2Limits()) throws(CQL2Error) -> CQL2Expression {
        try checkLength(text, limits)
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch let e as JSONParseError {
            throw CQL2Error("the filter is not valid JSON: \(e.message) at byte \(e.offset + 1)")
        } catch {
            throw CQL2Error("the filter is not valid JSON")
        }
        return try parseJSON(json, limits: limits)
    }

    public static func parseJSON(_ json: JSONValue, limits: CQL2Limits = CQL2Limits()) throws(CQL2Error) -> CQL2Expression {
        try CQL2JSONReader(limits: limits).predicate(json, "$", depth: 1)
    }

    static func checkLength(_ text: String, _ limits: CQL2Limits) throws(CQL2Error) {
        // The UTF-8 test first so a huge input is refused without walking its characters.
        if text.utf8.count > limits.maxLength * 4 || text.count > limits.maxLength {
            throw CQL2Error("the filter is longer than \(limits.maxLength) characters")
        }
    }

    /// Checks a DATE or TIMESTAMP literal; returns a reason when it is malformed.
    static func temporalProblem(_ s: String, timestamp: Bool) -> String? {
        let c = Array(s.utf8)
        func digits(_ r: Range<Int>) -> Bool { r.upperBound <= c.count && c[r].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        func at(_ i: Int, _ ch: Character) -> Bool { i < c.count && c[i] == ch.asciiValue! }
        func number(_ r: Range<Int>) -> Int { c[r].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let example = timestamp ? "2024-05-01T08:30:00Z" : "2024-05-01"
        let bad = "'\(s)' is not a valid \(timestamp ? "TIMESTAMP" : "DATE"); write it like '\(example)'"
        guard digits(0..<4), at(4, "-"), digits(5..<7), at(7, "-"), digits(8..<10),
              (1...12).contains(number(5..<7)), (1...31).contains(number(8..<10)) else { return bad }
        if !timestamp { return c.count == 10 ? nil : bad }
        guard at(10, "T"), digits(11..<13), at(13, ":"), digits(14..<16), at(16, ":"), digits(17..<19),
              number(11..<13) < 24, number(14..<16) < 60, number(17..<19) < 61 else { return bad }
        var i = 19
        if at(i, ".") {
            i += 1
            let start = i
            while digits(i..<(i + 1)) { i += 1 }
            if i == start { return bad }
        }
        if at(i, "Z") { i += 1 }
        else if at(i, "+") || at(i, "-") {
            guard digits((i + 1)..<(i + 3)), at(i + 3, ":"), digits((i + 4)..<(i + 6)) else { return bad }
            i += 6
        } else {
            return "'\(s)' has no time zone; end it with 'Z' (UTC) or an offset such as '+08:00'"
        }
        return i == c.count ? nil : bad
    }
}
