import Foundation
import GRDB
import GeoCore

/// One searchable feature: its name, address, pinyin and a representative point.
public struct SearchEntry: Sendable, Equatable {
    public var layer: String
    public var fid: Int64
    /// The feature's name, or its address when it has no name.
    public var name: String
    public var address: String?
    public var street: String?
    public var housenumber: String?
    public var category: String?
    /// 6-digit county-level code of the district containing the point, when known.
    public var adminCode: String?
    /// CGCS2000 representative point (on the surface of polygons, on lines).
    public var lon: Double
    public var lat: Double
    /// SpatiaLite's geometry type name, e.g. POINT, LINESTRING, MULTIPOLYGON.
    public var geometryType: String
    /// Pinyin syllables and initials, space-separated.
    public var pinyin: String
    public var initials: String

    public var isLine: Bool { geometryType.contains("LINESTRING") }
}

/// Which indexed text a phrase must match.
public enum SearchField: String, Sendable {
    case name, address, pinyin, initials
}

/// A full-text condition, built from tokens, never from raw query text: the store
/// quotes every token, so FTS5 syntax in a user's query (`"`, `*`, NEAR, OR) is
/// only ever searched for, never obeyed.
public indirect enum SearchMatch: Sendable {
    /// The tokens in this order, adjacent; the last one may be a prefix.
    case phrase(SearchField, [String], prefix: Bool)
    case all([SearchMatch])
    case any([SearchMatch])
    /// Letters anywhere in the name's pinyin run together (COCO Park, B座: no
    /// syllable split needed); at least 3 letters (trigram index).
    case pinyinSubstring(String)

    /// FTS5 query text.
    var fts: String {
        switch self {
        case let .phrase(field, tokens, prefix):
            let quoted = "\"" + tokens.joined(separator: " ").replacingOccurrences(of: "\"", with: "\"\"") + "\""
            return "\(field.rawValue) : \(quoted)\(prefix ? " *" : "")"
        case .all(let parts): return "(" + parts.map(\.fts).joined(separator: " AND ") + ")"
        case .any(let parts): return "(" + parts.map(\.fts).joined(separator: " OR ") + ")"
        case .pinyinSubstring(let letters): return "\"" + letters.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    /// The FTS5 table this match runs on.
    var table: String {
        if case .pinyinSubstring = self { "search_pinyin_fts" } else { "search_fts" }
    }
}

/// Conditions applied with the text match, inside the SQL.
public struct SearchFilter: Sendable {
    /// Only these layers (the caller's readable ones, narrowed by `layer=`); never empty.
    public var layers: [String]
    public var categories: [String] = []
    /// CGCS2000 degrees.
    public var bbox: BBox?
    /// Significant digits of an admin code: 44, 4401, 440106.
    public var adminPrefix: String?
    public init(layers: [String]) { self.layers = layers }
}

/// Lookups over the search index; a PostGIS store would implement the same.
public protocol SearchStore: Sendable {
    /// For each match, the entries matching it and `filter`, best full-text rank first
    /// (one round trip for all of them).
    func searchCandidates(_ matches: [SearchMatch], filter: SearchFilter, limit: Int) async throws -> [[SearchEntry]]
    /// Entries whose name equals `name` exactly (after `SearchText.key`), in the given layers.
    func entries(named name: String, layers: [String], adminPrefix: String?, limit: Int) async throws -> [SearchEntry]
    /// Address points on a street (exact normalised street name), optionally with this house number.
    func addressEntries(street: String, housenumber: String?, layers: [String], adminPrefix: String?, limit: Int) async throws -> [SearchEntry]
}

/// The index tables: `search_entries` (one row per searchable feature) and the
/// FTS5 table `search_fts` over its name, address, pinyin and initials, kept in
/// step by import and by every write, so a new layer is searchable at once.
enum SearchIndexTable {
    /// Layer whose county-level polygons give each entry its admin code.
    static let boundaryLayer = "admin"

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE search_entries (
                id INTEGER PRIMARY KEY,
                layer TEXT NOT NULL,
                fid INTEGER NOT NULL,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL,
                address TEXT,
                street TEXT,
                street_key TEXT,
                housenumber TEXT,
                category TEXT,
                admin_code TEXT,
                lon REAL NOT NULL,
                lat REAL NOT NULL,
                geometry_type TEXT NOT NULL,
                pinyin TEXT NOT NULL,
                initials TEXT NOT NULL,
                UNIQUE (layer, fid)
            );
            CREATE INDEX search_entries_name ON search_entries(name_key);
            CREATE INDEX search_entries_street ON search_entries(street_key, housenumber);
            CREATE VIRTUAL TABLE search_fts USING fts5(name, address, pinyin, initials,
                tokenize = 'unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE search_pinyin_fts USING fts5(pinyin_key, tokenize = 'trigram');
            """)
    }

    /// Indexes every feature of a layer afresh (after an import).
    static func reindex(_ layer: LayerInfo, _ db: Database) throws {
        try remove(layer: layer.id, db)
        try index(layer, fid: nil, db)
        if layer.id == boundaryLayer { try refreshAdminCodes(db) }
        // Each bulk load leaves FTS5 segments behind, and every query reads every
        // segment: merge them into one after a whole layer (twice as fast searches
        // on the sample). Single-feature writes leave it to FTS5's automerge.
        try db.execute(sql: "INSERT INTO search_fts(search_fts) VALUES('optimize')")
        try db.execute(sql: "INSERT INTO search_pinyin_fts(search_pinyin_fts) VALUES('optimize')")
    }

    /// Indexes one feature afresh (after a write); a deleted feature just drops out.
    static func reindex(_ layer: LayerInfo, fid: Int64, _ db: Database) throws {
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM search_entries WHERE layer = ? AND fid = ?", arguments: [layer.id, fid])
        try delete(ids, db)
        try index(layer, fid: fid, db)
        if layer.id == boundaryLayer { try refreshAdminCodes(db) }
    }

    static func remove(layer: String, _ db: Database) throws {
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM search_entries WHERE layer = ?", arguments: [layer])
        try delete(ids, db)
    }

    private static func delete(_ ids: [Int64], _ db: Database) throws {
        let fts = try db.makeStatement(sql: "DELETE FROM search_fts WHERE rowid = ?")
        let pinyinFTS = try db.makeStatement(sql: "DELETE FROM search_pinyin_fts WHERE rowid = ?")
        let entry = try db.makeStatement(sql: "DELETE FROM search_entries WHERE id = ?")
        for id in ids {
            try fts.execute(arguments: [id])
            try pinyinFTS.execute(arguments: [id])
            try entry.execute(arguments: [id])
        }
    }

    private static func index(_ layer: LayerInfo, fid: Int64?, _ db: Database) throws {
        let t = layer.table
        let rows = try Row.fetchCursor(db, sql: #"""
            SELECT fid, name, properties, X(p), Y(p), GeometryType(geom)
            FROM (SELECT fid, name, properties, geom, PointOnSurface(geom) AS p FROM "\#(t)"\#(fid == nil ? "" : " WHERE fid = ?"))
            WHERE p IS NOT NULL
            """#, arguments: fid.map { [$0] } ?? [])
        let admin = try AdminCodeLookup(db, bulk: fid == nil)
        let insert = try db.makeStatement(sql: """
            INSERT INTO search_entries (layer, fid, name, name_key, address, street, street_key, housenumber, category,
                admin_code, lon, lat, geometry_type, pinyin, initials)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        let insertFTS = try db.makeStatement(sql: "INSERT INTO search_fts (rowid, name, address, pinyin, initials) VALUES (?,?,?,?,?)")
        let insertPinyinFTS = try db.makeStatement(sql: "INSERT INTO search_pinyin_fts (rowid, pinyin_key) VALUES (?,?)")
        while let row = try rows.next() {
            let props = (try? JSONValue.parse(row[2] as String? ?? "{}")) ?? .null
            // CSV and JSON give numbers as numbers: 299 is house number "299".
            let street = nonEmpty(Importer.text(props["addr_street"]))
            let number = nonEmpty(Importer.text(props["addr_housenumber"]))
            let address = nonEmpty(Importer.text(props["address"])) ?? street.map { $0 + (number.map(formatNumber) ?? "") }
            guard let name = nonEmpty(row[1] as String?) ?? address else { continue }
            let lon: Double = row[3], lat: Double = row[4]
            let reading = Pinyin.reading(of: name)
            let category = nonEmpty(Importer.text(props["category"])) ?? nonEmpty(Importer.text(props["kind"]))
            try insert.execute(arguments: [
                layer.id, row[0] as Int64, name, SearchText.key(name), address, street, street.map(SearchText.key), number.map(SearchText.key),
                category, try admin.code(lon: lon, lat: lat), lon, lat, (row[5] as String?) ?? "GEOMETRY",
                reading.tokens.joined(separator: " "), reading.initials.map(String.init).joined(separator: " "),
            ])
            let id = db.lastInsertedRowID
            try insertPinyinFTS.execute(arguments: [id, reading.full])
            try insertFTS.execute(arguments: [
                id,
                SearchText.tokens(name).joined(separator: " "),
                address.map { SearchText.tokens($0).joined(separator: " ") },
                reading.tokens.joined(separator: " "),
                reading.initials.map(String.init).joined(separator: " "),
            ])
        }
    }

    /// Every entry's admin code anew, after the boundary layer changed.
    static func refreshAdminCodes(_ db: Database) throws {
        let admin = try AdminCodeLookup(db, bulk: true)
        let update = try db.makeStatement(sql: "UPDATE search_entries SET admin_code = ? WHERE id = ?")
        let rows = try Row.fetchAll(db, sql: "SELECT id, lon, lat FROM search_entries")
        for row in rows {
            try update.execute(arguments: [try admin.code(lon: row[1], lat: row[2]), row[0] as Int64])
        }
    }

    /// OSM holds bare numbers ("85"); Chinese addresses write 85号.
    static func formatNumber(_ n: String) -> String {
        n.allSatisfy(\.isNumber) ? n + "号" : n
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let t = s?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
        return t
    }
}

/// The county-level unit containing a point, from the boundary layer's polygons:
/// prepared in memory for bulk work (a layer's whole index, 5× less time than SQL per
/// point), through SpatiaLite for one feature (preparing 122 outlines costs more).
private struct AdminCodeLookup {
    private let statement: Statement?
    private let prepared: (index: PreparedAreaIndex, codes: [String])?

    init(_ db: Database, bulk: Bool) throws {
        let t = LayerInfo.table(for: SearchIndexTable.boundaryLayer)
        guard try db.tableExists(t) else { statement = nil; prepared = nil; return }
        if bulk {
            let rows = try Row.fetchAll(db, sql: #"""
                SELECT code, AsBinary(geom) FROM "\#(t)"
                WHERE json_extract(properties, '$.level') = 'district' AND code IS NOT NULL AND geom IS NOT NULL
                """#)
            let wkbs = rows.compactMap { ($0[1] as Data?).map { [UInt8]($0) } }
            let codes = rows.compactMap { row in (row[1] as Data?).map { _ in row[0] as String } }
            prepared = (try PreparedAreaIndex(wkbs: wkbs), codes)
            statement = nil
        } else {
            prepared = nil
            statement = try db.makeStatement(sql: #"""
                SELECT code FROM "\#(t)" WHERE fid IN (SELECT pkid FROM "idx_\#(t)_geom"
                    WHERE xmin <= ?1 AND xmax >= ?1 AND ymin <= ?2 AND ymax >= ?2)
                  AND json_extract(properties, '$.level') = 'district'
                  AND ST_Intersects(geom, MakePoint(?1, ?2, 4490)) = 1
                LIMIT 1
                """#)
        }
    }

    func code(lon: Double, lat: Double) throws -> String? {
        if let prepared {
            // On a shared border the lower code, as SQL's first match would be arbitrary.
            return try prepared.index.areas(holding: lon, lat).map { prepared.codes[$0] }.min()
        }
        guard let statement else { return nil }
        return try String.fetchOne(statement, arguments: [lon, lat])
    }
}

extension SpatialStore: SearchStore {
    static let entryColumns = "e.layer, e.fid, e.name, e.address, e.street, e.housenumber, e.category, e.admin_code, e.lon, e.lat, e.geometry_type, e.pinyin, e.initials"

    static func entry(_ row: Row) -> SearchEntry {
        SearchEntry(layer: row[0], fid: row[1], name: row[2], address: row[3], street: row[4], housenumber: row[5],
                    category: row[6], adminCode: row[7], lon: row[8], lat: row[9], geometryType: row[10],
                    pinyin: row[11], initials: row[12])
    }

    /// `e.layer IN (…)` and the other filter conditions with their arguments.
    static func conditions(_ f: SearchFilter) -> (String, [(any DatabaseValueConvertible)?]) {
        var sql = "e.layer IN (" + f.layers.map { _ in "?" }.joined(separator: ",") + ")"
        var args: [(any DatabaseValueConvertible)?] = f.layers
        if !f.categories.isEmpty {
            sql += " AND e.category IN (" + f.categories.map { _ in "?" }.joined(separator: ",") + ")"
            args += f.categories as [(any DatabaseValueConvertible)?]
        }
        if let b = f.bbox {
            sql += " AND e.lon BETWEEN ? AND ? AND e.lat BETWEEN ? AND ?"
            args += [b.minX, b.maxX, b.minY, b.maxY]
        }
        if let p = f.adminPrefix {
            sql += " AND substr(e.admin_code, 1, ?) = ?"
            args += [p.count, p]
        }
        return (sql, args)
    }

    public func searchCandidates(_ matches: [SearchMatch], filter: SearchFilter, limit: Int) async throws -> [[SearchEntry]] {
        guard !filter.layers.isEmpty else { return matches.map { _ in [] } }
        let (cond, args) = Self.conditions(filter)
        // Ranking by bm25 costs as much as the match itself, and the caller ranks
        // anyway: ask unranked first, and only when more than `limit` match, again
        // best-ranked first so the cut keeps the likeliest.
        let queries = matches.map { m in
            (m.table, StatementArguments([m.fts] + args + [limit + 1]), StatementArguments([m.fts] + args + [limit]))
        }
        return try await read { db in
            try queries.map { table, unranked, ranked in
                let select = "SELECT \(Self.entryColumns) FROM \(table) f JOIN search_entries e ON e.id = f.rowid WHERE \(table) MATCH ? AND \(cond)"
                let rows = try Row.fetchAll(db.cachedStatement(sql: select + " LIMIT ?"), arguments: unranked)
                if rows.count <= limit { return rows.map(Self.entry) }
                return try Row.fetchAll(db.cachedStatement(sql: select + " ORDER BY f.rank LIMIT ?"), arguments: ranked).map(Self.entry)
            }
        }
    }

    public func entries(named name: String, layers: [String], adminPrefix: String?, limit: Int) async throws -> [SearchEntry] {
        guard !layers.isEmpty else { return [] }
        var filter = SearchFilter(layers: layers)
        filter.adminPrefix = adminPrefix
        let (cond, args) = Self.conditions(filter)
        let sql = "SELECT \(Self.entryColumns) FROM search_entries e WHERE e.name_key = ? AND \(cond) ORDER BY e.id LIMIT ?"
        let arguments = StatementArguments([SearchText.key(name)] + args + [limit])
        return try await read { db in try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(Self.entry) }
    }

    public func addressEntries(street: String, housenumber: String?, layers: [String], adminPrefix: String?, limit: Int) async throws -> [SearchEntry] {
        guard !layers.isEmpty else { return [] }
        var filter = SearchFilter(layers: layers)
        filter.adminPrefix = adminPrefix
        let (cond, args) = Self.conditions(filter)
        var sql = "SELECT \(Self.entryColumns) FROM search_entries e WHERE e.street_key = ?"
        var first: [(any DatabaseValueConvertible)?] = [SearchText.key(street)]
        if let housenumber {
            sql += " AND e.housenumber = ?"
            first.append(SearchText.key(housenumber))
        }
        sql += " AND \(cond) ORDER BY e.id LIMIT ?"
        let (text, arguments) = (sql, StatementArguments(first + args + [limit]))
        return try await read { db in try Row.fetchAll(db.cachedStatement(sql: text), arguments: arguments).map(Self.entry) }
    }
}
