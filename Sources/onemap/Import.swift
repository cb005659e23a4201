import ArgumentParser
import Foundation
import GeoCore
import OneMapStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import GeoJSON, GeoJSON sequences or CSV (others through GDAL's ogr2ogr) into a layer.",
        discussion: """
            The import is one transaction: if it fails, the layer is left as it was. Invalid geometries
            are repaired (and counted); features that cannot be read or repaired are rejected and listed
            on stderr as `feature INDEX: REASON` (0-based), unless --strict makes any rejection fatal.
            """)

    @Argument(help: "The file to import.") var file: String
    @Option(help: "Layer id (lower-case letters, digits, _).") var layer: String
    @Option(help: "SpatiaLite database (created when missing); default: the sample database.") var db: String?
    @Option(help: "Layer kind: base, emergency, grid, poi, thematic.") var kind: String?
    @Option(help: "Layer title.") var title: String?
    @Option(help: "CRS of the input coordinates, e.g. EPSG:4547, or gcj02 / bd09 for lon/lat captured on Chinese consumer basemaps; default: the file's own, else CRS84 (lon/lat).") var crs: String?
    @Option(help: "Input format: geojson, geojsonseq, csv; default: from the file name.") var format: String?
    @Option(help: "CSV longitude column.") var lonField: String?
    @Option(help: "CSV latitude column.") var latField: String?
    @Option(help: "Property holding the feature's name.") var nameField = "name"
    @Option(help: "Property holding the feature's code (else the GeoJSON id).") var codeField = "code"
    @Option(help: "Lowest zoom at which the layer is put in tiles.") var minzoom: Int?
    @Option(help: "Zoom from which clients over-zoom the layer's tiles.") var maxzoom: Int?
    @Option(help: "Who may read the layer: public, internal, restricted.") var access: String?
    @Option(help: "Owning department (its keys may read and write the layer).") var owner: String?
    @Flag(help: "Add to the layer instead of replacing its features.") var append = false
    @Flag(help: "Fail the whole import if any feature is rejected.") var strict = false

    func run() throws {
        var o = ImportOptions(layer: layer)
        o.title = title
        if let kind {
            guard let k = LayerKind(rawValue: kind) else {
                throw ValidationError("--kind must be one of \(LayerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            o.kind = k
        }
        if let crs {
            if let offset = ChineseCoordinateSystem(rawValue: crs.lowercased()), offset == .gcj02 || offset == .bd09 {
                o.chineseOffset = offset  // lon/lat on a Chinese consumer basemap
            } else {
                guard let c = CRS(parsing: crs) else { throw ValidationError("--crs \(crs): expected EPSG:n, CRS84, an OGC CRS URI, gcj02 or bd09") }
                o.crs = c
            }
        }
        if let format {
            guard let f = InputFormat(rawValue: format), f != .ogr else { throw ValidationError("--format must be geojson, geojsonseq or csv") }
            o.format = f
        }
        o.lonField = lonField
        o.latField = latField
        o.nameField = nameField
        o.codeField = codeField
        o.minzoom = minzoom
        o.maxzoom = maxzoom
        if let access {
            guard let a = AccessLevel(rawValue: access) else { throw ValidationError("--access must be public, internal or restricted") }
            o.access = a
        }
        o.owner = owner
        o.append = append
        o.strict = strict
        if let z = minzoom, !(0...24).contains(z) { throw ValidationError("--minzoom must be 0…24") }
        if let z = maxzoom, !(0...24).contains(z) { throw ValidationError("--maxzoom must be 0…24") }

        let path = db ?? Resources.defaultSampleDB
        let isTTY = isatty(2) != 0
        do {
            let store = try SpatialStore(path: path)
            let report = try Importer(store: store).run(path: file, options: o) { n in
                if isTTY { printError("\u{1B}[1A\u{1B}[2K  \(n) features read…") } else { printError("  \(n) features read…") }
            }
            for r in report.rejected.prefix(1000) { printError("feature \(r.index): \(r.reason)") }
            if report.rejected.count > 1000 { printError("… and \(report.rejected.count - 1000) more rejected") }
            print("imported \(report.imported) features into \(layer): \(report.repaired) repaired, \(report.rejected.count) rejected")
        } catch let e as StoreError {
            printError("error: \(e.message)")
            throw ExitCode(1)
        }
    }
}
