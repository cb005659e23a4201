import CGEOS

/// Building geometries from coordinates. Coordinates are flat [x0, y0, x1, y1, …].
extension GEOSContext {
    private func sequence(_ xy: [Double]) throws -> OpaquePointer {
        let n = xy.count / 2
        let seq = xy.withUnsafeBufferPointer { buf in
            GEOSCoordSeq_copyFromBuffer_r(handle, buf.baseAddress, UInt32(n), 0, 0)
        }
        guard let seq else { throw GeometryError("cannot make coordinate sequence: \(lastError ?? "")") }
        return seq
    }

    public func makePoint(x: Double, y: Double) throws -> Geometry {
        try wrap(GEOSGeom_createPointFromXY_r(handle, x, y), "point")
    }

    public func makeEmpty(_ kind: GeometryKind) throws -> Geometry {
        switch kind {
        case .point: return try wrap(GEOSGeom_createEmptyPoint_r(handle), "empty point")
        case .lineString, .linearRing: return try wrap(GEOSGeom_createEmptyLineString_r(handle), "empty line")
        case .polygon: return try wrap(GEOSGeom_createEmptyPolygon_r(handle), "empty polygon")
        default: return try wrap(GEOSGeom_createEmptyCollection_r(handle, Int32(kind.rawValue)), "empty collection")
        }
    }

    public func makeLineString(_ xy: [Double]) throws -> Geometry {
        guard xy.count >= 4 else { throw GeometryError("a LineString needs at least 2 positions") }
        return try wrap(GEOSGeom_createLineString_r(handle, try sequence(xy)), "LineString")
    }

    /// Rings: the shell then holes. Each must be closed with at least 4 positions.
    public func makePolygon(_ rings: [[Double]]) throws -> Geometry {
        guard let shellXY = rings.first else { return try makeEmpty(.polygon) }
        func ring(_ xy: [Double], _ i: Int) throws -> OpaquePointer {
            guard xy.count >= 8 else { throw GeometryError("ring \(i) has fewer than 4 positions") }
            let n = xy.count
            guard xy[0] == xy[n - 2] && xy[1] == xy[n - 1] else { throw GeometryError("ring \(i) is not closed") }
            guard let r = GEOSGeom_createLinearRing_r(handle, try sequence(xy)) else {
                throw GeometryError("ring \(i): \(lastError ?? "invalid")")
            }
            return r
        }
        let shell = try ring(shellXY, 0)
        var holes: [OpaquePointer?] = []
        do {
            for (i, h) in rings.dropFirst().enumerated() { holes.append(try ring(h, i + 1)) }
        } catch {
            GEOSGeom_destroy_r(handle, shell)
            for h in holes { GEOSGeom_destroy_r(handle, h) }
            throw error
        }
        let poly = holes.withUnsafeMutableBufferPointer { buf in
            GEOSGeom_createPolygon_r(handle, shell, buf.baseAddress, UInt32(buf.count))
        }
        return try wrap(poly, "Polygon")
    }

    /// A Multi* or GeometryCollection taking ownership of `parts`.
    public func makeCollection(_ kind: GeometryKind, _ parts: [Geometry]) throws -> Geometry {
        var ptrs: [OpaquePointer?] = parts.map { $0.release() }
        let out = ptrs.withUnsafeMutableBufferPointer { buf in
            GEOSGeom_createCollection_r(handle, Int32(kind.rawValue), buf.baseAddress, UInt32(buf.count))
        }
        return try wrap(out, kind.name)
    }

    /// GeoJSON text of a geometry (RFC 7946 geometry object).
    public func geoJSON(_ g: Geometry) -> String {
        guard let chars = GEOSGeoJSONWriter_writeGeometry_r(handle, geoJSONWriter, g.ptr, -1) else { return "null" }
        defer { GEOSFree_r(handle, chars) }
        return String(cString: chars)
    }
}
