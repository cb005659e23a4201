import Foundation
import GRDB
import GeoCore

/// One stored feature as read for tiles and queries. `wkb` is borrowed from the
/// statement: valid only inside the visiting closure.
public struct FeatureRow {
    public let fid: Int64
    public let wkb: UnsafeRawBufferPointer
    public let name: String?
    public let code: String?
    /// The feature's properties as JSON object text.
    public let properties: String?
}

/// Reads features of layers; what the services see of a store, so that a
/// PostGIS store can be added beside SpatiaLite without touching them.
public protocol FeatureReader {
    /// Visits every feature of `layer` whose bounding box intersects `bbox` (EPSG:4490): for tiles.
    func features(of layer: LayerInfo, intersecting bbox: BBox, _ visit: (FeatureRow) throws -> Void) throws
    /// Visits the features a query selects, in its order and page.
    func items(of layer: LayerInfo, _ query: FeatureQuery, _ visit: (FeatureItem) throws -> Void) throws
    /// How many features the query matches, ignoring its page.
    func count(of layer: LayerInfo, _ query: FeatureQuery) throws -> Int
}

public protocol FeatureStore: Sendable {
    func layers() throws -> [LayerInfo]
    func dataVersions() throws -> [String: Int]
    /// Runs `body` with a reader bound to one consistent snapshot, off the caller's thread.
    func withReader<T: Sendable>(_ body: @Sendable @escaping (any FeatureReader) throws -> T) async throws -> T
}

/// SpatiaLite reader on one pooled connection.
struct SpatiaLiteReader: FeatureReader {
    let db: Database

    func features(of layer: LayerInfo, intersecting bbox: BBox, _ visit: (FeatureRow) throws -> Void) throws {
        let t = layer.table
        // The R*Tree is queried directly (SpatiaLite's idx_<table>_geom), then rows by rowid.
        let stmt = try db.cachedStatement(sql: """
            SELECT t.fid, AsBinary(t.geom), t.name, t.code, t.properties FROM "\(t)" AS t
            WHERE t.fid IN (SELECT pkid FROM "idx_\(t)_geom" WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)
            """)
        let rows = try Row.fetchCursor(stmt, arguments: [bbox.maxX, bbox.minX, bbox.maxY, bbox.minY])
        while let row = try rows.next() {
            try row.withUnsafeData(atIndex: 1) { data in
                guard let data else { return }
                try data.withUnsafeBytes { wkb in
                    try visit(FeatureRow(fid: row[0], wkb: wkb, name: row[2], code: row[3], properties: row[4]))
                }
            }
        }
    }
}

extension SpatialStore: FeatureStore {
    public func withReader<T: Sendable>(_ body: @Sendable @escaping (any FeatureReader) throws -> T) async throws -> T {
        try await read { db in try body(SpatiaLiteReader(db: db)) }
    }
}

enum LayerTable {
    /// Creates the feature table of a layer with its geometry column and R*Tree.
    static func create(_ id: String, _ db: Database) throws {
        let t = LayerInfo.table(for: id)
        try db.execute(sql: """
            CREATE TABLE "\(t)" (
                fid INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT,
                code TEXT,
                properties TEXT NOT NULL DEFAULT '{}',
                valid_from TEXT,
                valid_to TEXT,
                updated TEXT NOT NULL
            )
            """)
        let added = try Int.fetchOne(db, sql: "SELECT AddGeometryColumn(?, 'geom', 4490, 'GEOMETRY', 'XY', 1)", arguments: [t]) ?? 0
        guard added == 1 else { throw StoreError("AddGeometryColumn failed for \(t)") }
        let indexed = try Int.fetchOne(db, sql: "SELECT CreateSpatialIndex(?, 'geom')", arguments: [t]) ?? 0
        guard indexed == 1 else { throw StoreError("CreateSpatialIndex failed for \(t)") }
        try db.execute(sql: #"CREATE INDEX "\#(t)_code" ON "\#(t)"(code)"#)
    }

    /// After a change to a layer's features: its count and bounds anew, the next
    /// data version (so tile caches keyed by it move on) and the time; saved.
    static func recordChange(_ info: inout LayerInfo, _ db: Database) throws {
        info.featureCount = try Int.fetchOne(db, sql: #"SELECT count(*) FROM "\#(info.table)""#) ?? 0
        if let row = try Row.fetchOne(db, sql: #"SELECT min(xmin), min(ymin), max(xmax), max(ymax) FROM "idx_\#(info.table)_geom""#),
           let minX: Double = row[0], let minY: Double = row[1], let maxX: Double = row[2], let maxY: Double = row[3] {
            info.bounds = BBox(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
        } else {
            info.bounds = nil
        }
        info.dataVersion += 1
        info.updated = LayerInfo.now()
        try info.save(db)
    }

    static func exists(_ id: String, _ db: Database) throws -> Bool {
        try db.tableExists(LayerInfo.table(for: id))
    }
}
