/// Reading RFC 7946 geometry objects (parsed `JSONValue`s) into GEOS.
///
/// Written by hand rather than through GEOS's GeoJSON reader so that errors name
/// what is wrong (which ring, which position) and unclosed rings can be repaired.
public struct GeoJSONGeometryReader {
    /// Close rings whose last position differs from the first, instead of rejecting them.
    public var closeRings = true
    /// Set by `read` when a ring had to be closed.
    public private(set) var closedRings = 0

    public init() {}

    public mutating func read(_ json: JSONValue, context: GEOSContext) throws -> Geometry {
        guard case .object = json else { throw GeometryError("geometry must be a JSON object") }
        guard let type = json["type"]?.stringValue else { throw GeometryError("geometry has no \"type\"") }
        if type == "GeometryCollection" {
            guard let members = json["geometries"]?.arrayValue else {
                throw GeometryError("GeometryCollection needs a \"geometries\" array")
            }
            let parts = try members.map { try read($0, context: context) }
            return try context.makeCollection(.geometryCollection, parts)
        }
        guard let coords = json["coordinates"] else { throw GeometryError("\(type) has no \"coordinates\"") }
        switch type {
        case "Point":
            let p = try position(coords, "Point")
            return try context.makePoint(x: p.0, y: p.1)
        case "LineString":
            return try context.makeLineString(try line(coords, "LineString"))
        case "Polygon":
            return try context.makePolygon(try polygon(coords, "Polygon"))
        case "MultiPoint":
            let pts = try array(coords, "MultiPoint").enumerated().map { i, p in
                let xy = try position(p, "MultiPoint[\(i)]")
                return try context.makePoint(x: xy.0, y: xy.1)
            }
            return try context.makeCollection(.multiPoint, pts)
        case "MultiLineString":
            let parts = try array(coords, "MultiLineString").enumerated().map { i, l in
                try context.makeLineString(try line(l, "MultiLineString[\(i)]"))
            }
            return try context.makeCollection(.multiLineString, parts)
        case "MultiPolygon":
            let parts = try array(coords, "MultiPolygon").enumerated().map { i, p in
                try context.makePolygon(try polygon(p, "MultiPolygon[\(i)]"))
            }
            return try context.makeCollection(.multiPolygon, parts)
        default:
            throw GeometryError("unknown geometry type \"\(type)\"")
        }
    }

    private func array(_ v: JSONValue, _ at: String) throws -> [JSONValue] {
        guard let a = v.arrayValue else { throw GeometryError("\(at): coordinates must be an array") }
        return a
    }

    private func position(_ v: JSONValue, _ at: String) throws -> (Double, Double) {
        guard let a = v.arrayValue, a.count >= 2 else { throw GeometryError("\(at): a position needs [x, y]") }
        guard let x = a[0].doubleValue, let y = a[1].doubleValue else { throw GeometryError("\(at): position is not numeric") }
        guard x.isFinite, y.isFinite else { throw GeometryError("\(at): position is not finite") }
        return (x, y)
    }

    private func line(_ v: JSONValue, _ at: String) throws -> [Double] {
        let pts = try array(v, at)
        var xy: [Double] = []
        xy.reserveCapacity(pts.count * 2)
        for (i, p) in pts.enumerated() {
            let (x, y) = try position(p, "\(at)[\(i)]")
            xy.append(x); xy.append(y)
        }
        guard xy.count >= 4 else { throw GeometryError("\(at): needs at least 2 positions") }
        return xy
    }

    private mutating func polygon(_ v: JSONValue, _ at: String) throws -> [[Double]] {
        try array(v, at).enumerated().map { i, r in
            var xy = try line(r, "\(at) ring \(i)")
            let n = xy.count
            if xy[0] != xy[n - 2] || xy[1] != xy[n - 1] {
                guard closeRings else { throw GeometryError("\(at) ring \(i) is not closed") }
                xy.append(xy[0]); xy.append(xy[1])
                closedRings += 1
            }
            guard xy.count >= 8 else { throw GeometryError("\(at) ring \(i) has fewer than 4 positions") }
            return xy
        }
    }
}

extension GeoJSONGeometryReader {
    /// A geometry fit to store or to query with, from a client's GeoJSON: read
    /// strictly (rings must be closed), brought to lon/lat by `toLonLat`, then
    /// non-empty, within longitude −180…180 / latitude −90…90 and valid (GEOS).
    public static func readChecked(_ json: JSONValue, context: GEOSContext,
                                   toLonLat: (Geometry) throws -> Geometry = { $0 }) throws -> Geometry {
        var reader = GeoJSONGeometryReader()
        reader.closeRings = false
        let read = try reader.read(json, context: context)
        if read.isEmpty { throw GeometryError("the geometry is empty") }
        let g = try toLonLat(read)
        let b = g.bbox
        guard b.minX >= -180, b.maxX <= 180, b.minY >= -90, b.maxY <= 90 else {
            throw GeometryError("coordinates are outside longitude −180…180 / latitude −90…90")
        }
        if let reason = g.invalidReason { throw GeometryError("invalid geometry (\(reason)); fix it, e.g. split self-intersecting rings") }
        return g
    }
}
