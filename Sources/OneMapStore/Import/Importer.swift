import Foundation
import GRDB
import GeoCore

public struct ImportOptions: Sendable {
    public var layer: String
    public var title: String?
    public var kind: LayerKind?
    /// The CRS of the input's coordinates; nil: what the file declares, else CRS84.
    public var crs: CRS?
    public var format: InputFormat?
    public var lonField: String?
    public var latField: String?
    public var nameField = "name"
    public var codeField = "code"
    /// Add to the layer instead of replacing its features.
    public var append = false
    /// Fail the whole import when any feature is rejected.
    public var strict = false
    public var minzoom: Int?
    public var maxzoom: Int?
    public var attribution: String?
    public var drawOrder: Int?
    public var access: AccessLevel?
    public var owner: String?
    /// Input captured on a Chinese consumer basemap (GCJ-02 or BD-09): converted to WGS84/CGCS2000.
    public var chineseOffset: ChineseCoordinateSystem?

    public init(layer: String) { self.layer = layer }
}

public struct Rejection: Sendable {
    public let index: Int
    public let reason: String
}

public struct ImportReport: Sendable {
    public var imported = 0
    public var repaired = 0
    public var rejected: [Rejection] = []
    public var layer: LayerInfo?
}

/// Imports a file into a layer in one transaction: a failure leaves the layer as it was.
public struct Importer {
    let store: SpatialStore

    public init(store: SpatialStore) { self.store = store }

