import CPROJ
import Foundation
import Synchronization

/// A PROJ transformation between two CRSs, normalized to visualization axis order.
/// Owned by one PROJ context; freed in `deinit`.
public final class CRSTransformer {
    let pj: OpaquePointer
    let ctx: OpaquePointer
    public let source: CRS
    public let target: CRS

    fileprivate init(ctx: OpaquePointer, source: CRS, target: CRS) throws {
        self.ctx = ctx
        self.source = source
        self.target = target
        guard let raw = proj_create_crs_to_crs(ctx, source.description, target.description, nil) else {
            throw GeometryError("unknown or unusable CRS pair \(source) → \(target): \(PROJContext.lastError(ctx))")
        }
        defer { proj_destroy(raw) }
        guard let norm = proj_normalize_for_visualization(ctx, raw) else {
            throw GeometryError("cannot normalize axis order for \(source) → \(target)")
        }
        pj = norm
    }

    deinit { proj_destroy(pj) }

    /// Transforms flat [x0, y0, x1, y1, …] in place. Throws when a point cannot
    /// be transformed (outside the projection's domain).
    public func transform(_ xy: inout [Double], inverse: Bool = false, verify: Bool = false) throws {
        let n = xy.count / 2
        guard n > 0 else { return }
        let original = verify ? xy : []
        proj_errno_reset(pj)
        xy.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            _ = proj_trans_generic(pj, inverse ? PJ_INV : PJ_FWD,
                                   base, 16, n,
                                   base + 1, 16, n,
                                   nil, 0, 0, nil, 0, 0)
        }
        for v in xy where !v.isFinite {
            throw GeometryError("coordinates outside the domain of \(inverse ? target : source) → \(inverse ? source : target)")
        }
        if verify {
            // PROJ wraps longitudes and clamps latitudes: only a round trip shows a point was outside.
            var back = xy
            try transform(&back, inverse: !inverse)
            for i in 0..<back.count where !(abs(back[i] - original[i]) <= 1e-7 * max(1, abs(original[i]))) {
                throw GeometryError("coordinates outside the domain of \(inverse ? target : source) → \(inverse ? source : target)")
            }
        }
    }

    public func transform(x: Double, y: Double) throws -> (Double, Double) {
        var xy = [x, y]
        try transform(&xy)
        return (xy[0], xy[1])
    }

    /// Transforms every coordinate of a geometry. With `verify`, each point must
    /// also come back through the inverse: PROJ wraps longitudes, so a point far
    /// outside a projection's domain would otherwise pass as a plausible one.
    public func transform(_ g: Geometry, verify: Bool = false) throws -> Geometry {
        var failed = false
        let pj = self.pj
        let out = try? g.mapXY { x, y in
            let c = proj_trans(pj, PJ_FWD, PJ_COORD(xy: PJ_XY(x: x, y: y)))
            if !c.xy.x.isFinite || !c.xy.y.isFinite { failed = true; return false }
            if verify {
                let back = proj_trans(pj, PJ_INV, c)
                if !(abs(back.xy.x - x) <= 1e-7 * max(1, abs(x)) && abs(back.xy.y - y) <= 1e-7 * max(1, abs(y))) {
                    failed = true
                    return false
                }
            }
            x = c.xy.x; y = c.xy.y
            return true
        }
        guard let out, !failed else { throw GeometryError("coordinates outside the domain of \(source) → \(target)") }
        return out
    }
}

/// One PROJ context and the transformers made in it, cached by CRS pair
/// (creating one costs ~30 ms; applying it ~0.1 µs a point).
public final class PROJContext {
    let ctx: OpaquePointer
    private var cache: [String: CRSTransformer] = [:]
    private var axisCache: [CRS: Bool] = [:]

    init() {
        ctx = proj_context_create()
        // Stay offline: never try to fetch grids from the network.
        proj_context_set_enable_network(ctx, 0)
        proj_log_level(ctx, PJ_LOG_NONE)
    }

    deinit {
        cache.removeAll()
        proj_context_destroy(ctx)
    }

    static func lastError(_ ctx: OpaquePointer) -> String {
        let code = proj_context_errno(ctx)
        guard code != 0, let s = proj_context_errno_string(ctx, code) else { return "not found" }
        return String(cString: s)
    }

    public func transformer(from source: CRS, to target: CRS) throws -> CRSTransformer {
        let key = "\(source)>\(target)"
        if let t = cache[key] { return t }
        let t = try CRSTransformer(ctx: ctx, source: source, target: target)
        cache[key] = t
        return t
    }

    /// Whether the CRS's official axis order puts north (latitude, northing) first,
    /// as EPSG:4326, EPSG:4490 and the CGCS2000 Gauss–Krüger CRSs do. OGC APIs
    /// answer in that order; GeoJSON files and tiles use x = east.
    public func isNorthFirst(_ crs: CRS) -> Bool {
        if crs == .crs84 { return false }
        if let known = axisCache[crs] { return known }
        var northFirst = false
        if let p = proj_create(ctx, crs.description) {
            defer { proj_destroy(p) }
            var cs = proj_crs_get_coordinate_system(ctx, p)
            if cs == nil, let sub = proj_crs_get_sub_crs(ctx, p, 0) {  // compound CRS: its horizontal part
                cs = proj_crs_get_coordinate_system(ctx, sub)
                proj_destroy(sub)
            }
            if let cs {
                defer { proj_destroy(cs) }
                var direction: UnsafePointer<CChar>?
                if proj_cs_get_axis_info(ctx, cs, 0, nil, nil, &direction, nil, nil, nil, nil) == 1, let direction {
                    northFirst = String(cString: direction).lowercased().hasPrefix("north")
                }
            }
        }
        axisCache[crs] = northFirst
        return northFirst
    }

    /// Whether the CRS's coordinates are angles (degrees), not lengths.
    public func isGeographic(_ crs: CRS) -> Bool {
        if crs.isGeographicLonLat { return true }
        guard let p = proj_create(ctx, crs.description) else { return false }
        defer { proj_destroy(p) }
        let t = proj_get_type(p)
        return t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS || t == PJ_TYPE_GEOGRAPHIC_CRS
    }

    /// True when PROJ knows this CRS.
    public func knows(_ crs: CRS) -> Bool {
        guard let p = proj_create(ctx, crs.description) else { return false }
        proj_destroy(p)
        return true
    }
}

/// Pool of PROJ contexts; `withContext` lends one to one caller at a time.
public final class PROJContextPool: Sendable {
    public static let shared = PROJContextPool()
    private final class Box: @unchecked Sendable { let ctx: PROJContext; init(_ c: PROJContext) { ctx = c } }
    private let idle = Mutex<[Box]>([])

    public init() {}

    public func withContext<R>(_ body: (PROJContext) throws -> R) rethrows -> R {
        let box = idle.withLock { $0.popLast() } ?? Box(PROJContext())
        defer { idle.withLock { $0.append(box) } }
        return try body(box.ctx)
    }

    /// Convenience: transform flat coordinates between two CRSs.
    public func transform(_ xy: inout [Double], from source: CRS, to target: CRS) throws {
        if source == target { return }
        try withContext { try $0.transformer(from: source, to: target).transform(&xy) }
    }
}
