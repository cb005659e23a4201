import CGEOS

/// Geometry kinds, in the order of the OGC simple-features type codes.
public enum GeometryKind: Int, Sendable, CaseIterable {
    case point = 0, lineString = 1, linearRing = 2, polygon = 3
    case multiPoint = 4, multiLineString = 5, multiPolygon = 6, geometryCollection = 7

    /// 0 for points, 1 for lines, 2 for polygons; nil for collections.
    public var dimension: Int? {
        switch self {
        case .point, .multiPoint: 0
        case .lineString, .linearRing, .multiLineString: 1
        case .polygon, .multiPolygon: 2
        case .geometryCollection: nil
        }
    }

    public var name: String {
        switch self {
        case .point: "Point"
        case .lineString, .linearRing: "LineString"
        case .polygon: "Polygon"
        case .multiPoint: "MultiPoint"
        case .multiLineString: "MultiLineString"
        case .multiPolygon: "MultiPolygon"
        case .geometryCollection: "GeometryCollection"
        }
    }
}

/// An axis-aligned rectangle.
public struct BBox: Sendable, Equatable, Hashable, Codable {
    public var minX: Double, minY: Double, maxX: Double, maxY: Double
    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }
    public static let empty = BBox(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
    public var isEmpty: Bool { minX > maxX || minY > maxY }
    public func union(_ o: BBox) -> BBox {
        BBox(minX: min(minX, o.minX), minY: min(minY, o.minY), maxX: max(maxX, o.maxX), maxY: max(maxY, o.maxY))
    }
    public func intersects(_ o: BBox) -> Bool {
        !(o.minX > maxX || o.maxX < minX || o.minY > maxY || o.maxY < minY)
    }
    public func contains(_ o: BBox) -> Bool {
        o.minX >= minX && o.maxX <= maxX && o.minY >= minY && o.maxY <= maxY
    }
    public var array: [Double] { [minX, minY, maxX, maxY] }
}

/// A GEOS geometry owned by the context it was made in. Not Sendable: it lives
/// inside one `withContext` call. `deinit` frees the GEOS object.
public final class Geometry {
    let ptr: OpaquePointer
    public let context: GEOSContext
    /// False once GEOS took ownership (as a part of a new collection or polygon).
    private var owned = true

    init(_ ptr: OpaquePointer, context: GEOSContext) {
        self.ptr = ptr
        self.context = context
    }

    deinit { if owned { GEOSGeom_destroy_r(context.handle, ptr) } }

    /// Hands the GEOS object over to a GEOS constructor that takes ownership.
    func release() -> OpaquePointer {
        owned = false
        return ptr
    }

    private var h: GEOSContextHandle_t { context.handle }

    public var kind: GeometryKind { GeometryKind(rawValue: Int(GEOSGeomTypeId_r(h, ptr))) ?? .geometryCollection }
    public var isEmpty: Bool { GEOSisEmpty_r(h, ptr) == 1 }
    public var numGeometries: Int { Int(GEOSGetNumGeometries_r(h, ptr)) }
    public var numPoints: Int { Int(GEOSGetNumCoordinates_r(h, ptr)) }
    public var srid: Int32 {
        get { GEOSGetSRID_r(h, ptr) }
        set { GEOSSetSRID_r(h, ptr, newValue) }
    }

    public var bbox: BBox {
        var b = BBox.empty
        if isEmpty { return b }
        _ = GEOSGeom_getExtent_r(h, ptr, &b.minX, &b.minY, &b.maxX, &b.maxY)
        return b
    }

    public var area: Double { var a = 0.0; _ = GEOSArea_r(h, ptr, &a); return a }
    public var length: Double { var l = 0.0; _ = GEOSLength_r(h, ptr, &l); return l }

    public var wkb: [UInt8] { context.wkb(self) }
    public var wkt: String { context.wkt(self) }

    /// Part `i` of a collection, as a copy.
    public func geometry(at i: Int) throws -> Geometry {
        guard let part = GEOSGetGeometryN_r(h, ptr, Int32(i)) else { throw GeometryError("no part \(i)") }
        return try context.wrap(GEOSGeom_clone_r(h, part), "clone")
    }

    // MARK: Validity

    public var isValid: Bool { GEOSisValid_r(h, ptr) == 1 }

    /// nil when valid, else GEOS's reason (e.g. "Self-intersection[1 1]").
    public var invalidReason: String? {
        if isValid { return nil }
        guard let r = GEOSisValidReason_r(h, ptr) else { return "invalid" }
        defer { GEOSFree_r(h, r) }
        return String(cString: r)
    }

    /// A valid geometry of the same dimension, by GEOS's "structure" method
    /// (keeps the area of bow-ties, drops collapsed parts), falling back to "linework".
    public func makeValid() throws -> Geometry {
        if isValid { return try clone() }
        let params = GEOSMakeValidParams_create_r(h)
        defer { GEOSMakeValidParams_destroy_r(h, params) }
        GEOSMakeValidParams_setMethod_r(h, params, GEOS_MAKE_VALID_STRUCTURE)
        GEOSMakeValidParams_setKeepCollapsed_r(h, params, 0)
        if let out = GEOSMakeValidWithParams_r(h, ptr, params) {
            return Geometry(out, context: context)
        }
        return try context.wrap(GEOSMakeValid_r(h, ptr), "make valid")
    }

