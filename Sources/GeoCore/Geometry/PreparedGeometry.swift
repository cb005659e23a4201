import CGEOS

/// A GEOS prepared geometry: the geometry indexed once so that many predicates
/// against it (a point in a 20 000-vertex polygon) cost a few microseconds.
///
/// Bound to the context of the geometry it was made from, like that geometry: use it
/// only with geometries of the same context, and only while holding that context.
/// It keeps its geometry alive (GEOS refers to it, not a copy) and frees the prepared
/// index in `deinit`, before the geometry goes.
public final class PreparedGeometry {
    private let ptr: OpaquePointer
    /// The geometry it indexes.
    public let geometry: Geometry
    /// The geometry's bounding box, for a cheap prefilter.
    public let bbox: BBox

    public init(_ geometry: Geometry) throws {
        guard let p = GEOSPrepare_r(geometry.context.handle, geometry.ptr) else {
            let reason = geometry.context.lastError ?? "unknown GEOS error"
            throw GeometryError("prepare: \(reason)")
        }
        ptr = p
        self.geometry = geometry
        bbox = geometry.bbox
    }

    deinit { GEOSPreparedGeom_destroy_r(geometry.context.handle, ptr) }

    public var context: GEOSContext { geometry.context }

    private func check(_ o: Geometry) {
        precondition(o.context === geometry.context, "a prepared geometry is used with a geometry of another GEOS context")
    }

    /// `o` lies in the geometry, its boundary included (for a point: the ST_Intersects of a point and a polygon).
    public func intersects(_ o: Geometry) throws -> Bool {
        check(o)
        return try result(GEOSPreparedIntersects_r(context.handle, ptr, o.ptr), "intersects")
    }

    /// No point of `o` lies outside the geometry.
    public func covers(_ o: Geometry) throws -> Bool {
        check(o)
        return try result(GEOSPreparedCovers_r(context.handle, ptr, o.ptr), "covers")
    }

    /// `o` lies in the interior (a point on the boundary is not contained).
    public func contains(_ o: Geometry) throws -> Bool {
        check(o)
        return try result(GEOSPreparedContains_r(context.handle, ptr, o.ptr), "contains")
    }

    private func result(_ c: CChar, _ what: String) throws -> Bool {
        if c == 2 {
            let reason = context.lastError ?? "unknown GEOS error"
            throw GeometryError("prepared \(what): \(reason)")
        }
        return c == 1
    }
}

/// Areas prepared for "which of them hold this point": each area a `PreparedGeometry`,
/// found through a bounding-box prefilter.
///
/// A prepared geometry is bound to the context that made it, so the index owns a
/// GEOS context of its own (not one of `GEOSContextPool`'s) and is not `Sendable`:
/// one task at a time uses it, for as long as it lives. Keep several for concurrent
/// callers (each lent to one of them at a time), not one shared by them.
public final class PreparedAreaIndex {
    private let context: GEOSContext
    private let areas: [PreparedGeometry]
    /// minX, minY, maxX, maxY per area, packed: the prefilter reads one cache-friendly array.
    private let boxes: [Double]

    /// `wkbs`: one area per entry (EPSG:4490 lon/lat WKB, any geometry type).
    public init(wkbs: [[UInt8]]) throws {
        let ctx = GEOSContext()
        var areas: [PreparedGeometry] = []
        var boxes: [Double] = []
        areas.reserveCapacity(wkbs.count)
        boxes.reserveCapacity(wkbs.count * 4)
        for wkb in wkbs {
            let p = try PreparedGeometry(ctx.read(wkb: wkb))
            let b = p.bbox
            areas.append(p)
            boxes += b.isEmpty ? [1, 1, 0, 0] : [b.minX, b.minY, b.maxX, b.maxY]
        }
        context = ctx
        self.areas = areas
        self.boxes = boxes
    }

    public var count: Int { areas.count }

    /// Indexes (in the order given to `init`) of the areas the point lies in or on,
    /// among those `include` accepts.
    public func areas(holding x: Double, _ y: Double, where include: (Int) -> Bool = { _ in true }) throws -> [Int] {
        var hits: [Int] = []
        var point: Geometry?
        try boxes.withUnsafeBufferPointer { b in
            for i in 0..<areas.count where b[4 * i] <= x && x <= b[4 * i + 2] && b[4 * i + 1] <= y && y <= b[4 * i + 3] && include(i) {
                if point == nil { point = try context.makePoint(x: x, y: y) }
                if try areas[i].intersects(point!) { hits.append(i) }
            }
        }
        return hits
    }
}
