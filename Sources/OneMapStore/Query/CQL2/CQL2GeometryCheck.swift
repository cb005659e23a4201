import GeoCore

extension CQL2Expression {
    /// Geometry literals must be valid: a self-intersecting polygon has no defined
    /// inside, so a spatial predicate on it would answer something arbitrary. The
    /// same rule as the query endpoints' areas (GEOS validity).
    public func checkGeometries() throws(CQL2Error) {
        switch self {
        case .and(let xs), .or(let xs):
            for x in xs { try x.checkGeometries() }
        case .not(let x), .isNull(let x), .like(let x, _):
            try x.checkGeometries()
        case .comparison(_, let a, let b), .spatial(_, let a, let b):
            try a.checkGeometries()
            try b.checkGeometries()
        case .between(let a, let low, let high):
            try a.checkGeometries()
            try low.checkGeometries()
            try high.checkGeometries()
        case .inList(let a, let xs):
            try a.checkGeometries()
            for x in xs { try x.checkGeometries() }
        case .geometry(let g):
            let reason: String? = GEOSContextPool.shared.withContext { ctx in
                do { return try ctx.read(wkt: g.wkt).invalidReason } catch { return "\(error)" }
            }
            if let reason { throw CQL2Error("invalid geometry in the filter (\(reason)); fix it, e.g. split self-intersecting rings") }
        default:
            break
        }
    }
}
