import Foundation
import GRDB
import GRDBSQLite
import GeoCore

public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The SpatiaLite file: a GRDB pool (WAL: one writer, concurrent readers that
/// never wait for an import), mod_spatialite loaded into every connection.
public final class SpatialStore: Sendable {
    public let path: String
    let pool: DatabasePool

    public init(path: String, readers: Int = 4) throws {
        self.path = path
        var config = Configuration()
        config.maximumReaderCount = readers
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try SpatialStore.loadSpatiaLite(db)
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456")
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError("cannot open \(path): \(error)")
        }
        try migrate()
    }

    static func loadSpatiaLite(_ db: Database) throws {
        guard let conn = db.sqliteConnection else { throw StoreError("no SQLite connection") }
        sqlite3_enable_load_extension(conn, 1)
        defer { sqlite3_enable_load_extension(conn, 0) }
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_load_extension(conn, "mod_spatialite", nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw StoreError("cannot load mod_spatialite (install libsqlite3-mod-spatialite): \(msg)")
        }
    }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: spatial metadata and layer catalogue") { db in
            // 0: no transaction of its own (the migrator's is used).
            let ok = try Int.fetchOne(db, sql: "SELECT InitSpatialMetadata(0)") ?? 0
            guard ok == 1 else { throw StoreError("InitSpatialMetadata failed") }
            try db.execute(sql: """
                CREATE TABLE onemap_layers (
                    id TEXT PRIMARY KEY NOT NULL,
                    title TEXT NOT NULL,
                    description TEXT,
                    kind TEXT NOT NULL DEFAULT 'thematic',
                    geometry_type TEXT NOT NULL DEFAULT 'Geometry',
                    access TEXT NOT NULL DEFAULT 'public',
                    owner TEXT,
                    minzoom INTEGER NOT NULL DEFAULT 0,
                    maxzoom INTEGER NOT NULL DEFAULT 16,
                    fields TEXT NOT NULL DEFAULT '[]',
                    attribution TEXT,
                    name_field TEXT,
                    code_field TEXT,
                    feature_count INTEGER NOT NULL DEFAULT 0,
                    min_x REAL, min_y REAL, max_x REAL, max_y REAL,
                    data_version INTEGER NOT NULL DEFAULT 0,
                    updated TEXT NOT NULL,
                    draw_order INTEGER NOT NULL DEFAULT 0
                )
                """)
        }
        migrator.registerMigration("v2: administrative units by 12-digit code") { db in
            try AdminUnitsTable.create(db)
            // A database made before this table: its areas from the boundary layer now
            // (street/town units come with `onemap build-sample` or reloadAdminUnits).
            _ = try AdminUnitsLoader.load(db, boundaryLayer: "admin", streets: nil)
        }
        migrator.registerMigration("v3: search index") { db in
            try SearchIndexTable.create(db)
            for layer in try SpatialStore.layers(db) where try LayerTable.exists(layer.id, db) {
                try SearchIndexTable.reindex(layer, db)
            }
        }
        try migrator.migrate(pool)
    }

    /// Runs a read on a pooled reader connection, off the caller's thread.
    public func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    public func readSync<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// One write transaction: all of it or nothing.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.write(body)
    }
}
