import Testing
@testable import GeoCore

@Suite struct TileMatrixSetTests {
    let tms = WebMercatorQuad()

    @Test func worldTileSpansTheMercatorSquare() {
        let b = tms.bounds(of: TileID(z: 0, x: 0, y: 0))
        #expect(abs(b.minX + 20037508.342789244) < 1e-6)
        #expect(abs(b.maxY - 20037508.342789244) < 1e-6)
    }

    /// The west edge of Huacheng Square (花城广场, 113.312 E) lies in tile 14/13348/7109 (the tile the issue names).
    @Test func huachengSquareTile() {
        let r = tms.tiles(covering: BBox(minX: 113.3120, minY: 23.1214, maxX: 113.3120, maxY: 23.1214), zoom: 14)
        #expect(r.x == 13348...13348)
        #expect(r.y == 7109...7109)
    }

    @Test func tileRangeChecks() {
        #expect(tms.contains(TileID(z: 24, x: (1 << 24) - 1, y: 0)))
        #expect(!tms.contains(TileID(z: 25, x: 0, y: 0)))
        #expect(!tms.contains(TileID(z: 3, x: 8, y: 0)))
        #expect(!tms.contains(TileID(z: 3, x: 0, y: -1)))
    }
}

@Suite struct JSONTests {
    @Test func numbersKeepTheirKind() throws {
        let v = try JSONValue.parse(#"{"i": 3, "d": 3.0, "e": 1e2, "b": true, "n": null, "s": "天河\u00e9\ud83d\ude00"}"#)
        #expect(v["i"] == .int(3))
        #expect(v["d"] == .double(3))
        #expect(v["e"] == .double(100))
        #expect(v["b"] == .bool(true))
        #expect(v["n"] == .null)
        #expect(v["s"] == .string("天河é😀"))
    }

    @Test func errorsCarryTheirOffset() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a": [1, 2"#) }
        do {
            _ = try JSONValue.parse(#"{"a": tru}"#)
            Issue.record("should fail")
        } catch let e as JSONParseError {
            #expect(e.offset == 6)
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test func rejectsDeepNestingAndBadEscapes() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 10_000)) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#""\ud800""#) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("\"a\u{01}\"") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("01x") }
    }

    @Test func writesWhatItReads() throws {
        let text = #"{"a":[1,2.5,"x\"y\n"],"b":{"c":null,"d":false}}"#
        #expect(try JSONValue.parse(text).text == text)
    }
}

@Suite struct CRSTests {
    @Test func spellings() {
        #expect(CRS(parsing: "EPSG:4490") == .cgcs2000)
        #expect(CRS(parsing: "4490") == .cgcs2000)
        #expect(CRS(parsing: "http://www.opengis.net/def/crs/EPSG/0/3857") == .webMercator)
        #expect(CRS(parsing: "urn:ogc:def:crs:EPSG::4326") == .wgs84)
        #expect(CRS(parsing: "http://www.opengis.net/def/crs/OGC/1.3/CRS84") == .crs84)
        #expect(CRS(parsing: "EPSG:abc") == nil)
        #expect(CRS(parsing: "'; DROP TABLE x") == nil)
    }

    /// PROJ's Web Mercator agrees with the closed-form one the tile encoder uses.
    @Test func projAgreesWithTileProjection() throws {
        let tms = WebMercatorQuad()
        var xy = [113.3190, 23.1214, 114.2, 22.7, -179.9, -60.0]
        let expected = stride(from: 0, to: xy.count, by: 2).map { tms.project(lon: xy[$0], lat: xy[$0 + 1]) }
        try PROJContextPool.shared.transform(&xy, from: .cgcs2000, to: .webMercator)
        for (i, e) in expected.enumerated() {
            #expect(abs(xy[2 * i] - e.x) < 1e-3)
            #expect(abs(xy[2 * i + 1] - e.y) < 1e-3)
        }
    }

    @Test func unknownCRSIsAnError() {
        #expect(throws: GeometryError.self) {
            try PROJContextPool.shared.withContext { try $0.transformer(from: CRS(authority: "EPSG", code: "999999"), to: .cgcs2000) }
        }
    }
}

@Suite struct GeometryTests {
    /// A bow-tie of two unit triangles: valid repair keeps both (area 0.5 + 0.5).
    @Test func bowTieIsRepairedKeepingItsArea() throws {
        try GEOSContextPool.shared.withContext { ctx in
            let g = try ctx.read(wkt: "POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))")
            #expect(!g.isValid)
            #expect(g.invalidReason?.contains("Self-intersection") == true)
            let v = try g.makeValid()
            #expect(v.isValid)
            #expect(abs(v.area - 2.0) < 1e-12)
        }
    }

    @Test func wkbRoundTrip() throws {
        try GEOSContextPool.shared.withContext { ctx in
            let g = try ctx.read(wkt: "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,4 2,2 2)))")
            let back = try ctx.read(wkb: g.wkb)
            #expect(back.equalsExact(g))
            #expect(back.area == 96)
        }
    }

