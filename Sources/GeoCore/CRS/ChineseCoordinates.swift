import Foundation

/// The coordinate systems that Chinese clients send and expect.
///
/// - `wgs84`, `cgcs2000`: true geodetic lon/lat (EPSG:4326 / EPSG:4490). The two
///   differ by centimetres, far below what these conversions resolve, so they are
///   treated as one system here.
/// - `gcj02`: the obfuscated "Mars coordinates" (国测局坐标) that Amap/Gaode,
///   Tencent and Google's China map use.
/// - `bd09`: Baidu's lon/lat (BD-09 ll), a second obfuscation on top of GCJ-02.
public enum ChineseCoordinateSystem: String, Sendable, CaseIterable {
    case wgs84, cgcs2000, gcj02, bd09
}

/// WGS84/CGCS2000 ⇄ GCJ-02 ⇄ BD-09 conversions (the published algorithm).
///
/// GCJ-02 adds to a WGS84 point an offset of a few hundred metres given by two
/// polynomial-plus-sine series in (lon − 105°, lat − 35°), scaled to degrees on the
/// Krasovsky 1940 ellipsoid. BD-09 takes a GCJ-02 point, perturbs its polar radius
/// and angle slightly and shifts it by (+0.0065°, +0.006°). Neither has a closed-form
/// inverse, so the inverses here iterate until the forward image of the answer is
/// within 1e-9° (≈ 0.1 mm) of the input.
///
/// Following the universal convention, every conversion leaves points outside the
/// rough China bounding box (``isInChina(lon:lat:)``) unchanged; that test is made on
/// the point as given. Non-finite input (NaN, ±inf) is returned unchanged too.
/// All coordinates are lon/lat in degrees.
public enum ChineseCoordinates {
    // Krasovsky 1940: semi-major axis and first eccentricity squared.
    static let a = 6378245.0
    static let ee = 0.00669342162296594323
    static let xPi = Double.pi * 3000.0 / 180.0

    /// Stop iterating an inverse once the forward image is this close to the input (degrees).
    static let inverseTolerance = 1e-9
    /// Hard cap on inverse iterations (in practice 2–5 are needed).
    static let maxIterations = 30

    // MARK: - Public API

    /// WGS84/CGCS2000 lon/lat → GCJ-02 ("Mars coordinates"); points outside China unchanged.
    public static func wgs84ToGCJ02(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        guard isInChina(lon: lon, lat: lat) else { return (lon, lat) }
        return gcjForward(lon: lon, lat: lat)
    }

    /// GCJ-02 → WGS84/CGCS2000, iterated until the forward image is within 1e-9° of the input.
    public static func gcj02ToWGS84(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        let r = gcj02ToWGS84Counting(lon: lon, lat: lat)
        return (r.lon, r.lat)
    }

    /// GCJ-02 → BD-09 (Baidu); points outside China unchanged.
    public static func gcj02ToBD09(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        guard isInChina(lon: lon, lat: lat) else { return (lon, lat) }
        return bdForward(lon: lon, lat: lat)
    }

    /// BD-09 → GCJ-02, starting from the usual closed-form approximation (good to ~1e-6°)
    /// and iterated until the forward image is within 1e-9° of the input.
    public static func bd09ToGCJ02(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        let r = bd09ToGCJ02Counting(lon: lon, lat: lat)
        return (r.lon, r.lat)
    }

    /// WGS84/CGCS2000 → BD-09 (through GCJ-02).
    public static func wgs84ToBD09(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        guard isInChina(lon: lon, lat: lat) else { return (lon, lat) }
        let g = gcjForward(lon: lon, lat: lat)
        return bdForward(lon: g.lon, lat: g.lat)
    }

    /// BD-09 → WGS84/CGCS2000 (through GCJ-02, both steps iterated).
    public static func bd09ToWGS84(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        guard isInChina(lon: lon, lat: lat) else { return (lon, lat) }
        let g = bd09ToGCJ02(lon: lon, lat: lat)
        return gcj02ToWGS84(lon: g.lon, lat: g.lat)
    }

