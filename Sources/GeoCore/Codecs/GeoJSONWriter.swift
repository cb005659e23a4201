/// Writes geometries as RFC 7946 GeoJSON straight from their coordinates into a
/// byte buffer, numbers in fixed precision by integer arithmetic. (GEOS's own writer
/// goes through a generic JSON library and shortest-round-trip number printing:
/// several times slower on the items hot path.)
public struct GeoJSONGeometryWriter {
    /// Decimals: 8 for degrees (≈ 1 mm), 4 for metres.
    public let decimals: Int
    private let scale: Double

    public init(decimals: Int) {
        self.decimals = max(0, min(12, decimals))
        var s = 1.0
        for _ in 0..<self.decimals { s *= 10 }
        scale = s
    }

    public func string(_ g: Geometry) -> String {
        var out: [UInt8] = []
        write(g, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func write(_ g: Geometry, to out: inout [UInt8]) {
        do {
            try writeGeometry(g, &out)
        } catch {
            out.append(contentsOf: g.context.geoJSON(g).utf8)
        }
    }

    private func writeGeometry(_ g: Geometry, _ out: inout [UInt8]) throws {
        switch g.kind {
        case .point:
            out.append(contentsOf: #"{"type":"Point","coordinates":"#.utf8)
            if g.isEmpty { out.append(contentsOf: "[]".utf8) } else { position(try g.coordinates(), 0, &out) }
        case .lineString, .linearRing:
            out.append(contentsOf: #"{"type":"LineString","coordinates":"#.utf8)
            line(try g.coordinates(), &out)
        case .polygon:
            out.append(contentsOf: #"{"type":"Polygon","coordinates":"#.utf8)
            try polygon(g, &out)
        case .multiPoint, .multiLineString, .multiPolygon:
            out.append(contentsOf: "{\"type\":\"\(g.kind.name)\",\"coordinates\":[".utf8)
            for i in 0..<g.numGeometries {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                let part = try g.geometry(at: i)
                switch part.kind {
                case .point: position(try part.coordinates(), 0, &out)
                case .polygon: try polygon(part, &out)
                default: line(try part.coordinates(), &out)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .geometryCollection:
            out.append(contentsOf: #"{"type":"GeometryCollection","geometries":["#.utf8)
            for i in 0..<g.numGeometries {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try writeGeometry(try g.geometry(at: i), &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    private func polygon(_ g: Geometry, _ out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "["))
        if !g.isEmpty {
            for (i, ring) in try g.rings().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                line(ring, &out)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    private func line(_ xy: [Double], _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        var i = 0
        while i + 1 < xy.count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            position(xy, i, &out)
            i += 2
        }
        out.append(UInt8(ascii: "]"))
    }

    @inline(__always)
    private func position(_ xy: [Double], _ i: Int, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        number(xy[i], &out)
        out.append(UInt8(ascii: ","))
        number(xy[i + 1], &out)
        out.append(UInt8(ascii: "]"))
    }

    /// Fixed-point text with trailing zeros trimmed ("113.3190000" → "113.319").
    @inline(__always)
    func number(_ d: Double, _ out: inout [UInt8]) {
        let scaled = (d * scale).rounded()
        guard d.isFinite, abs(scaled) < 9e17 else {
            out.append(contentsOf: (d.isFinite ? d.description : "null").utf8)
            return
        }
        var v = Int64(scaled)
        if v < 0 { out.append(UInt8(ascii: "-")); v = -v }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[n] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                v /= 10
                n += 1
            } while v > 0 || n <= decimals
            // buf holds the digits in reverse; the last `decimals` written first are the fraction.
            var fracEnd = 0
            while fracEnd < decimals && buf[fracEnd] == 48 { fracEnd += 1 }  // trailing zeros
            var k = n - 1
            while k >= decimals { out.append(buf[k]); k -= 1 }
            if fracEnd < decimals {
                out.append(UInt8(ascii: "."))
                var j = decimals - 1
                while j >= fracEnd { out.append(buf[j]); j -= 1 }
            }
        }
    }
}

extension Geometry {
    /// GeoJSON text in degrees (8 decimals).
    public var geoJSON: String { GeoJSONGeometryWriter(decimals: 8).string(self) }
}