    @Test func geoJSONReaderNamesTheProblem() throws {
        try GEOSContextPool.shared.withContext { ctx in
            var r = GeoJSONGeometryReader()
            let bad = try JSONValue.parse(#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}"#)
            let g = try r.read(bad, context: ctx)  // closed automatically: 4 positions
            #expect(r.closedRings == 1)
            #expect(g.area == 0.5)
            let worse = try JSONValue.parse(#"{"type":"Polygon","coordinates":[[[0,0],[1,0]]]}"#)
            #expect(throws: GeometryError.self) { try r.read(worse, context: ctx) }
            let text = try JSONValue.parse(#"{"type":"Point","coordinates":["a",1]}"#)
            #expect(throws: GeometryError.self) { try r.read(text, context: ctx) }
        }
    }

    @Test func gzipRoundTrip() {
        let input = Array(String(repeating: "一张图 OneMap ", count: 500).utf8)
        let z = Gzip.compress(input)
        #expect(z.count < input.count / 10)
        #expect(z.prefix(2) == [0x1F, 0x8B])
        #expect(Gzip.decompress(z) == input)
    }
}

@Suite struct AxisOrderTests {
    /// EPSG defines 4326 and 4490 latitude-first, the CGCS2000 Gauss–Krüger zones
    /// northing-first, Web Mercator easting-first, CRS84 longitude-first.
    @Test func officialAxisOrder() {
        PROJContextPool.shared.withContext { ctx in
            #expect(ctx.isNorthFirst(.wgs84))
            #expect(ctx.isNorthFirst(.cgcs2000))
            #expect(ctx.isNorthFirst(CRS(authority: "EPSG", code: "4547")))
            #expect(!ctx.isNorthFirst(.webMercator))
            #expect(!ctx.isNorthFirst(.crs84))
            #expect(!ctx.isNorthFirst(CRS(authority: "EPSG", code: "32650")))
        }
    }
}

@Suite struct GeodesyTests {
    /// Beijing Tiananmen → Guangzhou Tower on WGS84, reference from pyproj.Geod
    /// (GeographicLib): 1 886 303.738636 m, initial bearing 189.744323775°.
    @Test func inverseMatchesPyproj() {
        let wgs84 = Geodesic(a: 6378137, f: 1 / 298.257223563)
        let (d, az) = wgs84.inverse(lon1: 116.397128, lat1: 39.916527, lon2: 113.324520, lat2: 23.106414)
        #expect(abs(d - 1_886_303.738635717) < 1e-6)
        #expect(abs(az - 189.7443237751355) < 1e-9)
    }

    @Test func directInvertsInverse() {
        let g = Geodesic.cgcs2000
        let p = g.direct(lon: 113.3190, lat: 23.1214, bearing: 37, distance: 3000)
        let (d, az) = g.inverse(lon1: 113.3190, lat1: 23.1214, lon2: p.lon, lat2: p.lat)
        #expect(abs(d - 3000) < 1e-6)
        #expect(abs(az - 37) < 1e-9)
    }

    @Test func distanceToPolygonIsZeroInside() throws {
        try GEOSContextPool.shared.withContext { ctx in
            let square = try ctx.read(wkt: "POLYGON((113.31 23.12, 113.33 23.12, 113.33 23.13, 113.31 23.13, 113.31 23.12))")
            #expect(try Geodesic.cgcs2000.distance(lon: 113.32, lat: 23.125, to: square).distance == 0)
            let outside = try Geodesic.cgcs2000.distance(lon: 113.32, lat: 23.14, to: square)
            let direct = Geodesic.cgcs2000.inverse(lon1: 113.32, lat1: 23.14, lon2: 113.32, lat2: 23.13)
            #expect(abs(outside.distance - direct.distance) < 0.01)
            #expect(abs(outside.bearing - 180) < 1e-6)
        }
    }
}

@Suite struct GeoJSONWriterTests {
    @Test func fixedPointNumbers() {
        let w = GeoJSONGeometryWriter(decimals: 8)
        func text(_ d: Double) -> String { var b: [UInt8] = []; w.number(d, &b); return String(decoding: b, as: UTF8.self) }
        #expect(text(113.319) == "113.319")
        #expect(text(-0.5) == "-0.5")
        #expect(text(0) == "0")
        #expect(text(23.12345678) == "23.12345678")
        #expect(text(23.123456789) == "23.12345679")
        #expect(text(-179.99999999) == "-179.99999999")
        #expect(text(0.00000001) == "0.00000001")
        #expect(text(2558049.57637734) == "2558049.57637734")
    }

    /// The writer's output reads back (through GEOS's own GeoJSON reader) as the same geometry.
    @Test func roundTripsThroughGEOS() throws {
        try GEOSContextPool.shared.withContext { ctx in
            for wkt in ["POINT (113.3190 23.1214)", "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2)), ((20 20, 21 20, 21 21, 20 20)))",
                        "LINESTRING (113.1 23.2, 113.3 23.4)", "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))", "MULTIPOINT ((1 2), (3 4))"] {
                let g = try ctx.read(wkt: wkt)
                var reader = GeoJSONGeometryReader()
                let back = try reader.read(try JSONValue.parse(g.geoJSON), context: ctx)
                #expect(back.equalsExact(g, tolerance: 1e-9), "\(wkt) → \(g.geoJSON)")
            }
        }
    }
}