    /// Converts between any two of the systems (wgs84 and cgcs2000 are treated as identical).
    public static func convert(lon: Double, lat: Double,
                               from: ChineseCoordinateSystem,
                               to: ChineseCoordinateSystem) -> (lon: Double, lat: Double) {
        switch (from.normalized, to.normalized) {
        case (.gcj02, .wgs84): return gcj02ToWGS84(lon: lon, lat: lat)
        case (.bd09, .wgs84): return bd09ToWGS84(lon: lon, lat: lat)
        case (.wgs84, .gcj02): return wgs84ToGCJ02(lon: lon, lat: lat)
        case (.bd09, .gcj02): return bd09ToGCJ02(lon: lon, lat: lat)
        case (.wgs84, .bd09): return wgs84ToBD09(lon: lon, lat: lat)
        case (.gcj02, .bd09): return gcj02ToBD09(lon: lon, lat: lat)
        default: return (lon, lat)   // same system (cgcs2000 was normalized to wgs84)
        }
    }

    /// Converts a flat `[x0, y0, x1, y1, …]` lon/lat array in place. A trailing odd
    /// element, if any, is left alone.
    public static func convert(_ xy: inout [Double],
                               from: ChineseCoordinateSystem,
                               to: ChineseCoordinateSystem) {
        guard from.normalized != to.normalized, xy.count >= 2 else { return }
        for i in stride(from: 0, to: xy.count - 1, by: 2) {
            let p = convert(lon: xy[i], lat: xy[i + 1], from: from, to: to)
            xy[i] = p.lon
            xy[i + 1] = p.lat
        }
    }

    /// Whether GCJ-02 (and BD-09) apply at this point: the conventional rough China
    /// bounding box, lon 72.004–137.8347, lat 0.8293–55.8271 (bounds included). It
    /// also covers neighbours (parts of Mongolia, Korea, Japan's west, Southeast Asia)
    /// and leaves out nothing of China but the far tips; that is the convention every
    /// GCJ-02 implementation and consumer map shares. False for NaN.
    public static func isInChina(lon: Double, lat: Double) -> Bool {
        lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271
    }

    // MARK: - Inverses with iteration counts (internal, for tests)

    /// `gcj02ToWGS84` plus the number of correction steps taken (0 when unchanged).
    static func gcj02ToWGS84Counting(lon: Double, lat: Double) -> (lon: Double, lat: Double, iterations: Int) {
        guard isInChina(lon: lon, lat: lat) else { return (lon, lat, 0) }
        // The offset varies slowly (its Jacobian is within ~1 % of zero), so the
        // fixed-point step w ← w − (F(w) − g) contracts by ~100× per step.
        return invert(targetLon: lon, targetLat: lat, startLon: lon, startLat: lat, forward: gcjForward)
    }

    /// `bd09ToGCJ02` plus the number of correction steps taken after the closed-form start.
    static func bd09ToGCJ02Counting(lon: Double, lat: Double) -> (lon: Double, lat: Double, iterations: Int) {
        guard isInChina(lon: lon, lat: lat) else { return (lon, lat, 0) }
        let start = bdApproximateInverse(lon: lon, lat: lat)
        return invert(targetLon: lon, targetLat: lat, startLon: start.lon, startLat: start.lat, forward: bdForward)
    }

    // MARK: - The raw formulas (no bounding-box test)

