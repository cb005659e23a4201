import GeoCore

/// Recursive-descent parser for CQL2 Text (basic CQL2, advanced comparison,
/// spatial predicates). Grammar, loosest binding first:
///
///     or      = and { OR and }
///     and     = not { AND not }
///     not     = NOT not | primary
///     primary = "(" or ")" | S_xxx "(" geom "," geom ")" | operand tail
///     tail    = compOp operand | [NOT] LIKE string | [NOT] BETWEEN operand AND operand
///             | [NOT] IN "(" operand { "," operand } ")" | IS [NOT] NULL | (nothing, for TRUE/FALSE)
struct CQL2TextParser {
    private let tokens: [CQL2Token]
    private let limits: CQL2Limits
    private var i = 0

    private static let reserved: Set<String> = ["AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL"]
    private static let geometryWords: Set<String> = [
        "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION", "BBOX",
    ]

    init(_ text: String, limits: CQL2Limits) throws(CQL2Error) {
        tokens = try CQL2Lexer.tokenize(text)
        self.limits = limits
    }

    mutating func parse() throws(CQL2Error) -> CQL2Expression {
        if case .end = peek.kind { throw CQL2Error("the filter is empty", position: peek.position) }
        let e = try orExpression(depth: 1)
        if case .end = peek.kind { return e }
        throw failure("expected AND, OR or the end of the filter but found \(peek.described)")
    }

    // MARK: Token helpers

    private var peek: CQL2Token { tokens[i] }

