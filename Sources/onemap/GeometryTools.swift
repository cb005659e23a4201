import ArgumentParser
import Foundation
import GeoCore

/// `onemap transform`: coordinates through PROJ, as the server converts them.
struct Transform: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Transform coordinates between CRSs (stdin lines \"x y\", lon/lat order for geographic CRSs).")

    @Option(help: "Source CRS, e.g. EPSG:4490.") var from: String
    @Option(help: "Target CRS, e.g. EPSG:3857.") var to: String

    func run() throws {
        guard let src = CRS(parsing: from) else { throw ValidationError("--from \(from): expected EPSG:n or CRS84") }
        guard let dst = CRS(parsing: to) else { throw ValidationError("--to \(to): expected EPSG:n or CRS84") }
        var failed = false
        try PROJContextPool.shared.withContext { ctx in
            let t: CRSTransformer
            do { t = try ctx.transformer(from: src, to: dst) } catch let e as GeometryError {
                printError("error: \(e.message)")
                throw ExitCode(1)
            }
            while let line = readLine() {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" })
                guard parts.count >= 2, let x = Double(parts[0]), let y = Double(parts[1]) else {
                    if !line.trimmingCharacters(in: .whitespaces).isEmpty { printError("error: not \"x y\": \(line)"); failed = true }
                    continue
                }
                do {
                    let (ox, oy) = try t.transform(x: x, y: y)
                    print(String(format: "%.10f %.10f", ox, oy))
                } catch {
                    printError("error: \(x) \(y): outside the domain of the transformation")
                    print("inf inf")
                    failed = true
                }
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `onemap geometry`: GEOS operations on WKT, as the server applies them.
struct GeometryTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geometry",
        abstract: "Geometry operations on one WKT read from stdin: makevalid, isvalid, clip, simplify.")

    enum Op: String, ExpressibleByArgument, CaseIterable { case makevalid, isvalid, clip, simplify }

    @Argument(help: "makevalid | isvalid | clip | simplify") var op: Op
    @Option(help: "Clip rectangle minx,miny,maxx,maxy.") var bbox: String?
    @Option(help: "Simplification tolerance.") var tolerance: Double?

    func run() throws {
        let wkt = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        do {
            let out: String = try GEOSContextPool.shared.withContext { ctx in
                let g = try ctx.read(wkt: wkt)
                switch op {
                case .isvalid:
                    return g.invalidReason.map { "false: \($0)" } ?? "true"
                case .makevalid:
                    return try g.makeValid().wkt
                case .clip:
                    let v = (bbox ?? "").split(separator: ",").compactMap { Double($0) }
                    guard v.count == 4, v[0] < v[2], v[1] < v[3] else { throw ValidationError("--bbox minx,miny,maxx,maxy with min < max") }
                    return try g.clip(to: BBox(minX: v[0], minY: v[1], maxX: v[2], maxY: v[3])).wkt
                case .simplify:
                    guard let t = tolerance, t >= 0 else { throw ValidationError("--tolerance must be ≥ 0") }
                    return try g.simplify(tolerance: t).wkt
                }
            }
            print(out)
        } catch let e as GeometryError {
            printError("error: \(e.message)")
            throw ExitCode(1)
        }
    }
}
