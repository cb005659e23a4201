/// Turns lon/lat geometries into MVT geometries for one tile: projects them into
/// tile coordinates, clips to the buffered tile, simplifies to the tile's resolution,
/// snaps to the integer grid, drops degenerate parts and orders polygon rings as
/// MVT 2.1 requires (exterior rings positive area in y-down tile coordinates).
public struct TileGeometryEncoder {
    public let tile: TileID
    public let extent: Int
    public let buffer: Int
    /// Douglas–Peucker tolerance in tile units (1/extent of a tile).
    public let tolerance: Double

    private let tms: any TileMatrixSet
    private let originX: Double, originY: Double, scale: Double
    private let clipBox: BBox

    public init(tms: any TileMatrixSet, tile: TileID, extent: Int = 4096, buffer: Int = 64, tolerance: Double = 1.0) {
        self.tms = tms
        self.tile = tile
        self.extent = extent
        self.buffer = buffer
        self.tolerance = tolerance
        let b = tms.bounds(of: tile)
        originX = b.minX
        originY = b.maxY
        scale = Double(extent) / (b.maxX - b.minX)
        let pad = Double(buffer)
        clipBox = BBox(minX: -pad, minY: -pad, maxX: Double(extent) + pad, maxY: Double(extent) + pad)
    }

    /// The MVT geometry of `g` (lon/lat), or nil when nothing of it is left in this tile.
    public func encode(_ g: Geometry) throws -> MVTGeometry? {
        var projected = try toTile(g)
        let box = projected.bbox
        if box.isEmpty || !clipBox.intersects(box) { return nil }
        if !clipBox.contains(box) {
            projected = try projected.clip(to: clipBox)
            if projected.isEmpty { return nil }
        }
        switch dominantDimension(projected) {
        case 0: return points(projected)
        case 1: return try lines(projected)
        case 2: return try polygons(projected)
        default: return nil
        }
    }

    /// Lon/lat → tile units, y down.
    public func toTile(_ g: Geometry) throws -> Geometry {
        let tms = self.tms, ox = originX, oy = originY, s = scale
        return try g.mapXY { x, y in
            let p = tms.project(lon: x, lat: y)
            x = (p.x - ox) * s
            y = (oy - p.y) * s
            return true
        }
    }

    private func dominantDimension(_ g: Geometry) -> Int? {
        if let d = g.kind.dimension { return d }
        var best: Int?
        try? g.forEachPart { p in
            if !p.isEmpty, let d = p.kind.dimension { best = max(best ?? d, d) }
        }
        return best
    }

    private func points(_ g: Geometry) -> MVTGeometry? {
        var pts: [(Int32, Int32)] = []
        try? g.forEachPart { p in
            guard p.kind == .point, !p.isEmpty, let xy = try? p.coordinates(), xy.count >= 2 else { return }
            pts.append((Int32(xy[0].rounded()), Int32(xy[1].rounded())))
        }
        guard !pts.isEmpty else { return nil }
        var cmd = CommandWriter()
        cmd.moveTo(pts)
        return MVTGeometry(type: .point, commands: cmd.out)
    }

    private func lines(_ g: Geometry) throws -> MVTGeometry? {
        let simple = g.numPoints > 2 ? try g.simplify(tolerance: tolerance) : g
        var cmd = CommandWriter()
        try simple.forEachPart { p in
            guard p.kind == .lineString || p.kind == .linearRing, !p.isEmpty else { return }
            let line = Self.snap(try p.coordinates())
            guard line.count >= 2 else { return }
            cmd.moveTo([line[0]])
            cmd.lineTo(line[1...])
        }
        return cmd.out.isEmpty ? nil : MVTGeometry(type: .lineString, commands: cmd.out)
    }

    private func polygons(_ g: Geometry) throws -> MVTGeometry? {
        // Tiny in this tile: nothing would be left after snapping.
        let b = g.bbox
        if b.maxX - b.minX < 0.5 && b.maxY - b.minY < 0.5 { return nil }
        var shape = g
        if shape.numPoints > 8 { shape = try shape.simplify(tolerance: tolerance) }
        // Snap-rounding to the integer grid keeps the output valid.
        let snapped: Geometry
        if let s = try? shape.snapped(gridSize: 1) {
            snapped = s
        } else {
            snapped = try shape.makeValid().snapped(gridSize: 1)
        }
        if snapped.isEmpty { return nil }
        var cmd = CommandWriter()
        try snapped.forEachPart { p in
            guard p.kind == .polygon, !p.isEmpty else { return }
            let rings = try p.rings()
            for (i, ring) in rings.enumerated() {
                var pts = Self.snap(ring)
                if pts.count > 1, pts.first! == pts.last! { pts.removeLast() }
                guard pts.count >= 3 else {
                    if i == 0 { return } else { continue }  // a lost shell takes its holes along
                }
                let a = Self.signedArea(pts)
                if a == 0 { if i == 0 { return } else { continue } }
                // Exterior positive, holes negative (y-down surveyor's formula).
                if (i == 0) != (a > 0) { pts.reverse() }
                cmd.moveTo([pts[0]])
                cmd.lineTo(pts[1...])
                cmd.closePath()
            }
        }
        return cmd.out.isEmpty ? nil : MVTGeometry(type: .polygon, commands: cmd.out)
    }

    /// Rounds to integers and drops repeated points.
    static func snap(_ xy: [Double]) -> [(Int32, Int32)] {
        var out: [(Int32, Int32)] = []
        out.reserveCapacity(xy.count / 2)
        var i = 0
        while i + 1 < xy.count {
            let p = (Int32(xy[i].rounded()), Int32(xy[i + 1].rounded()))
            if out.isEmpty || out[out.count - 1] != p { out.append(p) }
            i += 2
        }
        return out
    }

    static func signedArea(_ pts: [(Int32, Int32)]) -> Int64 {
        var sum: Int64 = 0
        for i in 0..<pts.count {
            let (x1, y1) = pts[i], (x2, y2) = pts[(i + 1) % pts.count]
            sum += Int64(x1) * Int64(y2) - Int64(x2) * Int64(y1)
        }
        return sum
    }
}

/// MVT command integers with a cursor that carries across parts of a feature.
struct CommandWriter {
    var out: [UInt32] = []
    private var cx: Int32 = 0, cy: Int32 = 0

    private static func command(_ id: UInt32, _ count: Int) -> UInt32 { (id & 0x7) | (UInt32(count) << 3) }

    private mutating func deltas<S: Sequence>(_ pts: S) where S.Element == (Int32, Int32) {
        for (x, y) in pts {
            out.append(zigzag32(x &- cx))
            out.append(zigzag32(y &- cy))
            cx = x; cy = y
        }
    }

    mutating func moveTo<C: Collection>(_ pts: C) where C.Element == (Int32, Int32) {
        out.append(Self.command(1, pts.count))
        deltas(pts)
    }

    mutating func lineTo<C: Collection>(_ pts: C) where C.Element == (Int32, Int32) {
        guard !pts.isEmpty else { return }
        out.append(Self.command(2, pts.count))
        deltas(pts)
    }

    mutating func closePath() { out.append(Self.command(7, 1)) }
}