    /// WGS84 → GCJ-02 offset applied unconditionally.
    static func gcjForward(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        let x = lon - 105.0, y = lat - 35.0
        let xPiRad = x * Double.pi, yPiRad = y * Double.pi
        // Shared term of both series.
        let common = (20.0 * sin(6.0 * xPiRad) + 20.0 * sin(2.0 * xPiRad)) * 2.0 / 3.0
        var tLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        tLat += common
        tLat += (20.0 * sin(yPiRad) + 40.0 * sin(yPiRad / 3.0)) * 2.0 / 3.0
        tLat += (160.0 * sin(yPiRad / 12.0) + 320.0 * sin(yPiRad / 30.0)) * 2.0 / 3.0
        var tLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        tLon += common
        tLon += (20.0 * sin(xPiRad) + 40.0 * sin(xPiRad / 3.0)) * 2.0 / 3.0
        tLon += (150.0 * sin(xPiRad / 12.0) + 300.0 * sin(xPiRad / 30.0)) * 2.0 / 3.0

        // Metres → degrees on the Krasovsky ellipsoid: meridian radius M for latitude,
        // parallel radius N·cos φ for longitude.
        let phi = lat * Double.pi / 180.0
        let s = sin(phi)
        let w2 = 1.0 - ee * s * s
        let w = w2.squareRoot()
        let meridianRadius = a * (1.0 - ee) / (w2 * w)
        let primeVerticalRadius = a / w
        let dLat = tLat * 180.0 / (meridianRadius * Double.pi)
        let dLon = tLon * 180.0 / (primeVerticalRadius * cos(phi) * Double.pi)
        return (lon + dLon, lat + dLat)
    }

    /// GCJ-02 → BD-09 applied unconditionally.
    static func bdForward(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        let z = (lon * lon + lat * lat).squareRoot() + 0.00002 * sin(lat * xPi)
        let theta = atan2(lat, lon) + 0.000003 * cos(lon * xPi)
        return (z * cos(theta) + 0.0065, z * sin(theta) + 0.006)
    }

    /// The common closed-form BD-09 → GCJ-02 approximation (error ~1e-6°): undo the shift,
    /// then subtract the perturbations evaluated at the BD point instead of the GCJ one.
    static func bdApproximateInverse(lon: Double, lat: Double) -> (lon: Double, lat: Double) {
        let x = lon - 0.0065, y = lat - 0.006
        let z = (x * x + y * y).squareRoot() - 0.00002 * sin(y * xPi)
        let theta = atan2(y, x) - 0.000003 * cos(x * xPi)
        return (z * cos(theta), z * sin(theta))
    }

    /// Solves forward(p) = target by p ← p − (forward(p) − target), from `start`, until
    /// both components of the residual are below `inverseTolerance` or `maxIterations`
    /// steps were taken. Returns the point and the number of steps.
    private static func invert(targetLon: Double, targetLat: Double,
                               startLon: Double, startLat: Double,
                               forward: (Double, Double) -> (lon: Double, lat: Double))
        -> (lon: Double, lat: Double, iterations: Int) {
        var lon = startLon, lat = startLat
        var steps = 0
        while true {
            let f = forward(lon, lat)
            let eLon = f.lon - targetLon, eLat = f.lat - targetLat
            // `!(… >= tol)` would also stop on NaN; inputs reaching here are finite
            // (the box test rejects NaN/inf), so a plain comparison is enough.
            if abs(eLon) < inverseTolerance && abs(eLat) < inverseTolerance { break }
            if steps == maxIterations { break }
            lon -= eLon
            lat -= eLat
            steps += 1
        }
        return (lon, lat, steps)
    }
}

extension ChineseCoordinateSystem {
    /// cgcs2000 folded into wgs84 (identical at this precision).
    var normalized: ChineseCoordinateSystem { self == .cgcs2000 ? .wgs84 : self }
}

extension Geometry {
    /// The geometry with every lon/lat converted between Chinese coordinate systems.
    public func converted(from: ChineseCoordinateSystem, to: ChineseCoordinateSystem) throws -> Geometry {
        try mapXY { x, y in
            (x, y) = ChineseCoordinates.convert(lon: x, lat: y, from: from, to: to)
            return true
        }
    }
}