    public func run(path: String, options: ImportOptions, progress: ((Int) -> Void)? = nil) throws -> ImportReport {
        guard LayerInfo.isValidID(options.layer) else {
            throw StoreError("invalid layer id \"\(options.layer)\": use lower-case letters, digits and _ (start with a letter, ≤ 63)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else { throw StoreError("cannot read \(path)") }
        if let crs = options.crs {
            guard PROJContextPool.shared.withContext({ $0.knows(crs) }) else {
                throw StoreError("unknown CRS \(crs): PROJ does not know it")
            }
        }
        var tempFile: String?
        defer { if let tempFile { try? FileManager.default.removeItem(atPath: tempFile) } }
        var source: any FeatureSource
        var crsOverride = options.crs
        switch options.format ?? InputFormat.guess(path: path) {
        case .geojson: source = try GeoJSONSource(path: path)
        case .geojsonseq: source = try GeoJSONSeqSource(path: path)
        case .csv: source = try CSVSource(path: path, lonField: options.lonField, latField: options.latField)
        case .ogr:
            let converted = try OGRConverter.toGeoJSONSeq(path: path, sourceCRS: options.crs)
            tempFile = converted
            source = try GeoJSONSeqSource(path: converted)
            crsOverride = .crs84  // ogr2ogr already reprojected
        }
        let inputCRS = crsOverride ?? source.declaredCRS ?? .crs84
        return try store.write { db in
            try load(&source, crs: inputCRS, options: options, db: db, progress: progress)
        }
    }

    private func load(_ source: inout any FeatureSource, crs: CRS, options: ImportOptions, db: Database,
                      progress: ((Int) -> Void)?) throws -> ImportReport {
        var info = try SpatialStore.layer(options.layer, db) ?? LayerInfo(id: options.layer, title: options.title ?? options.layer)
        if try !LayerTable.exists(options.layer, db) {
            try LayerTable.create(options.layer, db)
        } else if !options.append {
            try db.execute(sql: #"DELETE FROM "\#(info.table)""#)
        }
        let insert = try db.makeStatement(sql: """
            INSERT INTO "\(info.table)" (geom, name, code, properties, valid_from, valid_to, updated)
            VALUES (GeomFromWKB(?, 4490), ?, ?, ?, ?, ?, ?)
            """)
        let now = LayerInfo.now()
        var report = ImportReport()
        var fields = FieldCollector(existing: options.append ? info.fields : [])
        var kinds = Set<GeometryKind>()
        let needsTransform = !(crs.isGeographicLonLat)

        try GEOSContextPool.shared.withContext { ctx in
            try PROJContextPool.shared.withContext { proj in
                let transformer = needsTransform ? try proj.transformer(from: crs, to: .storage) : nil
                var seen = 0
                while let item = try source.next() {
                    seen += 1
                    if seen % 10_000 == 0 { progress?(seen) }
                    let raw: RawFeature
                    switch item {
                    case .unreadable(let index, let reason):
                        report.rejected.append(Rejection(index: index, reason: reason))
                        continue
                    case .feature(let f): raw = f
                    }
                    do {
                        let (geometry, repaired) = try prepareGeometry(raw, ctx: ctx, transformer: transformer, crs: crs, offset: options.chineseOffset)
                        if repaired { report.repaired += 1 }
                        kinds.insert(geometry.kind)
                        fields.add(raw.properties)
                        let props = JSONValue.object(raw.properties)
                        try insert.execute(arguments: [
                            Data(geometry.wkb),
                            Self.text(props[options.nameField]),
                            Self.text(props[options.codeField]) ?? Self.text(raw.id),
                            props.text,
                            Self.text(props["valid_from"]),
                            Self.text(props["valid_to"]),
                            now,
                        ])
                        report.imported += 1
                    } catch let e as GeometryError {
                        report.rejected.append(Rejection(index: raw.index, reason: e.message))
                    }
                }
            }
        }
        if options.strict, let first = report.rejected.first {
            throw StoreError("\(report.rejected.count) feature(s) rejected with --strict; first: feature \(first.index): \(first.reason)")
        }
        if report.imported == 0 && !report.rejected.isEmpty {
            let first = report.rejected[0]
            throw StoreError("every feature was rejected (\(report.rejected.count)); first: feature \(first.index): \(first.reason)")
        }

        if let t = options.title { info.title = t }
        if let k = options.kind { info.kind = k }
        if let z = options.minzoom { info.minzoom = z }
        if let z = options.maxzoom { info.maxzoom = z }
        if let a = options.attribution { info.attribution = a }
        if let o = options.drawOrder { info.drawOrder = o }
        if let a = options.access { info.access = a }
        if let o = options.owner { info.owner = o }
        info.nameField = options.nameField
        info.codeField = options.codeField
        info.fields = fields.fields
        let previousKind = options.append && info.featureCount > 0 ? info.geometryType : nil
        info.geometryType = Self.summarize(kinds, previous: previousKind)
        try LayerTable.recordChange(&info, db)
        try SearchIndexTable.reindex(info, db)
        report.layer = info
        return report
    }

    /// Reads, reprojects, range-checks and repairs one geometry.
    private func prepareGeometry(_ raw: RawFeature, ctx: GEOSContext, transformer: CRSTransformer?, crs: CRS,
                                 offset: ChineseCoordinateSystem?) throws -> (Geometry, Bool) {
        guard let json = raw.geometry, !json.isNull else { throw GeometryError("feature has no geometry") }
        var reader = GeoJSONGeometryReader()
        var g = try reader.read(json, context: ctx)
        var repaired = reader.closedRings > 0
        if g.isEmpty { throw GeometryError("geometry is empty") }
        if let transformer { g = try transformer.transform(g, verify: true) }
        if let offset { g = try g.converted(from: offset, to: .wgs84) }
        let b = g.bbox
        guard b.minX >= -180, b.maxX <= 180, b.minY >= -90, b.maxY <= 90 else {
            throw GeometryError("coordinates out of range for \(crs == .crs84 ? "longitude/latitude" : "EPSG:4490 after converting from \(crs)") (x \(b.minX)…\(b.maxX), y \(b.minY)…\(b.maxY)); is --crs right?")
        }
        if !g.isValid {
            let reason = g.invalidReason ?? "invalid"
            let fixed = try g.makeValid()
            if fixed.isEmpty || (g.kind.dimension != nil && fixed.kind.dimension == nil && fixed.numGeometries == 0) {
                throw GeometryError("invalid geometry that cannot be repaired: \(reason)")
            }
            g = fixed
            repaired = true
        }
        g.srid = 4490
        return (g, repaired)
    }

    public static func text(_ v: JSONValue?) -> String? {
        switch v {
        case .string(let s)?: s
        case .int(let i)?: String(i)
        case .double(let d)?: JSONValue.format(d)
        case .bool(let b)?: b ? "true" : "false"
        default: nil
        }
    }

    static func summarize(_ kinds: Set<GeometryKind>, previous: String?) -> String {
        var names = Set(kinds.map(\.name))
        if let previous { names.insert(previous) }
        if names.count == 1 { return names.first! }
        if names == ["Polygon", "MultiPolygon"] { return "MultiPolygon" }
        if names == ["LineString", "MultiLineString"] { return "MultiLineString" }
        if names == ["Point", "MultiPoint"] { return "MultiPoint" }
        return "Geometry"
    }
}

/// Infers the attribute schema from the values seen.
struct FieldCollector {
    private var order: [String] = []
    private var types: [String: String] = [:]

    init(existing: [FieldInfo]) {
        for f in existing { order.append(f.name); types[f.name] = f.type }
    }

    mutating func add(_ props: [(String, JSONValue)]) {
        for (k, v) in props {
            let t = v.typeName
            guard let old = types[k] else {
                order.append(k)
                types[k] = t
                continue
            }
            if old == t || t == "null" { continue }
            if old == "null" { types[k] = t }
            else if (old == "integer" && t == "number") || (old == "number" && t == "integer") { types[k] = "number" }
            else { types[k] = "string" }
        }
    }

    var fields: [FieldInfo] { order.map { FieldInfo(name: $0, type: types[$0] == "null" ? "string" : types[$0]!) } }
}

/// Converts formats we do not read ourselves (Shapefile, GeoPackage, OSM, KML…) with GDAL.
enum OGRConverter {
    static func toGeoJSONSeq(path: String, sourceCRS: CRS?) throws -> String {
        guard let ogr = ["/usr/bin/ogr2ogr", "/usr/local/bin/ogr2ogr"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw StoreError("\(path): not GeoJSON, a GeoJSON sequence or CSV, and GDAL's ogr2ogr is not installed (apt-get install gdal-bin)")
        }
        let out = NSTemporaryDirectory() + "onemap-import-\(UUID().uuidString).geojsonl"
        var args = ["-f", "GeoJSONSeq", out, path, "-t_srs", "EPSG:4326", "-lco", "RS=NO", "-skipfailures"]
        if let sourceCRS { args += ["-s_srs", sourceCRS.description] }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ogr)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: out)
            throw StoreError("ogr2ogr could not read \(path): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return out
    }
}
