import GeoCore

/// A 2D geometry as plain coordinates: what the WKT parser (CQL2 Text) and the
/// GeoJSON reader (CQL2 JSON) both produce, checked and written back as WKT.
indirect enum WKTShape: Equatable {
    struct Position: Equatable { var x: Double, y: Double }

    case point(Position)
    case lineString([Position])
    case polygon([[Position]])
    case multiPoint([Position])
    case multiLineString([[Position]])
    case multiPolygon([[[Position]]])
    case collection([WKTShape])

    /// The rectangle `BBOX(minx, miny, maxx, maxy)` stands for.
    static func rectangle(_ b: BBox) -> WKTShape {
        .polygon([[Position(x: b.minX, y: b.minY), Position(x: b.maxX, y: b.minY), Position(x: b.maxX, y: b.maxY),
                   Position(x: b.minX, y: b.maxY), Position(x: b.minX, y: b.minY)]])
    }

    /// The literal, after checking what SpatiaLite would otherwise silently turn
    /// into NULL (too few positions, open rings, empty parts).
    func literal() throws(WKTShapeError) -> CQL2Geometry {
        try check()
        var text = ""
        write(to: &text)
        var box = BBox.empty
        forEachPosition { box = box.union(BBox(minX: $0.x, minY: $0.y, maxX: $0.x, maxY: $0.y)) }
        return CQL2Geometry(wkt: text, bbox: box)
    }

    func check() throws(WKTShapeError) {
        func line(_ ps: [Position]) throws(WKTShapeError) {
            if ps.count < 2 { throw WKTShapeError("a linestring needs at least 2 positions") }
        }
        func polygon(_ rings: [[Position]]) throws(WKTShapeError) {
            if rings.isEmpty { throw WKTShapeError("a polygon needs at least one ring") }
            for r in rings where r.count < 4 || r.first != r.last {
                throw WKTShapeError("a polygon ring needs at least 4 positions and must end where it starts")
            }
        }
        switch self {
        case .point: break
        case .lineString(let ps): try line(ps)
        case .polygon(let rings): try polygon(rings)
        case .multiPoint(let ps): if ps.isEmpty { throw WKTShapeError("a multipoint needs at least one point") }
        case .multiLineString(let ls):
            if ls.isEmpty { throw WKTShapeError("a multilinestring needs at least one linestring") }
            for l in ls { try line(l) }
        case .multiPolygon(let polys):
            if polys.isEmpty { throw WKTShapeError("a multipolygon needs at least one polygon") }
            for p in polys { try polygon(p) }
        case .collection(let gs):
            if gs.isEmpty { throw WKTShapeError("a geometry collection needs at least one geometry") }
            for g in gs { try g.check() }
        }
    }

    func forEachPosition(_ body: (Position) -> Void) {
        switch self {
        case .point(let p): body(p)
        case .lineString(let ps), .multiPoint(let ps): ps.forEach(body)
        case .polygon(let rs), .multiLineString(let rs): rs.forEach { $0.forEach(body) }
        case .multiPolygon(let ps): ps.forEach { $0.forEach { $0.forEach(body) } }
        case .collection(let gs): gs.forEach { $0.forEachPosition(body) }
        }
    }

    func write(to out: inout String) {
        func number(_ d: Double) -> String {
            d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        }
        func list<T>(_ items: [T], _ each: (T) -> String) -> String { "(" + items.map(each).joined(separator: ",") + ")" }
        func pos(_ p: Position) -> String { number(p.x) + " " + number(p.y) }
        func line(_ ps: [Position]) -> String { list(ps, pos) }
        func poly(_ rs: [[Position]]) -> String { list(rs, line) }
        switch self {
        case .point(let p): out += "POINT(" + pos(p) + ")"
        case .lineString(let ps): out += "LINESTRING" + line(ps)
        case .polygon(let rs): out += "POLYGON" + poly(rs)
        case .multiPoint(let ps): out += "MULTIPOINT" + list(ps) { "(" + pos($0) + ")" }
        case .multiLineString(let ls): out += "MULTILINESTRING" + list(ls, line)
        case .multiPolygon(let ps): out += "MULTIPOLYGON" + list(ps, poly)
        case .collection(let gs):
            out += "GEOMETRYCOLLECTION("
            for (k, g) in gs.enumerated() {
                if k > 0 { out += "," }
                g.write(to: &out)
            }
            out += ")"
        }
    }
}

