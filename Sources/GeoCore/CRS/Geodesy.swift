import CPROJ
import Foundation

/// Geodesics on the CGCS2000 ellipsoid (GeographicLib's algorithm, through PROJ's
/// geodesic.h): distances and bearings in metres and degrees, exact to nanometres.
public struct Geodesic: Sendable {
    /// CGCS2000: a = 6378137 m, f = 1/298.257222101 (differs from WGS84 by 0.1 mm in b).
    public static let cgcs2000 = Geodesic(a: 6378137, f: 1 / 298.257222101)

    private let a: Double, f: Double

    public init(a: Double, f: Double) { self.a = a; self.f = f }

    /// Distance (m) and initial bearing (degrees clockwise from north, 0…360) from 1 to 2.
    public func inverse(lon1: Double, lat1: Double, lon2: Double, lat2: Double) -> (distance: Double, bearing: Double) {
        var g = geod_geodesic()
        geod_init(&g, a, f)
        var s12 = 0.0, azi1 = 0.0, azi2 = 0.0
        geod_inverse(&g, lat1, lon1, lat2, lon2, &s12, &azi1, &azi2)
        return (s12, azi1 < 0 ? azi1 + 360 : azi1)
    }

    /// The point `distance` metres from (lon, lat) along `bearing`.
    public func direct(lon: Double, lat: Double, bearing: Double, distance: Double) -> (lon: Double, lat: Double) {
        var g = geod_geodesic()
        geod_init(&g, a, f)
        var lat2 = 0.0, lon2 = 0.0, azi2 = 0.0
        geod_direct(&g, lat, lon, bearing, distance, &lat2, &lon2, &azi2)
        return (lon2, lat2)
    }

    /// A lon/lat rectangle containing the geodesic circle of `radius` around a point.
    public func boundingBox(lon: Double, lat: Double, radius: Double) -> BBox {
        let n = direct(lon: lon, lat: lat, bearing: 0, distance: radius)
        let s = direct(lon: lon, lat: lat, bearing: 180, distance: radius)
        // East/west extremes lie slightly poleward of the centre's latitude: pad 1 %.
        let e = direct(lon: lon, lat: lat, bearing: 90, distance: radius * 1.01)
        let w = direct(lon: lon, lat: lat, bearing: 270, distance: radius * 1.01)
        return BBox(minX: min(w.lon, lon), minY: max(-90, s.lat), maxX: max(e.lon, lon), maxY: min(90, n.lat))
    }

    /// Distance from a point to a geometry (0 inside polygons), with the bearing to
    /// its nearest point. The nearest point is found in a local equirectangular frame
    /// (x scaled by cos φ), then measured geodesically.
    public func distance(lon: Double, lat: Double, to g: Geometry) throws -> (distance: Double, bearing: Double) {
        let ctx = g.context
        let k = cos(lat * .pi / 180)
        let local = try g.mapXY { x, y in x = (x - lon) * k; return true }
        let origin = try ctx.makePoint(x: 0, y: lat)
        guard let (px, py) = try local.nearestPoint(to: origin) else { return (.infinity, 0) }
        if px == 0 && py == lat { return (0, 0) }
        return inverse(lon1: lon, lat1: lat, lon2: lon + px / k, lat2: py)
    }
}
