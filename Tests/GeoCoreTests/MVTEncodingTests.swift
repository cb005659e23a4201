import Testing
@testable import GeoCore

/// Command integers from the worked examples in the MVT 2.1 specification (section 4.3.5).
@Suite struct MVTSpecExamples {
    @Test func pointExample() {
        var w = CommandWriter()
        w.moveTo([(25, 17)])
        #expect(w.out == [9, 50, 34])
    }

    @Test func lineStringExample() {
        var w = CommandWriter()
        w.moveTo([(2, 2)])
        w.lineTo([(2, 10), (10, 10)])
        #expect(w.out == [9, 4, 4, 18, 0, 16, 16, 0])
    }

    @Test func polygonExample() {
        var w = CommandWriter()
        w.moveTo([(3, 6)])
        w.lineTo([(8, 12), (20, 34)])
        w.closePath()
        #expect(w.out == [9, 6, 12, 18, 10, 12, 24, 44, 15])
    }

    @Test func multiPointExample() {
        var w = CommandWriter()
        w.moveTo([(5, 7), (3, 2)])
        #expect(w.out == [17, 10, 14, 3, 9])
    }

    @Test func zigzag() {
        #expect(zigzag32(0) == 0)
        #expect(zigzag32(-1) == 1)
        #expect(zigzag32(1) == 2)
        #expect(zigzag32(-2) == 3)
        #expect(zigzag64(Int64.min) == UInt64.max)
    }

    @Test func keysAndValuesAreDeduplicated() {
        var layer = MVTLayerEncoder(name: "l")
        let g = MVTGeometry(type: .point, commands: [9, 0, 0])
        for i in 0..<10 {
            layer.addFeature(id: UInt64(i), geometry: g, properties: [("kind", .string("a")), ("n", .int(Int64(i % 2)))])
        }
        let bytes = layer.encoded()
        // Each distinct key and value appears once in the layer message.
        #expect(count(of: Array("kind".utf8), in: bytes) == 1)
        #expect(count(of: Array("a".utf8) + [], in: Array(bytes.suffix(40))) >= 1)
        #expect(layer.featureCount == 10)
    }

    private func count(of needle: [UInt8], in hay: [UInt8]) -> Int {
        guard needle.count <= hay.count else { return 0 }
        var n = 0
        for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { n += 1 }
        return n
    }
}

@Suite struct TileGeometryTests {
    let tms = WebMercatorQuad()

    /// A polygon given counter-clockwise in lon/lat (y up) must come out with a
    /// positive shoelace area in y-down tile space, its hole negative.
    @Test func ringWindingFollowsTheSpec() throws {
        let tile = TileID(z: 14, x: 13348, y: 7109)
        let b = tms.lonLatBounds(of: tile)
        let (w, s, e, n) = (b.minX, b.minY, b.maxX, b.maxY)
        let dx = (e - w) / 10, dy = (n - s) / 10
        let shell = [w + dx, s + dy, e - dx, s + dy, e - dx, n - dy, w + dx, n - dy, w + dx, s + dy]
        let hole = [w + 3 * dx, s + 3 * dy, w + 3 * dx, s + 6 * dy, w + 6 * dx, s + 6 * dy, w + 6 * dx, s + 3 * dy, w + 3 * dx, s + 3 * dy]
        let enc = TileGeometryEncoder(tms: tms, tile: tile)
        let geom = try GEOSContextPool.shared.withContext { ctx in
            try enc.encode(try ctx.makePolygon([shell, hole]))
        }
        let g = try #require(geom)
        #expect(g.type == .polygon)
        let rings = decodeRings(g.commands)
        #expect(rings.count == 2)
        #expect(TileGeometryEncoder.signedArea(rings[0]) > 0)
        #expect(TileGeometryEncoder.signedArea(rings[1]) < 0)
    }

    @Test func featuresOutsideTheBufferAreDropped() throws {
        let tile = TileID(z: 14, x: 13348, y: 7109)
        let b = tms.lonLatBounds(of: tile)
        let farEast = b.maxX + (b.maxX - b.minX) * 0.5
        let enc = TileGeometryEncoder(tms: tms, tile: tile)
        let out = try GEOSContextPool.shared.withContext { ctx in
            try enc.encode(try ctx.makePoint(x: farEast, y: (b.minY + b.maxY) / 2))
        }
        #expect(out == nil)
    }

    @Test func linesAreClippedToTheBufferedTile() throws {
        let tile = TileID(z: 10, x: 833, y: 444)
        let b = tms.lonLatBounds(of: tile)
        let y = (b.minY + b.maxY) / 2
        let enc = TileGeometryEncoder(tms: tms, tile: tile)
        let out = try GEOSContextPool.shared.withContext { ctx in
            try enc.encode(try ctx.makeLineString([b.minX - 1, y, b.maxX + 1, y]))
        }
        let g = try #require(out)
        // MoveTo at x = -64, one LineTo to x = 4096 + 64.
        #expect(g.commands[0] == 9)
        #expect(Int32(bitPattern: g.commands[1] >> 1) ^ -Int32(bitPattern: g.commands[1] & 1) == -64)
        #expect(g.commands[3] == 10)
    }

    /// Decodes polygon commands back into rings of absolute points.
    func decodeRings(_ c: [UInt32]) -> [[(Int32, Int32)]] {
        var rings: [[(Int32, Int32)]] = []
        var cur: [(Int32, Int32)] = []
        var x: Int32 = 0, y: Int32 = 0, i = 0
        func unzig(_ v: UInt32) -> Int32 { Int32(bitPattern: v >> 1) ^ -Int32(bitPattern: v & 1) }
        while i < c.count {
            let id = c[i] & 7, n = Int(c[i] >> 3)
            i += 1
            if id == 7 { rings.append(cur); cur = []; continue }
            for _ in 0..<n {
                x += unzig(c[i]); y += unzig(c[i + 1]); i += 2
                cur.append((x, y))
            }
        }
        return rings
    }
}