struct WKTShapeError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

// MARK: GeoJSON → WKT

extension CQL2Geometry {
    /// A GeoJSON geometry object (RFC 7946 §3.1) as a CQL2 geometry literal:
    /// `CQL2Geometry(geoJSON: json).wkt` is the converter. Positions may carry a
    /// third number (dropped); error messages name the place as `path`.
    public init(geoJSON: JSONValue, path: String = "$", maxDepth: Int = CQL2Limits().maxDepth) throws(CQL2Error) {
        let shape = try WKTShape(geoJSON: geoJSON, path: path, depth: 1, maxDepth: maxDepth)
        do { self = try shape.literal() } catch { throw CQL2Error("\(error.message) at \(path)") }
    }
}

extension WKTShape {
    init(geoJSON v: JSONValue, path: String, depth: Int, maxDepth: Int) throws(CQL2Error) {
        func fail(_ m: String, _ p: String) -> CQL2Error { CQL2Error("\(m) at \(p)") }
        guard depth <= maxDepth else { throw fail("geometry collections nested more than \(maxDepth) levels deep", path) }
        guard case .object = v, let type = v["type"]?.stringValue else {
            throw fail("expected a GeoJSON geometry object with \"type\"", path)
        }
        if type == "GeometryCollection" {
            guard let members = v["geometries"]?.arrayValue else {
                throw fail("a GeometryCollection needs a \"geometries\" array", path)
            }
            var shapes: [WKTShape] = []
            for (k, m) in members.enumerated() {
                shapes.append(try WKTShape(geoJSON: m, path: "\(path).geometries[\(k)]", depth: depth + 1, maxDepth: maxDepth))
            }
            self = .collection(shapes)
            return
        }
        guard let coordinates = v["coordinates"] else { throw fail("a \(type) needs \"coordinates\"", path) }
        let cpath = path + ".coordinates"

        func array(_ v: JSONValue, _ p: String) throws(CQL2Error) -> [JSONValue] {
            guard let a = v.arrayValue else { throw fail("expected an array", p) }
            return a
        }
        func position(_ v: JSONValue, _ p: String) throws(CQL2Error) -> Position {
            let a = try array(v, p)
            guard a.count == 2 || a.count == 3, let x = a[0].doubleValue, let y = a[1].doubleValue else {
                throw fail("a position is an array of 2 or 3 numbers", p)
            }
            return Position(x: x, y: y)
        }
        func positions(_ v: JSONValue, _ p: String) throws(CQL2Error) -> [Position] {
            var out: [Position] = []
            for (k, item) in try array(v, p).enumerated() { out.append(try position(item, "\(p)[\(k)]")) }
            return out
        }
        func rings(_ v: JSONValue, _ p: String) throws(CQL2Error) -> [[Position]] {
            var out: [[Position]] = []
            for (k, item) in try array(v, p).enumerated() { out.append(try positions(item, "\(p)[\(k)]")) }
            return out
        }

        switch type {
        case "Point": self = .point(try position(coordinates, cpath))
        case "LineString": self = .lineString(try positions(coordinates, cpath))
        case "Polygon": self = .polygon(try rings(coordinates, cpath))
        case "MultiPoint": self = .multiPoint(try positions(coordinates, cpath))
        case "MultiLineString": self = .multiLineString(try rings(coordinates, cpath))
        case "MultiPolygon":
            var polys: [[[Position]]] = []
            for (k, item) in try array(coordinates, cpath).enumerated() { polys.append(try rings(item, "\(cpath)[\(k)]")) }
            self = .multiPolygon(polys)
        default:
            throw fail("unknown GeoJSON geometry type '\(type)'; expected Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon or GeometryCollection", path + ".type")
        }
    }
}
