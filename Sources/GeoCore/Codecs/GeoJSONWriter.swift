/// Writes geometries as RFC 7946 GeoJSON text straight from their coordinates
/// (GEOS's own writer goes through a generic JSON library: several times slower
/// on the items hot path).
extension Geometry {
    public var geoJSON: String {
        var out = ""
        out.reserveCapacity(numPoints * 24 + 40)
        (try? writeGeoJSON(to: &out)) ?? { out = context.geoJSON(self) }()
        return out
    }

    func writeGeoJSON(to out: inout String) throws {
        switch kind {
        case .point:
            out += "{\"type\":\"Point\",\"coordinates\":"
            if isEmpty { out += "[]" } else { Self.position(try coordinates(), 0, &out) }
        case .lineString, .linearRing:
            out += "{\"type\":\"LineString\",\"coordinates\":"
            Self.line(try coordinates(), &out)
        case .polygon:
            out += "{\"type\":\"Polygon\",\"coordinates\":"
            try polygonRings(&out)
        case .multiPoint, .multiLineString, .multiPolygon:
            out += "{\"type\":\"\(kind.name)\",\"coordinates\":["
            for i in 0..<numGeometries {
                if i > 0 { out += "," }
                let part = try geometry(at: i)
                switch part.kind {
                case .point: Self.position(try part.coordinates(), 0, &out)
                case .polygon: try part.polygonRings(&out)
                default: Self.line(try part.coordinates(), &out)
                }
            }
            out += "]"
        case .geometryCollection:
            out += "{\"type\":\"GeometryCollection\",\"geometries\":["
            for i in 0..<numGeometries {
                if i > 0 { out += "," }
                try geometry(at: i).writeGeoJSON(to: &out)
            }
            out += "]}"
            return
        }
        out += "}"
    }

    private func polygonRings(_ out: inout String) throws {
        out += "["
        if !isEmpty {
            for (i, ring) in try rings().enumerated() {
                if i > 0 { out += "," }
                Self.line(ring, &out)
            }
        }
        out += "]"
    }

    private static func line(_ xy: [Double], _ out: inout String) {
        out += "["
        var i = 0
        while i + 1 < xy.count {
            if i > 0 { out += "," }
            position(xy, i, &out)
            i += 2
        }
        out += "]"
    }

    @inline(__always)
    private static func position(_ xy: [Double], _ i: Int, _ out: inout String) {
        out += "["
        out += number(xy[i])
        out += ","
        out += number(xy[i + 1])
        out += "]"
    }

    /// Shortest round-trip text of a coordinate; integers without ".0".
    @inline(__always)
    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return d.description
    }
}