    private mutating func advance() -> CQL2Token {
        let t = tokens[i]
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    private func word(at k: Int) -> String? {
        guard k < tokens.count, case .word(let w) = tokens[k].kind else { return nil }
        return w.uppercased()
    }

    private func isSymbol(_ s: String, at k: Int) -> Bool { k < tokens.count && tokens[k].kind == .symbol(s) }

    private mutating func accept(_ keyword: String) -> Bool {
        guard word(at: i) == keyword else { return false }
        i += 1
        return true
    }

    private mutating func expect(symbol s: String) throws(CQL2Error) {
        guard isSymbol(s, at: i) else { throw failure("expected '\(s)' but found \(peek.described)") }
        i += 1
    }

    private func failure(_ message: String, at token: CQL2Token? = nil) -> CQL2Error {
        CQL2Error(message, position: (token ?? peek).position)
    }

    private func enter(_ depth: Int) throws(CQL2Error) {
        if depth > limits.maxDepth { throw failure("the filter is nested more than \(limits.maxDepth) levels deep") }
    }

    // MARK: Predicates

    private mutating func orExpression(depth: Int) throws(CQL2Error) -> CQL2Expression {
        var terms = [try andExpression(depth: depth)]
        while accept("OR") { terms.append(try andExpression(depth: depth)) }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    private mutating func andExpression(depth: Int) throws(CQL2Error) -> CQL2Expression {
        var factors = [try notExpression(depth: depth)]
        while accept("AND") { factors.append(try notExpression(depth: depth)) }
        return factors.count == 1 ? factors[0] : .and(factors)
    }

    private mutating func notExpression(depth: Int) throws(CQL2Error) -> CQL2Expression {
        guard word(at: i) == "NOT" else { return try primary(depth: depth) }
        try enter(depth + 1)
        i += 1
        return .not(try notExpression(depth: depth + 1))
    }

    private mutating func primary(depth: Int) throws(CQL2Error) -> CQL2Expression {
        if isSymbol("(", at: i) {
            try enter(depth + 1)
            i += 1
            let e = try orExpression(depth: depth + 1)
            try expect(symbol: ")")
            return e
        }
        if let w = word(at: i), let op = CQL2SpatialOperator(rawValue: w.lowercased()) {
            i += 1
            try expect(symbol: "(")
            let a = try spatialOperand(depth: depth)
            try expect(symbol: ",")
            let b = try spatialOperand(depth: depth)
            try expect(symbol: ")")
            return .spatial(op, a, b)
        }
        if let w = word(at: i), w.hasPrefix("T_") || w.hasPrefix("A_"), isSymbol("(", at: i + 1) {
            throw failure("\(w) is not supported; this server implements basic CQL2, LIKE/BETWEEN/IN and spatial predicates (S_…)")
        }
        let start = peek
        let lhs = try operand(depth: depth)
        return try predicateTail(lhs, start: start, depth: depth)
    }

    private mutating func predicateTail(_ lhs: CQL2Expression, start: CQL2Token, depth: Int) throws(CQL2Error) -> CQL2Expression {
        if case .symbol(let s) = peek.kind, let op = CQL2ComparisonOperator(rawValue: s) {
            i += 1
            return .comparison(op, lhs, try operand(depth: depth))
        }
        let notToken = peek
        let negated = accept("NOT")
        func wrap(_ e: CQL2Expression) -> CQL2Expression { negated ? .not(e) : e }

        if accept("LIKE") {
            guard case .string(let pattern) = peek.kind else {
                throw failure("expected a 'quoted' pattern after LIKE but found \(peek.described)")
            }
            i += 1
            return wrap(.like(lhs, pattern: pattern))
        }
        if accept("BETWEEN") {
            let low = try operand(depth: depth)
            guard accept("AND") else { throw failure("expected AND in BETWEEN … AND … but found \(peek.described)") }
            let high = try operand(depth: depth)
            return wrap(.between(lhs, low: low, high: high))
        }
        if accept("IN") {
            try expect(symbol: "(")
            if isSymbol(")", at: i) { throw failure("an IN list needs at least one value") }
            var items = [try operand(depth: depth)]
            while isSymbol(",", at: i) {
                i += 1
                if items.count == limits.maxListItems {
                    throw failure("an IN list may hold at most \(limits.maxListItems) values")
                }
                items.append(try operand(depth: depth))
            }
            try expect(symbol: ")")
            return wrap(.inList(lhs, items))
        }
        if negated { throw failure("expected LIKE, BETWEEN or IN after NOT", at: notToken) }
        if accept("IS") {
            let not = accept("NOT")
            guard accept("NULL") else { throw failure("expected NULL after IS\(not ? " NOT" : "") but found \(peek.described)") }
            return not ? .not(.isNull(lhs)) : .isNull(lhs)
        }
        if case .boolean = lhs { return lhs }
        throw failure("expected a comparison (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL) after \(start.described) but found \(peek.described)")
    }

    // MARK: Operands

    private mutating func spatialOperand(depth: Int) throws(CQL2Error) -> CQL2Expression {
        if let w = word(at: i), Self.geometryWords.contains(w) { return .geometry(try geometry(depth: depth + 1)) }
        let start = peek
        let e = try operand(depth: depth)
        guard case .property = e else {
            throw failure("expected a property or a geometry (POINT, POLYGON, BBOX, …) but found \(start.described)", at: start)
        }
        return e
    }

    /// A property or a scalar literal.
    private mutating func operand(depth: Int) throws(CQL2Error) -> CQL2Expression {
        let t = advance()
        switch t.kind {
        case .string(let s): return .string(s)
        case .quoted(let name): return .property(name)
        case .number(let n):
            if let v = Int64(n) { return .integer(v) }
            if let v = Double(n), v.isFinite { return .real(v) }
            throw failure("the number \(n) is out of range", at: t)
        case .word(let w):
            let upper = w.uppercased()
            let call = isSymbol("(", at: i)
            switch upper {
            case "TRUE" where !call: return .boolean(true)
            case "FALSE" where !call: return .boolean(false)
            case "DATE" where call, "TIMESTAMP" where call:
                i += 1
                guard case .string(let s) = peek.kind else {
                    throw failure("expected a 'quoted' \(upper == "DATE" ? "date" : "timestamp") after \(upper)( but found \(peek.described)")
                }
                let literal = advance()
                if let problem = CQL2.temporalProblem(s, timestamp: upper == "TIMESTAMP") { throw failure(problem, at: literal) }
                try expect(symbol: ")")
                return upper == "DATE" ? .date(s) : .timestamp(s)
            case "NULL":
                throw failure("NULL is not a value in CQL2; test for a missing value with 'IS NULL'", at: t)
            case _ where Self.reserved.contains(upper):
                throw failure("expected a property or a literal but found the keyword \(upper); write \"\(w)\" for a property of that name", at: t)
            case _ where Self.geometryWords.contains(upper):
                throw failure("a geometry can only be an argument of a spatial predicate such as S_INTERSECTS", at: t)
            case _ where call:
                throw failure("function \(w)() is not supported", at: t)
            default:
                return .property(w)
            }
        case .symbol, .end:
            throw failure("expected a property or a literal but found \(t.described)", at: t)
        }
    }

    // MARK: Geometry (WKT)

    private mutating func geometry(depth: Int) throws(CQL2Error) -> CQL2Geometry {
        let start = peek
        let shape = try shape(depth: depth)
        do { return try shape.literal() } catch { throw failure(error.message, at: start) }
    }

    private mutating func shape(depth: Int) throws(CQL2Error) -> WKTShape {
        try enter(depth)
        let keyword = peek
        guard let w = word(at: i), Self.geometryWords.contains(w) else {
            throw failure("expected a geometry (POINT, LINESTRING, POLYGON, MULTI…, GEOMETRYCOLLECTION, BBOX) but found \(keyword.described)", at: keyword)
        }
        i += 1
        if w == "BBOX" {
            try expect(symbol: "(")
            var n = [try number()]
            while isSymbol(",", at: i), n.count < 6 { i += 1; n.append(try number()) }
            try expect(symbol: ")")
            guard n.count == 4 || n.count == 6 else { throw failure("BBOX needs 4 numbers (minx, miny, maxx, maxy) or 6 with heights", at: keyword) }
            let b = n.count == 4 ? BBox(minX: n[0], minY: n[1], maxX: n[2], maxY: n[3]) : BBox(minX: n[0], minY: n[1], maxX: n[3], maxY: n[4])
            if b.isEmpty { throw failure("BBOX minimum is greater than its maximum (boxes across the antimeridian are not supported)", at: keyword) }
            return .rectangle(b)
        }
        _ = accept("Z")
        if word(at: i) == "EMPTY" { throw failure("empty geometries are not supported") }
        switch w {
        case "POINT":
            try expect(symbol: "(")
            let p = try position()
            try expect(symbol: ")")
            return .point(p)
        case "LINESTRING": return .lineString(try positions())
        case "POLYGON": return .polygon(try list { (p: inout Self) throws(CQL2Error) in try p.positions() })
        case "MULTIPOINT":
            // Both MULTIPOINT((1 2),(3 4)) and MULTIPOINT(1 2,3 4).
            return .multiPoint(try list { (p: inout Self) throws(CQL2Error) in
                guard p.isSymbol("(", at: p.i) else { return try p.position() }
                p.i += 1
                let q = try p.position()
                try p.expect(symbol: ")")
                return q
            })
        case "MULTILINESTRING": return .multiLineString(try list { (p: inout Self) throws(CQL2Error) in try p.positions() })
        case "MULTIPOLYGON":
            return .multiPolygon(try list { (p: inout Self) throws(CQL2Error) in
                try p.list { (q: inout Self) throws(CQL2Error) in try q.positions() }
            })
        default: // GEOMETRYCOLLECTION
            return .collection(try list { (p: inout Self) throws(CQL2Error) in try p.shape(depth: depth + 1) })
        }
    }

    /// "(" item { "," item } ")"
    private mutating func list<T>(_ item: (inout Self) throws(CQL2Error) -> T) throws(CQL2Error) -> [T] {
        try expect(symbol: "(")
        var items = [try item(&self)]
        while isSymbol(",", at: i) {
            i += 1
            items.append(try item(&self))
        }
        try expect(symbol: ")")
        return items
    }

    private mutating func positions() throws(CQL2Error) -> [WKTShape.Position] {
        try list { (p: inout Self) throws(CQL2Error) in try p.position() }
    }

    /// x y [z]; z is dropped.
    private mutating func position() throws(CQL2Error) -> WKTShape.Position {
        let x = try number(), y = try number()
        if case .number = peek.kind { _ = try number() }
        return WKTShape.Position(x: x, y: y)
    }

    private mutating func number() throws(CQL2Error) -> Double {
        guard case .number(let n) = peek.kind, let v = Double(n), v.isFinite else {
            throw failure("expected a coordinate number but found \(peek.described)")
        }
        i += 1
        return v
    }
}
