import GeoCore

/// Reads CQL2 JSON (OGC 21-065r2 §8, cql2.json schema) into the same AST as CQL2 Text.
/// Operator names are matched case-insensitively; errors name the place as a path
/// such as `$.args[1].args[0]`.
struct CQL2JSONReader {
    let limits: CQL2Limits

    private func fail(_ message: String, _ path: String) -> CQL2Error { CQL2Error("\(message) at \(path)") }

    /// A boolean expression: `{"op": …, "args": […]}` or `true`/`false`.
    func predicate(_ v: JSONValue, _ path: String, depth: Int) throws(CQL2Error) -> CQL2Expression {
        if depth > limits.maxDepth { throw fail("the filter is nested more than \(limits.maxDepth) levels deep", path) }
        if case .bool(let b) = v { return .boolean(b) }
        guard case .object = v, let opValue = v["op"] else {
            throw fail("expected a predicate (an object with \"op\" and \"args\", or true/false) but found \(describe(v))", path)
        }
        guard let op = opValue.stringValue?.lowercased() else { throw fail("\"op\" must be a string", path + ".op") }
        guard let args = v["args"]?.arrayValue else { throw fail("'\(op)' needs an \"args\" array", path) }
        let apath = path + ".args"
        func arity(_ n: Int) throws(CQL2Error) {
            if args.count != n { throw fail("'\(op)' takes \(n) argument\(n == 1 ? "" : "s"), not \(args.count)", apath) }
        }
        func scalarArg(_ k: Int) throws(CQL2Error) -> CQL2Expression { try scalar(args[k], "\(apath)[\(k)]") }

        switch op {
        case "and", "or":
            guard args.count >= 2 else { throw fail("'\(op)' takes at least 2 arguments, not \(args.count)", apath) }
            var items: [CQL2Expression] = []
            for (k, a) in args.enumerated() { items.append(try predicate(a, "\(apath)[\(k)]", depth: depth + 1)) }
            return op == "and" ? .and(items) : .or(items)
        case "not":
            try arity(1)
            return .not(try predicate(args[0], apath + "[0]", depth: depth + 1))
        case "like":
            try arity(2)
            guard let pattern = args[1].stringValue else {
                throw fail("the pattern of 'like' must be a string (CASEI/ACCENTI are not supported)", apath + "[1]")
            }
            return .like(try scalarArg(0), pattern: pattern)
        case "between":
            try arity(3)
            return .between(try scalarArg(0), low: try scalarArg(1), high: try scalarArg(2))
        case "in":
            try arity(2)
            guard let list = args[1].arrayValue else { throw fail("the second argument of 'in' must be an array of values", apath + "[1]") }
            guard !list.isEmpty else { throw fail("an IN list needs at least one value", apath + "[1]") }
            guard list.count <= limits.maxListItems else {
                throw fail("an IN list may hold at most \(limits.maxListItems) values", apath + "[1]")
            }
            var items: [CQL2Expression] = []
            for (k, item) in list.enumerated() { items.append(try scalar(item, "\(apath)[1][\(k)]")) }
            return .inList(try scalarArg(0), items)
        case "isnull":
            try arity(1)
            return .isNull(try scalarArg(0))
        default:
            if let c = CQL2ComparisonOperator(rawValue: op) {
                try arity(2)
                return .comparison(c, try scalarArg(0), try scalarArg(1))
            }
            if let s = CQL2SpatialOperator(rawValue: op) {
                try arity(2)
                return .spatial(s, try geometryOperand(args[0], apath + "[0]"), try geometryOperand(args[1], apath + "[1]"))
            }
            if op.hasPrefix("t_") || op.hasPrefix("a_") || op == "casei" || op == "accenti" {
                throw fail("'\(op)' is not supported; this server implements basic CQL2, like/between/in and spatial predicates (s_…)", path + ".op")
            }
            throw fail("unknown operator '\(op)'", path + ".op")
        }
    }

    /// A property or a scalar literal.
    func scalar(_ v: JSONValue, _ path: String) throws(CQL2Error) -> CQL2Expression {
        switch v {
        case .string(let s): return .string(s)
        case .int(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .bool(let b): return .boolean(b)
        case .null: throw fail("null is not a value in CQL2; test for a missing value with {\"op\":\"isNull\",…}", path)
        case .array: throw fail("an array is only allowed as the list of 'in'", path)
        case .object:
            if let p = v["property"] { return try property(p, path) }
            if let d = v["date"] { return try temporal(d, timestamp: false, path + ".date") }
            if let t = v["timestamp"] { return try temporal(t, timestamp: true, path + ".timestamp") }
            if v["type"] != nil || v["bbox"] != nil {
                throw fail("a geometry can only be an argument of a spatial operator such as s_intersects", path)
            }
            if let op = v["op"]?.stringValue { throw fail("'\(op)' is not supported as a value (no functions or arithmetic)", path) }
            if v["interval"] != nil { throw fail("intervals are not supported", path) }
            throw fail("expected a value, {\"property\": …}, {\"date\": …} or {\"timestamp\": …}", path)
        }
    }

    private func property(_ v: JSONValue, _ path: String) throws(CQL2Error) -> CQL2Expression {
        guard let name = v.stringValue, !name.isEmpty else { throw fail("\"property\" must be a non-empty string", path + ".property") }
        return .property(name)
    }

    private func temporal(_ v: JSONValue, timestamp: Bool, _ path: String) throws(CQL2Error) -> CQL2Expression {
        guard let s = v.stringValue else { throw fail("expected a string", path) }
        if let problem = CQL2.temporalProblem(s, timestamp: timestamp) { throw fail(problem, path) }
        return timestamp ? .timestamp(s) : .date(s)
    }

    /// A property, a GeoJSON geometry or `{"bbox": [minx, miny, maxx, maxy]}`.
    private func geometryOperand(_ v: JSONValue, _ path: String) throws(CQL2Error) -> CQL2Expression {
        if let p = v["property"] { return try property(p, path) }
        if let b = v["bbox"] {
            let n = (b.arrayValue ?? []).compactMap(\.doubleValue)
            guard n.count == b.arrayValue?.count, n.count == 4 || n.count == 6 else {
                throw fail("\"bbox\" must be an array of 4 numbers (minx, miny, maxx, maxy) or 6 with heights", path + ".bbox")
            }
            let box = n.count == 4 ? BBox(minX: n[0], minY: n[1], maxX: n[2], maxY: n[3]) : BBox(minX: n[0], minY: n[1], maxX: n[3], maxY: n[4])
            if box.isEmpty { throw fail("bbox minimum is greater than its maximum (boxes across the antimeridian are not supported)", path + ".bbox") }
            do { return .geometry(try WKTShape.rectangle(box).literal()) } catch { throw fail(error.message, path) }
        }
        if v["type"] != nil { return .geometry(try CQL2Geometry(geoJSON: v, path: path, maxDepth: limits.maxDepth)) }
        throw fail("expected {\"property\": …}, a GeoJSON geometry or {\"bbox\": […]} but found \(describe(v))", path)
    }

    private func describe(_ v: JSONValue) -> String {
        switch v {
        case .object: "an object"
        case .array: "an array"
        case .null: "null"
        default: "the \(v.typeName) \(CQL2Token.shorten(v.text))"
        }
    }
}
