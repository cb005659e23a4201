import Foundation

/// A tile address in a tile matrix set: zoom, column, row (row 0 at the top).
public struct TileID: Hashable, Sendable, CustomStringConvertible {
    public let z: Int, x: Int, y: Int
    public init(z: Int, x: Int, y: Int) { self.z = z; self.x = x; self.y = y }
    public var description: String { "\(z)/\(x)/\(y)" }
}

/// A tiling scheme (OGC Two Dimensional Tile Matrix Set): how tiles cut up a CRS.
///
/// WebMercatorQuad is the one served now; a CGCS2000 geographic grid for
/// TianDiTu-style WMTS clients slots in as another conforming type.
public protocol TileMatrixSet: Sendable {
    /// The OGC identifier, e.g. "WebMercatorQuad".
    var id: String { get }
    var crs: CRS { get }
    var maxZoom: Int { get }
    /// Columns and rows of the matrix at `zoom`.
    func matrixSize(zoom: Int) -> (cols: Int, rows: Int)
    /// The tile's extent in the set's CRS.
    func bounds(of tile: TileID) -> BBox
    /// Storage lon/lat (degrees) → the set's CRS.
    func project(lon: Double, lat: Double) -> (x: Double, y: Double)
    /// The set's CRS → lon/lat (degrees).
    func unproject(x: Double, y: Double) -> (lon: Double, lat: Double)
}

extension TileMatrixSet {
    /// Whether the tile exists in the set.
    public func contains(_ t: TileID) -> Bool {
        guard t.z >= 0, t.z <= maxZoom else { return false }
        let (cols, rows) = matrixSize(zoom: t.z)
        return t.x >= 0 && t.x < cols && t.y >= 0 && t.y < rows
    }

    /// The lon/lat rectangle covering the tile grown by `buffer` (fraction of a tile),
    /// for querying the store.
    public func lonLatBounds(of tile: TileID, buffer: Double = 0) -> BBox {
        let b = bounds(of: tile)
        let pad = (b.maxX - b.minX) * buffer
        let (w, s) = unproject(x: b.minX - pad, y: b.minY - pad)
        let (e, n) = unproject(x: b.maxX + pad, y: b.maxY + pad)
        return BBox(minX: w, minY: s, maxX: e, maxY: n)
    }

    /// Tiles at `zoom` covering a lon/lat rectangle.
    public func tiles(covering r: BBox, zoom: Int) -> (x: ClosedRange<Int>, y: ClosedRange<Int>) {
        let (cols, rows) = matrixSize(zoom: zoom)
        let full = bounds(of: TileID(z: 0, x: 0, y: 0))
        let (minX, minY) = project(lon: r.minX, lat: r.minY)
        let (maxX, maxY) = project(lon: r.maxX, lat: r.maxY)
        let w = (full.maxX - full.minX) / Double(cols), h = (full.maxY - full.minY) / Double(rows)
        func clampC(_ v: Double) -> Int { v.isFinite ? max(0, min(cols - 1, Int(max(-1, min(Double(cols), floor(v)))))) : 0 }
        func clampR(_ v: Double) -> Int { v.isFinite ? max(0, min(rows - 1, Int(max(-1, min(Double(rows), floor(v)))))) : 0 }
        let x0 = clampC((minX - full.minX) / w), x1 = clampC((maxX - full.minX) / w)
        let y0 = clampR((full.maxY - maxY) / h), y1 = clampR((full.maxY - minY) / h)
        return (x0...x1, y0...y1)
    }
}

/// OGC WebMercatorQuad (EPSG:3857, 2^z × 2^z tiles, origin top-left), up to zoom 24.
public struct WebMercatorQuad: TileMatrixSet {
    public static let halfWorld = 20037508.342789244
    /// Latitude where the square Web Mercator world ends.
    public static let maxLatitude = 85.05112877980659
    static let radius = 6378137.0

    public init() {}
    public var id: String { "WebMercatorQuad" }
    public var crs: CRS { .webMercator }
    public var maxZoom: Int { 24 }

    public func matrixSize(zoom: Int) -> (cols: Int, rows: Int) { (1 << zoom, 1 << zoom) }

    public func bounds(of t: TileID) -> BBox {
        let size = 2 * Self.halfWorld / Double(1 << t.z)
        let minX = -Self.halfWorld + Double(t.x) * size
        let maxY = Self.halfWorld - Double(t.y) * size
        return BBox(minX: minX, minY: maxY - size, maxX: minX + size, maxY: maxY)
    }

    @inline(__always)
    public func project(lon: Double, lat: Double) -> (x: Double, y: Double) {
        let la = max(-Self.maxLatitude, min(Self.maxLatitude, lat))
        let x = lon * .pi / 180 * Self.radius
        let y = log(tan(.pi / 4 + la * .pi / 360)) * Self.radius
        return (x, y)
    }

    public func unproject(x: Double, y: Double) -> (lon: Double, lat: Double) {
        let lon = x / Self.radius * 180 / .pi
        let lat = (2 * atan(exp(y / Self.radius)) - .pi / 2) * 180 / .pi
        return (lon, lat)
    }
}
