import Foundation
import GeoCore
import Testing
@testable import OneMapStore

/// CQL2 Text and JSON parse to one AST; the compiler yields parameterised SQL whose
/// semantics are checked against a real SQLite (and SpatiaLite when it loads).
@Suite struct CQL2Tests {
    typealias E = CQL2Expression

    static func prop(_ n: String) -> E { .property(n) }

    static func wkt(_ e: E) -> String? {
        if case .spatial(_, _, .geometry(let g)) = e { return g.wkt }
        return nil
    }

    // MARK: Text and JSON give the same AST

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let json: String
        let ast: E
        var testDescription: String { text }
    }

    static let cases: [Case] = [
        Case(text: "name = '广州塔'", json: #"{"op":"=","args":[{"property":"name"},"广州塔"]}"#,
             ast: .comparison(.equal, prop("name"), .string("广州塔"))),
        Case(text: "pop <> 5", json: #"{"op":"<>","args":[{"property":"pop"},5]}"#,
             ast: .comparison(.notEqual, prop("pop"), .integer(5))),
        Case(text: "pop < 5.5", json: #"{"op":"<","args":[{"property":"pop"},5.5]}"#,
             ast: .comparison(.less, prop("pop"), .real(5.5))),
        Case(text: "pop <= -3", json: #"{"op":"<=","args":[{"property":"pop"},-3]}"#,
             ast: .comparison(.lessOrEqual, prop("pop"), .integer(-3))),
        Case(text: "pop > 1e3", json: #"{"op":">","args":[{"property":"pop"},1e3]}"#,
             ast: .comparison(.greater, prop("pop"), .real(1000))),
        Case(text: "5 >= pop", json: #"{"op":">=","args":[5,{"property":"pop"}]}"#,
             ast: .comparison(.greaterOrEqual, .integer(5), prop("pop"))),
        Case(text: "名称 = 'x'", json: #"{"op":"=","args":[{"property":"名称"},"x"]}"#,
             ast: .comparison(.equal, prop("名称"), .string("x"))),
        Case(text: #""my prop" = 'it''s'"#, json: #"{"op":"=","args":[{"property":"my prop"},"it's"]}"#,
             ast: .comparison(.equal, prop("my prop"), .string("it's"))),
        Case(text: "a = b", json: #"{"op":"=","args":[{"property":"a"},{"property":"b"}]}"#,
             ast: .comparison(.equal, prop("a"), prop("b"))),
        Case(text: "a = 1 OR b = 2 AND NOT c = 3",
             json: #"{"op":"or","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"and","args":[{"op":"=","args":[{"property":"b"},2]},{"op":"not","args":[{"op":"=","args":[{"property":"c"},3]}]}]}]}"#,
             ast: .or([.comparison(.equal, prop("a"), .integer(1)),
                       .and([.comparison(.equal, prop("b"), .integer(2)), .not(.comparison(.equal, prop("c"), .integer(3)))])])),
        Case(text: "(a = 1 OR b = 2) AND c = 3",
             json: #"{"op":"and","args":[{"op":"or","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"=","args":[{"property":"b"},2]}]},{"op":"=","args":[{"property":"c"},3]}]}"#,
             ast: .and([.or([.comparison(.equal, prop("a"), .integer(1)), .comparison(.equal, prop("b"), .integer(2))]),
                        .comparison(.equal, prop("c"), .integer(3))])),
        Case(text: "a = 1 AND b = 2 AND c = 3",
             json: #"{"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"=","args":[{"property":"b"},2]},{"op":"=","args":[{"property":"c"},3]}]}"#,
             ast: .and([.comparison(.equal, prop("a"), .integer(1)), .comparison(.equal, prop("b"), .integer(2)),
                        .comparison(.equal, prop("c"), .integer(3))])),
        Case(text: "kind IS NULL", json: #"{"op":"isNull","args":[{"property":"kind"}]}"#, ast: .isNull(prop("kind"))),
        Case(text: "kind IS NOT NULL", json: #"{"op":"not","args":[{"op":"isNull","args":[{"property":"kind"}]}]}"#,
             ast: .not(.isNull(prop("kind")))),
        Case(text: "open = TRUE", json: #"{"op":"=","args":[{"property":"open"},true]}"#,
             ast: .comparison(.equal, prop("open"), .boolean(true))),
        Case(text: "FALSE", json: "false", ast: .boolean(false)),
        Case(text: "d = DATE('2024-01-01')", json: #"{"op":"=","args":[{"property":"d"},{"date":"2024-01-01"}]}"#,
             ast: .comparison(.equal, prop("d"), .date("2024-01-01"))),
        Case(text: "t > TIMESTAMP('2024-01-01T08:00:00.5Z')",
             json: #"{"op":">","args":[{"property":"t"},{"timestamp":"2024-01-01T08:00:00.5Z"}]}"#,
             ast: .comparison(.greater, prop("t"), .timestamp("2024-01-01T08:00:00.5Z"))),
        Case(text: "name LIKE '广州%'", json: #"{"op":"like","args":[{"property":"name"},"广州%"]}"#,
             ast: .like(prop("name"), pattern: "广州%")),
        Case(text: "name NOT LIKE 'a\\%'", json: #"{"op":"not","args":[{"op":"like","args":[{"property":"name"},"a\\%"]}]}"#,
             ast: .not(.like(prop("name"), pattern: "a\\%"))),
        Case(text: "pop BETWEEN 1 AND 10.5", json: #"{"op":"between","args":[{"property":"pop"},1,10.5]}"#,
             ast: .between(prop("pop"), low: .integer(1), high: .real(10.5))),
        Case(text: "pop NOT BETWEEN 1 AND 10", json: #"{"op":"not","args":[{"op":"between","args":[{"property":"pop"},1,10]}]}"#,
             ast: .not(.between(prop("pop"), low: .integer(1), high: .integer(10)))),
        Case(text: "code IN ('A', 'B', 3)", json: #"{"op":"in","args":[{"property":"code"},["A","B",3]]}"#,
             ast: .inList(prop("code"), [.string("A"), .string("B"), .integer(3)])),
        Case(text: "code NOT IN ('A')", json: #"{"op":"not","args":[{"op":"in","args":[{"property":"code"},["A"]]}]}"#,
             ast: .not(.inList(prop("code"), [.string("A")]))),
        Case(text: "pop between 1 and 2 and name like 'x' or not kind is null",
             json: #"{"op":"or","args":[{"op":"and","args":[{"op":"between","args":[{"property":"pop"},1,2]},{"op":"like","args":[{"property":"name"},"x"]}]},{"op":"not","args":[{"op":"isNull","args":[{"property":"kind"}]}]}]}"#,
             ast: .or([.and([.between(prop("pop"), low: .integer(1), high: .integer(2)), .like(prop("name"), pattern: "x")]),
                       .not(.isNull(prop("kind")))])),
    ]

    @Test(arguments: cases)
    func textAndJSONGiveTheSameAST(_ c: Case) throws {
        #expect(try CQL2.parseText(c.text) == c.ast)
        #expect(try CQL2.parseJSON(c.json) == c.ast)
        #expect(try CQL2.parse(c.json, language: .json) == c.ast)
    }

    struct SpatialCase: Sendable, CustomTestStringConvertible {
        let text: String
        let json: String
        let wkt: String
        var testDescription: String { text }
    }

    static let spatialCases: [SpatialCase] = [
        SpatialCase(text: "S_INTERSECTS(geometry, POINT(113.32 23.11))",
                    json: #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[113.32,23.11]}]}"#,
                    wkt: "POINT(113.32 23.11)"),
        SpatialCase(text: "s_intersects(geometry, point z (1 2 3))",
                    json: #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[1,2,3]}]}"#,
                    wkt: "POINT(1 2)"),
        SpatialCase(text: "S_WITHIN(geometry, LINESTRING(0 0, 1 1.5))",
                    json: #"{"op":"s_within","args":[{"property":"geometry"},{"type":"LineString","coordinates":[[0,0],[1,1.5]]}]}"#,
                    wkt: "LINESTRING(0 0,1 1.5)"),
        SpatialCase(text: "S_CONTAINS(geometry, POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (1 1, 2 1, 2 2, 1 1)))",
                    json: #"{"op":"s_contains","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}]}"#,
                    wkt: "POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))"),
        SpatialCase(text: "S_DISJOINT(geometry, MULTIPOINT((1 2), (3 4)))",
                    json: #"{"op":"s_disjoint","args":[{"property":"geometry"},{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}]}"#,
                    wkt: "MULTIPOINT((1 2),(3 4))"),
        SpatialCase(text: "S_EQUALS(geometry, MULTIPOINT(1 2, 3 4))",
                    json: #"{"op":"s_equals","args":[{"property":"geometry"},{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}]}"#,
                    wkt: "MULTIPOINT((1 2),(3 4))"),
        SpatialCase(text: "S_TOUCHES(geometry, MULTILINESTRING((0 0, 1 1), (2 2, 3 3)))",
                    json: #"{"op":"s_touches","args":[{"property":"geometry"},{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}]}"#,
                    wkt: "MULTILINESTRING((0 0,1 1),(2 2,3 3))"),
        SpatialCase(text: "S_OVERLAPS(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))))",
                    json: #"{"op":"s_overlaps","args":[{"property":"geometry"},{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}]}"#,
                    wkt: "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))"),
        SpatialCase(text: "S_CROSSES(geometry, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1)))",
                    json: #"{"op":"s_crosses","args":[{"property":"geometry"},{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[[0,0],[1,1]]}]}]}"#,
                    wkt: "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))"),
        SpatialCase(text: "S_INTERSECTS(geometry, BBOX(113.2, 23.0, 113.3, 23.2))",
                    json: #"{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[113.2,23.0,113.3,23.2]}]}"#,
                    wkt: "POLYGON((113.2 23,113.3 23,113.3 23.2,113.2 23.2,113.2 23))"),
        SpatialCase(text: "S_INTERSECTS(geom, BBOX(1, 2, 0, 3, 4, 9))",
                    json: #"{"op":"s_intersects","args":[{"property":"geom"},{"bbox":[1,2,0,3,4,9]}]}"#,
                    wkt: "POLYGON((1 2,3 2,3 4,1 4,1 2))"),
    ]

    @Test(arguments: spatialCases)
    func spatialLiteralsGiveTheSameWKT(_ c: SpatialCase) throws {
        let t = try CQL2.parseText(c.text)
        #expect(Self.wkt(t) == c.wkt)
        #expect(try CQL2.parseJSON(c.json) == t)
    }

    @Test func geometryLiteralsKeepTheirBBox() throws {
        guard case .spatial(.intersects, .property("geometry"), .geometry(let g)) =
            try CQL2.parseText("S_INTERSECTS(geometry, LINESTRING(3 -1, -2 4.5))") else { Issue.record("not a spatial AST"); return }
        #expect(g.bbox == BBox(minX: -2, minY: -1, maxX: 3, maxY: 4.5))
        let fromJSON = try CQL2Geometry(geoJSON: JSONValue.parse(#"{"type":"Point","coordinates":[1e-7,2]}"#))
        #expect(fromJSON.wkt == "POINT(1e-07 2)")
    }

    @Test func keywordsAreCaseInsensitive() throws {
        let upper = try CQL2.parseText("A IS NOT NULL AND B NOT LIKE 'x' OR C NOT IN (1) AND D NOT BETWEEN 1 AND 2")
        let lower = try CQL2.parseText("A is not null and B not like 'x' or C not in (1) and D not between 1 and 2")
        #expect(upper == lower)
        #expect(try CQL2.parseText("x = true") == CQL2.parseText("x = TRUE"))
        #expect(try CQL2.parseText("d = date('2024-02-29')") == .comparison(.equal, Self.prop("d"), .date("2024-02-29")))
        #expect(try CQL2.parseJSON(#"{"op":"ISNULL","args":[{"property":"a"}]}"#) == .isNull(Self.prop("a")))
    }

    @Test func quotedNamesMayBeKeywordsOrHoldAnything() throws {
        #expect(try CQL2.parseText(#""and" = 1"#) == .comparison(.equal, Self.prop("and"), .integer(1)))
        #expect(try CQL2.parseText(#""a""b" = 1"#) == .comparison(.equal, Self.prop(#"a"b"#), .integer(1)))
        #expect(try CQL2.parseText("ns:名称.en_1 = 1") == .comparison(.equal, Self.prop("ns:名称.en_1"), .integer(1)))
        #expect(try CQL2.parseText("date = 1") == .comparison(.equal, Self.prop("date"), .integer(1)))
    }

    // MARK: Errors

    static func textError(_ s: String) -> CQL2Error? {
        do { _ = try CQL2.parseText(s); return nil } catch { return error }
    }

    static func jsonError(_ s: String) -> CQL2Error? {
        do { _ = try CQL2.parseJSON(s); return nil } catch { return error }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let text: String
        let position: Int
        let message: String
        var testDescription: String { text }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(text: "name = 'x' AND (pop > 5", position: 24, message: "expected ')' but found the end of the filter"),
        ErrorCase(text: "name = 'x' AND (pop > 5 name", position: 25, message: "expected ')' but found 'name'"),
        ErrorCase(text: "name = 'abc", position: 8, message: "unterminated string"),
        ErrorCase(text: #""name = 1"#, position: 1, message: "unterminated quoted property name"),
        ErrorCase(text: "name == 'x'", position: 7, message: "expected a property or a literal but found '='"),
        ErrorCase(text: "name != 'x'", position: 6, message: "'!=' is not CQL2"),
        ErrorCase(text: "a = 1 @", position: 7, message: "unexpected character '@'"),
        ErrorCase(text: "a = 1 b = 2", position: 7, message: "expected AND, OR or the end of the filter but found 'b'"),
        ErrorCase(text: "名称 名称", position: 4, message: "expected a comparison"),
        ErrorCase(text: "NOT a", position: 6, message: "expected a comparison"),
        ErrorCase(text: "a NOT = 1", position: 3, message: "expected LIKE, BETWEEN or IN after NOT"),
        ErrorCase(text: "name LIKE 5", position: 11, message: "expected a 'quoted' pattern after LIKE"),
        ErrorCase(text: "pop BETWEEN 1 OR 2", position: 15, message: "expected AND in BETWEEN"),
        ErrorCase(text: "code IN ()", position: 10, message: "an IN list needs at least one value"),
        ErrorCase(text: "code IN (1, 2", position: 14, message: "expected ')'"),
        ErrorCase(text: "kind IS NOT 5", position: 13, message: "expected NULL after IS NOT"),
        ErrorCase(text: "a = NULL", position: 5, message: "NULL is not a value in CQL2"),
        ErrorCase(text: "and = 1", position: 1, message: "keyword AND"),
        ErrorCase(text: "upper(name) = 'X'", position: 1, message: "function upper() is not supported"),
        ErrorCase(text: "T_AFTER(t, TIMESTAMP('2024-01-01T00:00:00Z'))", position: 1, message: "T_AFTER is not supported"),
        ErrorCase(text: "", position: 1, message: "the filter is empty"),
        ErrorCase(text: "d = DATE('2024-13-01')", position: 10, message: "is not a valid DATE"),
        ErrorCase(text: "t = TIMESTAMP('2024-01-01T08:00:00')", position: 15, message: "has no time zone"),
        ErrorCase(text: "geometry = POINT(1 2)", position: 12, message: "a geometry can only be an argument of a spatial predicate"),
        ErrorCase(text: "S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))", position: 24, message: "a polygon ring needs at least 4 positions"),
        ErrorCase(text: "S_INTERSECTS(geometry, LINESTRING(0 0))", position: 24, message: "a linestring needs at least 2 positions"),
        ErrorCase(text: "S_INTERSECTS(geometry, POINT(1))", position: 31, message: "expected a coordinate number but found ')'"),
        ErrorCase(text: "S_INTERSECTS(geometry, POINT EMPTY)", position: 30, message: "empty geometries are not supported"),
        ErrorCase(text: "S_INTERSECTS(geometry, BBOX(10, 0, 5, 1))", position: 24, message: "antimeridian"),
        ErrorCase(text: "S_INTERSECTS(geometry, BBOX(1, 2, 3))", position: 24, message: "BBOX needs 4 numbers"),
        ErrorCase(text: "S_INTERSECTS(geometry, 'POINT(1 2)')", position: 24, message: "expected a property or a geometry"),
        ErrorCase(text: "S_INTERSECTS(geometry POINT(1 2))", position: 23, message: "expected ','"),
    ]

    @Test(arguments: errorCases)
    func textErrorsSayWhatAndWhere(_ c: ErrorCase) {
        let e = Self.textError(c.text)
        #expect(e?.position == c.position, "\(String(describing: e))")
        #expect(e?.message.contains(c.message) == true, "\(String(describing: e))")
    }

    @Test func errorDescriptionNamesThePosition() {
        #expect(Self.textError("(a = 1")?.description == "expected ')' but found the end of the filter at position 7")
    }

    @Test func jsonErrorsNameThePlace() {
        func check(_ json: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let e = Self.jsonError(json)
            #expect(e?.message.contains(fragment) == true, "\(String(describing: e))", sourceLocation: sourceLocation)
            #expect(e?.position == nil, sourceLocation: sourceLocation)
        }
        check(#"{"op":"=","args":[{"property":"a"}"#, "the filter is not valid JSON")
        check(#"{"op":"foo","args":[]}"#, "unknown operator 'foo' at $.op")
        check(#"{"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"=","args":[{"property":"a"}]}]}"#,
              "'=' takes 2 arguments, not 1 at $.args[1].args")
        check(#"{"op":"and","args":[{"op":"=","args":[{"property":"a"},1]}]}"#, "'and' takes at least 2 arguments")
        check(#"{"op":"=","args":[{"property":"a"},null]}"#, "null is not a value in CQL2")
        check(#"{"op":"=","args":[{"property":"a"},[1]]}"#, "an array is only allowed as the list of 'in' at $.args[1]")
        check(#"{"op":"=","args":[{"property":""},1]}"#, "\"property\" must be a non-empty string")
        check(#"{"op":"in","args":[{"property":"a"},1]}"#, "must be an array of values")
        check(#"{"op":"in","args":[{"property":"a"},[]]}"#, "an IN list needs at least one value")
        check(#"{"op":"like","args":[{"property":"a"},{"op":"casei","args":["x"]}]}"#, "CASEI/ACCENTI are not supported")
        check(#"{"op":"t_after","args":[{"property":"t"},{"timestamp":"2024-01-01T00:00:00Z"}]}"#, "'t_after' is not supported")
        check(#"{"op":"=","args":[{"property":"d"},{"date":"2024-1-1"}]}"#, "is not a valid DATE")
        check(#"{"op":"=","args":[{"property":"a"},{"type":"Point","coordinates":[1,2]}]}"#, "a geometry can only be an argument")
        check(#"{"op":"=","args":[{"op":"+","args":[1,2]},3]}"#, "'+' is not supported as a value")
        check(#""name = 'x'""#, "expected a predicate")
        check(#"{"args":[]}"#, "expected a predicate")
        check(#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}]}"#,
              "a polygon ring needs at least 4 positions and must end where it starts at $.args[1]")
        check(#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[1]}]}"#,
              "a position is an array of 2 or 3 numbers at $.args[1].coordinates")
        check(#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Circle","coordinates":[1,2]}]}"#,
              "unknown GeoJSON geometry type 'Circle'")
        check(#"{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[1,2,3]}]}"#, "\"bbox\" must be an array of 4 numbers")
        check(#"{"op":"s_intersects","args":[{"property":"geometry"},"POINT(1 2)"]}"#, "expected {\"property\": …}, a GeoJSON geometry")
    }

    /// Every prefix and every one-character deletion of the valid filters: an AST or
    /// a CQL2Error, never a trap.
    @Test func mangledInputNeverTraps() {
        let texts = Self.cases.map(\.text) + Self.spatialCases.map(\.text)
        let jsons = Self.cases.map(\.json) + Self.spatialCases.map(\.json)
        var parsed = 0
        for (all, parse) in [(texts, { (s: String) throws(CQL2Error) in _ = try CQL2.parseText(s) }),
                             (jsons, { (s: String) throws(CQL2Error) in _ = try CQL2.parseJSON(s) })] {
            for t in all {
                let c = Array(t)
                var variants = (0...c.count).map { String(c[..<$0]) }
                variants += c.indices.map { k in String(c[..<k] + c[(k + 1)...]) }
                for v in variants {
                    do { try parse(v); parsed += 1 } catch { #expect(!error.message.isEmpty) }
                }
            }
        }
        #expect(parsed > 0)
    }

    // MARK: Limits

    @Test func lengthIsLimited() {
        let long = "name = '" + String(repeating: "x", count: 10_000) + "'"
        #expect(Self.textError(long)?.message == "the filter is longer than 10000 characters")
        #expect(Self.jsonError(#"{"op":"=","args":[{"property":"a"},""# + "\"" + String(repeating: "x", count: 10_000) + "\"]}")?
            .message == "the filter is longer than 10000 characters")
        #expect(Self.textError("name = '" + String(repeating: "名", count: 9_000) + "'") == nil)
    }

    @Test func nestingIsLimited() {
        func parens(_ n: Int) -> String { String(repeating: "(", count: n) + "a = 1" + String(repeating: ")", count: n) }
        #expect(Self.textError(parens(63)) == nil)
        #expect(Self.textError(parens(64))?.message == "the filter is nested more than 64 levels deep")
        #expect(Self.textError(parens(64))?.position == 64)
        #expect(Self.textError(String(repeating: "NOT ", count: 2_000) + "a = 1")?.message.contains("nested") == true)
        // Far beyond the limit, with the length limit raised: still a clean error.
        var big = CQL2Limits()
        big.maxLength = 2_000_000
        #expect(throws: CQL2Error.self) { try CQL2.parseText(parens(500_000), limits: big) }
        let collections = String(repeating: "GEOMETRYCOLLECTION(", count: 100) + "POINT(1 2)" + String(repeating: ")", count: 100)
        #expect(Self.textError("S_INTERSECTS(geometry, \(collections))")?.message.contains("nested") == true)

        var json = #"{"op":"=","args":[{"property":"a"},1]}"#
        for _ in 0..<100 { json = #"{"op":"not","args":["# + json + "]}" }
        #expect(Self.jsonError(json)?.message.contains("nested more than 64 levels") == true)
        var gc = #"{"type":"Point","coordinates":[1,2]}"#
        for _ in 0..<100 { gc = #"{"type":"GeometryCollection","geometries":["# + gc + "]}" }
        #expect(Self.jsonError(#"{"op":"s_intersects","args":[{"property":"geometry"},"# + gc + "]}")?.message.contains("nested") == true)
        // Deeper than JSONValue's own limit: its error, not a crash.
        let deep = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        #expect(Self.jsonError(deep)?.message.contains("not valid JSON") == true)
    }

    @Test func inListsAreLimited() {
        let ok = "code IN (" + (1...1_000).map(String.init).joined(separator: ",") + ")"
        let tooMany = "code IN (" + (1...1_001).map(String.init).joined(separator: ",") + ")"
        #expect(Self.textError(ok) == nil)
        #expect(Self.textError(tooMany)?.message == "an IN list may hold at most 1000 values")
        let json = #"{"op":"in","args":[{"property":"code"},["# + (1...1_001).map(String.init).joined(separator: ",") + "]]}"
        #expect(Self.jsonError(json)?.message.contains("at most 1000 values") == true)
    }

    // MARK: Compiling

    static let keys: Set<String> = ["pop", "kind", "open", "height", "名称", "x", "; DROP TABLE x; --", "a'b", #"a"b"#]

    static func columns(_ name: String) -> ColumnRef? {
        if name == "valid_from" { return .column("valid_from") }
        return ColumnRef.layerTable(name, propertyKeys: keys)
    }

    static func compile(_ text: String) throws -> (sql: String, arguments: [SQLValue], bbox: BBox?) {
        try CQL2.compile(CQL2.parseText(text), queryables: ["fid", "name", "code", "geometry"] + keys.sorted(), properties: columns)
    }

    static func compileError(_ text: String) -> String? {
        do { _ = try compile(text); return nil } catch { return (error as? CQL2Error)?.message }
    }

    @Test func compilesRepresentativeFilters() throws {
        var r = try Self.compile("name = '广州塔' AND pop > 5")
        #expect(r.sql == #"("name" = ? AND json_extract("properties", ?) > ?)"#)
        #expect(r.arguments == [.text("广州塔"), .text(#"$."pop""#), .integer(5)])
        #expect(r.bbox == nil)

        r = try Self.compile("NOT (code = 'A' OR height <= 2.5)")
        #expect(r.sql == #"NOT (("code" = ? OR json_extract("properties", ?) <= ?))"#)
        #expect(r.arguments == [.text("A"), .text(#"$."height""#), .real(2.5)])

        r = try Self.compile("name LIKE 'a%b_c\\%d*[?'")
        #expect(r.sql == #""name" GLOB ?"#)
        #expect(r.arguments == [.text("a*b?c%d[*][[][?]")])

        r = try Self.compile("pop NOT BETWEEN 1 AND 10 AND code IN ('A', 'B')")
        #expect(r.sql == #"(NOT ((json_extract("properties", ?) BETWEEN ? AND ?)) AND "code" IN (?, ?))"#)
        #expect(r.arguments == [.text(#"$."pop""#), .integer(1), .integer(10), .text("A"), .text("B")])

        r = try Self.compile("kind IS NULL OR geometry IS NOT NULL OR open = TRUE")
        #expect(r.sql == #"(json_extract("properties", ?) IS NULL OR NOT ("geom" IS NULL) OR json_extract("properties", ?) = ?)"#)
        #expect(r.arguments == [.text(#"$."kind""#), .text(#"$."open""#), .integer(1)])

        r = try Self.compile("valid_from >= DATE('2024-01-01') AND valid_from < TIMESTAMP('2024-06-01T00:00:00+08:00')")
        #expect(r.sql == #"(date("valid_from") >= date(?) AND strftime('%Y-%m-%dT%H:%M:%f', "valid_from") < strftime('%Y-%m-%dT%H:%M:%f', ?))"#)
        #expect(r.arguments == [.text("2024-01-01"), .text("2024-06-01T00:00:00+08:00")])

        r = try Self.compile("TRUE")
        #expect(r.sql == "?")
        #expect(r.arguments == [.integer(1)])
    }

    @Test func compilesSpatialPredicatesWithAPrefilterBox() throws {
        var r = try Self.compile("S_INTERSECTS(geometry, BBOX(113.2, 23.0, 113.3, 23.2)) AND name = 'x'")
        #expect(r.sql == #"(ST_Intersects("geom", GeomFromText(?, 4490)) = 1 AND "name" = ?)"#)
        #expect(r.arguments == [.text("POLYGON((113.2 23,113.3 23,113.3 23.2,113.2 23.2,113.2 23))"), .text("x")])
        #expect(r.bbox == BBox(minX: 113.2, minY: 23.0, maxX: 113.3, maxY: 23.2))

        r = try Self.compile("S_WITHIN(geom, POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))) AND S_INTERSECTS(geometry, LINESTRING(2 -1, 6 3))")
        #expect(r.bbox == BBox(minX: 2, minY: 0, maxX: 4, maxY: 3))

        r = try Self.compile("S_CONTAINS(POLYGON((0 0, 4 0, 4 4, 0 4, 0 0)), geometry)")
        #expect(r.sql == #"ST_Contains(GeomFromText(?, 4490), "geom") = 1"#)
        #expect(r.bbox == BBox(minX: 0, minY: 0, maxX: 4, maxY: 4))

        for unboxed in ["S_DISJOINT(geometry, POINT(1 2))", "S_INTERSECTS(geometry, POINT(1 2)) OR name = 'x'",
                        "NOT S_INTERSECTS(geometry, POINT(1 2))"] {
            #expect(try Self.compile(unboxed).bbox == nil, "\(unboxed)")
        }
        let custom = try CQL2.compile(CQL2.parseText("S_TOUCHES(geometry, POINT(1 2))"), srid: 4326) { _ in .geometry("shape") }
        #expect(custom.sql == #"ST_Touches("shape", GeomFromText(?, 4326)) = 1"#)
        let qualified = try CQL2.compile(CQL2.parseText("S_WITHIN(geometry, POINT(1 2)) AND pop = 1 AND code IS NULL"), table: "t", properties: Self.columns)
        #expect(qualified.sql == #"(ST_Within("t"."geom", GeomFromText(?, 4490)) = 1 AND json_extract("t"."properties", ?) = ? AND "t"."code" IS NULL)"#)
    }

    @Test func compileErrorsAreActionable() {
        #expect(Self.compileError("nope = 1")?.hasPrefix("unknown property 'nope'; queryables: fid, name, code, geometry, ") == true)
        #expect(throws: CQL2Error("unknown property 'nope'")) { try CQL2.compile(.isNull(.property("nope"))) { _ in nil } }
        #expect(Self.compileError("geometry = 1")?.contains("is a geometry") == true)
        #expect(Self.compileError("S_INTERSECTS(name, POINT(1 2))")?.contains("is not a geometry") == true)
        #expect(Self.compileError(#""a""b" = 1"#)?.contains("cannot be queried") == true)
        #expect(throws: CQL2Error.self) { try CQL2.compile(.property("name")) { _ in .column("name") } }
    }

    // MARK: Injection attempts end up as parameters or errors

    @Test func injectionAttemptsAreParametersOrErrors() throws {
        var r = try Self.compile("name = 'x'' OR 1=1 --'")
        #expect(r.sql == #""name" = ?"#)
        #expect(r.arguments == [.text("x' OR 1=1 --")])

        r = try Self.compile(#""; DROP TABLE x; --" = 1"#)
        #expect(r.sql == #"json_extract("properties", ?) = ?"#)
        #expect(r.arguments == [.text(#"$."; DROP TABLE x; --""#), .integer(1)])

        r = try Self.compile(#""a'b" LIKE '%'')--'"#)
        #expect(r.sql == #"json_extract("properties", ?) GLOB ?"#)
        #expect(r.arguments == [.text(#"$."a'b""#), .text("*')--")])

        // Not a queryable: an error, never SQL.
        #expect(Self.compileError(#""name""; DROP TABLE t; --" = 1"#)?.hasPrefix(#"unknown property 'name"; DROP TABLE t; --'"#) == true)
        let json = try CQL2.parseJSON(#"{"op":"=","args":[{"property":"name') OR 1=1; DROP TABLE t;--"},"x"]}"#)
        #expect(throws: CQL2Error.self) { try CQL2.compile(json, properties: Self.columns) }

        // A caller-mapped column with a quote in its name stays one quoted identifier.
        let quoted = try CQL2.compile(.comparison(.equal, .property("p"), .integer(1))) { _ in .column(#"we"ird"#) }
        #expect(quoted.sql == #""we""ird" = ?"#)

        // Geometry text is a parameter too, even when the WKT is hostile-looking.
        r = try Self.compile("S_INTERSECTS(geometry, POINT(1 2)) AND name = ')); DROP TABLE t; --'")
        #expect(!r.sql.contains("DROP") && !r.sql.contains("POINT"))
    }

    // MARK: Semantics against a real SQLite

    static let sqlite: String? = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let spatialite: Bool = sqlite.map { (try? run($0, ".load mod_spatialite\nSELECT 1;")) == "1" } ?? false

    static func run(_ exe: String, _ script: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-bail", ":memory:"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 || !err.isEmpty {
            throw CQL2Error("sqlite3 failed: " + String(decoding: err, as: UTF8.self))
        }
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The test harness only: puts the bound values in as SQL literals, since the
    /// sqlite3 shell cannot bind. The code under test never does this.
    static func inline(_ sql: String, _ args: [SQLValue]) -> String {
        var out = ""
        var k = 0
        for ch in sql {
            guard ch == "?" else { out.append(ch); continue }
            switch args[k] {
            case .text(let s): out += "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
            case .integer(let i): out += String(i)
            case .real(let d): out += "\(d)"
            case .null: out += "NULL"
            }
            k += 1
        }
        return out
    }

    static let rows = [
        (1, "广州塔", "A1", #"{"pop": 100, "kind": "Tower", "open": true, "height": 600.5}"#, "'2024-01-01T08:00:00Z'", "POINT(113.32 23.11)"),
        (2, "tower b", "A2", #"{"pop": "100", "kind": "tower", "open": false}"#, "'2024-06-01T00:00:00+08:00'", "POINT(113.26 23.11)"),
        (3, "Shamian", "B1", #"{"pop": 50, "kind": null}"#, "NULL", "POINT(113.24 23.107)"),
        (4, "a_b%c", "C1", "{}", "'2023-12-31'", "POINT(114.2 22.7)"),
    ]

    static func matches(_ filter: String, language: CQL2.Language = .text) throws -> [Int] {
        let r = try CQL2.compile(CQL2.parse(filter, language: language), properties: columns)
        var script = spatialite ? ".load mod_spatialite\n" : ""
        script += "CREATE TABLE t(fid INTEGER PRIMARY KEY, name TEXT, code TEXT, properties TEXT NOT NULL DEFAULT '{}', valid_from TEXT, geom BLOB);\n"
        for (fid, name, code, props, from, point) in rows {
            let geom = spatialite ? "GeomFromText('\(point)', 4490)" : "NULL"
            script += "INSERT INTO t VALUES(\(fid), '\(name)', '\(code)', '\(props)', \(from), \(geom));\n"
        }
        script += "SELECT fid FROM t WHERE \(inline(r.sql, r.arguments)) ORDER BY fid;\n"
        return try run(sqlite!, script).split(separator: "\n").compactMap { Int($0) }
    }

    @Test(.enabled(if: sqlite != nil)) func compiledSQLHasCQL2SemanticsInSQLite() throws {
        // LIKE is case-sensitive; % _ and escapes; one _ is one Chinese character.
        #expect(try Self.matches("kind LIKE 'T%'") == [1])
        #expect(try Self.matches("kind LIKE 't%'") == [2])
        #expect(try Self.matches("name LIKE 'a\\_b\\%c'") == [4])
        #expect(try Self.matches("name LIKE 'a_b%'") == [4])
        #expect(try Self.matches("name LIKE '广_塔'") == [1])
        #expect(try Self.matches("name NOT LIKE '%a%'") == [1, 2])
        // JSON values compare typed: the number 100 is not the string '100'.
        #expect(try Self.matches("pop = 100") == [1])
        #expect(try Self.matches("pop = '100'") == [2])
        #expect(try Self.matches("pop BETWEEN 60 AND 100") == [1])
        #expect(try Self.matches("height > 600") == [1])
        #expect(try Self.matches("pop IN (50, 100)") == [1, 3])
        #expect(try Self.matches("code NOT IN ('A1', 'A2')") == [3, 4])
        // JSON null and a missing key are both NULL.
        #expect(try Self.matches("kind IS NULL") == [3, 4])
        #expect(try Self.matches("kind IS NOT NULL") == [1, 2])
        #expect(try Self.matches("open = TRUE") == [1])
        #expect(try Self.matches("open = FALSE") == [2])
        // Dates and timestamps, across time zones.
        #expect(try Self.matches("valid_from >= DATE('2024-01-01')") == [1, 2])
        #expect(try Self.matches("valid_from < TIMESTAMP('2024-01-01T08:00:00Z')") == [4])
        #expect(try Self.matches("valid_from = TIMESTAMP('2024-01-01T16:00:00+08:00')") == [1])
        // Boolean logic and precedence.
        #expect(try Self.matches("NOT code = 'A1' AND fid > 1 OR fid = 1") == [1, 2, 3, 4])
        #expect(try Self.matches("NOT (code = 'A1' AND fid > 1 OR fid = 1)") == [2, 3, 4])
        #expect(try Self.matches("TRUE") == [1, 2, 3, 4])
        #expect(try Self.matches("FALSE OR fid = 3") == [3])
        // Injection through a literal matches nothing and runs nothing.
        #expect(try Self.matches("name = 'x'' OR 1=1 --'") == [])
        #expect(try Self.matches(#"{"op":"like","args":[{"property":"名称"},"%"]}"#, language: .json) == [])
    }

    @Test(.enabled(if: spatialite)) func spatialPredicatesRunInSpatiaLite() throws {
        #expect(try Self.matches("S_INTERSECTS(geometry, BBOX(113.2, 23.0, 113.3, 23.2))") == [2, 3])
        #expect(try Self.matches("S_DISJOINT(geometry, BBOX(113.2, 23.0, 113.3, 23.2))") == [1, 4])
        #expect(try Self.matches("S_WITHIN(geom, POLYGON((113 23, 113.5 23, 113.5 23.5, 113 23.5, 113 23)))") == [1, 2, 3])
        #expect(try Self.matches("S_EQUALS(geometry, POINT(114.2 22.7))") == [4])
        #expect(try Self.matches("S_CONTAINS(MULTIPOINT((113.24 23.107), (1 1)), geometry)") == [3])
        #expect(try Self.matches(
            #"{"op":"and","args":[{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[113.3,23],[113.4,23],[113.4,23.2],[113.3,23.2],[113.3,23]]]}]},{"op":"=","args":[{"property":"code"},"A1"]}]}"#,
            language: .json) == [1])
    }
}