    public func clone() throws -> Geometry { try context.wrap(GEOSGeom_clone_r(h, ptr), "clone") }

    // MARK: Operations

    /// Fast rectangle clip (GEOS ClipByRect); may return an empty geometry.
    public func clip(to r: BBox) throws -> Geometry {
        try context.wrap(GEOSClipByRect_r(h, ptr, r.minX, r.minY, r.maxX, r.maxY), "clip")
    }

    /// Douglas–Peucker simplification; `preserveTopology` keeps polygons valid.
    public func simplify(tolerance: Double, preserveTopology: Bool = false) throws -> Geometry {
        let out = preserveTopology ? GEOSTopologyPreserveSimplify_r(h, ptr, tolerance) : GEOSSimplify_r(h, ptr, tolerance)
        return try context.wrap(out, "simplify")
    }

    /// Snaps coordinates to a grid of `gridSize`, keeping polygons valid (GEOS snap-rounding).
    public func snapped(gridSize: Double) throws -> Geometry {
        try context.wrap(GEOSGeom_setPrecision_r(h, ptr, gridSize, 0), "set precision")
    }

    public func intersection(_ o: Geometry) throws -> Geometry {
        try context.wrap(GEOSIntersection_r(h, ptr, o.ptr), "intersection")
    }

    public func intersects(_ o: Geometry) -> Bool { GEOSIntersects_r(h, ptr, o.ptr) == 1 }
    public func equalsExact(_ o: Geometry, tolerance: Double = 0) -> Bool { GEOSEqualsExact_r(h, ptr, o.ptr, tolerance) == 1 }

    /// The point of this geometry nearest to `other` (for a point inside a polygon: that point).
    public func nearestPoint(to other: Geometry) throws -> (Double, Double)? {
        guard let seq = GEOSNearestPoints_r(h, ptr, other.ptr) else { return nil }
        defer { GEOSCoordSeq_destroy_r(h, seq) }
        var x = 0.0, y = 0.0
        GEOSCoordSeq_getXY_r(h, seq, 0, &x, &y)
        return (x, y)
    }

    /// Buffer by `distance` (in the geometry's units), 8 segments a quarter circle.
    public func buffer(_ distance: Double) throws -> Geometry {
        try context.wrap(GEOSBuffer_r(h, ptr, distance, 8), "buffer")
    }

    public func contains(_ o: Geometry) -> Bool { GEOSContains_r(h, ptr, o.ptr) == 1 }

    /// A point guaranteed to lie on the geometry (inside polygons).
    public func pointOnSurface() throws -> Geometry { try context.wrap(GEOSPointOnSurface_r(h, ptr), "point on surface") }

    /// Applies `transform` to every coordinate (x, y) in place of a copy.
    public func mapXY(_ transform: (inout Double, inout Double) -> Bool) throws -> Geometry {
        try withoutActuallyEscaping(transform) { fn in
            var box = fn
            return try withUnsafeMutablePointer(to: &box) { boxPtr in
                let out = GEOSGeom_transformXY_r(h, ptr, { x, y, userdata in
                    guard let x, let y, let userdata else { return 0 }
                    let f = userdata.assumingMemoryBound(to: ((inout Double, inout Double) -> Bool).self).pointee
                    return f(&x.pointee, &y.pointee) ? 1 : 0
                }, boxPtr)
                return try context.wrap(out, "coordinate transform")
            }
        }
    }

    /// Coordinates of a point, line or ring as a flat [x0, y0, x1, y1, …].
    public func coordinates() throws -> [Double] {
        try Geometry.coords(of: ptr, context: context)
    }

    /// The exterior ring (0) and holes (1…) of a polygon, each as flat coordinates.
    public func rings() throws -> [[Double]] {
        guard kind == .polygon else { throw GeometryError("not a polygon") }
        var out: [[Double]] = []
        guard let shell = GEOSGetExteriorRing_r(h, ptr) else { return out }
        out.append(try Geometry.coords(of: shell, context: context))
        let holes = GEOSGetNumInteriorRings_r(h, ptr)
        if holes > 0 {
            for i in 0..<holes {
                if let ring = GEOSGetInteriorRingN_r(h, ptr, i) {
                    out.append(try Geometry.coords(of: ring, context: context))
                }
            }
        }
        return out
    }

    static func coords(of borrowed: OpaquePointer, context: GEOSContext) throws -> [Double] {
        let h = context.handle
        guard let seq = GEOSGeom_getCoordSeq_r(h, borrowed) else { throw GeometryError("no coordinates") }
        var n: UInt32 = 0
        GEOSCoordSeq_getSize_r(h, seq, &n)
        var out = [Double](repeating: 0, count: Int(n) * 2)
        if n > 0 {
            out.withUnsafeMutableBufferPointer { buf in
                _ = GEOSCoordSeq_copyToBuffer_r(h, seq, buf.baseAddress, 0, 0)
            }
        }
        return out
    }

    /// Visits the simple (non-collection) parts of this geometry, borrowed for the call.
    public func forEachPart(_ body: (Geometry) throws -> Void) throws {
        switch kind {
        case .multiPoint, .multiLineString, .multiPolygon, .geometryCollection:
            for i in 0..<numGeometries {
                try geometry(at: i).forEachPart(body)
            }
        default:
            try body(self)
        }
    }
}
