import Foundation
import GRDB

/// Administrative levels, top down.
public enum AdminLevel: String, Sendable, CaseIterable {
    case province, city, district, street

    /// Significant digits of the 12-digit statistical code at this level (2 province,
    /// 2 city, 2 county, 3 township): every descendant's code starts with them.
    public var prefixLength: Int {
        switch self {
        case .province: 2
        case .city: 4
        case .district: 6
        case .street: 9
        }
    }

    var rank: Int { AdminLevel.allCases.firstIndex(of: self)! }
}

/// 12-digit statistical codes (GB/T 2260 adcode + township + village digits).
public enum AdminCode {
    /// A 6-digit adcode, 9-digit township code or 12-digit code as the 12-digit
    /// code (zeros appended); nil when it is not 6, 9 or 12 ASCII digits.
    public static func normalize(_ raw: String) -> String? {
        let u = raw.utf8
        guard u.count == 6 || u.count == 9 || u.count == 12, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return raw + String(repeating: "0", count: 12 - u.count)
    }

    /// The code as published: 9 digits for township units, 6 for the others.
    public static func published(_ code: String, level: AdminLevel) -> String {
        String(code.prefix(level == .street ? 9 : 6))
    }
}

/// One administrative area of table `admin_units`.
public struct AdminUnit: Sendable, Equatable {
    /// 12 digits.
    public let code: String
    public let name: String
    public let shortName: String
    public let level: AdminLevel
    public let parentCode: String?
    /// 省, 地级市, 市辖区, 县, 自治县, 县级市, 街道, 镇, 乡, other.
    public let kind: String?
    public let hasBoundary: Bool
    /// fid of the boundary feature in layer `admin`.
    public let layerFid: Int64?
    public let centerLon: Double?
    public let centerLat: Double?

    public var adcode: String { AdminCode.published(code, level: level) }

    public init(code: String, name: String, shortName: String, level: AdminLevel, parentCode: String?, kind: String?,
                hasBoundary: Bool, layerFid: Int64?, centerLon: Double?, centerLat: Double?) {
        self.code = code
        self.name = name
        self.shortName = shortName
        self.level = level
        self.parentCode = parentCode
        self.kind = kind
        self.hasBoundary = hasBoundary
        self.layerFid = layerFid
        self.centerLon = centerLon
        self.centerLat = centerLat
    }

    static let columns = "code, name, short_name, level, parent_code, kind, has_boundary, layer_fid, center_lon, center_lat"

    init?(row: Row, at i: Int = 0) {
        guard let level = AdminLevel(rawValue: row[i + 3] ?? "") else { return nil }
        self.init(code: row[i], name: row[i + 1], shortName: row[i + 2], level: level, parentCode: row[i + 4], kind: row[i + 5],
                  hasBoundary: (row[i + 6] as Int64? ?? 0) != 0, layerFid: row[i + 7], centerLon: row[i + 8], centerLat: row[i + 9])
    }
}

/// A unit with what an answer about it needs, read in one snapshot.
public struct AdminRecord: Sendable {
    public let unit: AdminUnit
    /// Ancestors from the province down to the parent.
    public let chain: [AdminUnit]
    public let children: [AdminUnit]
    /// WKB (EPSG:4490) of the boundary in its layer, when asked for and present.
    public let boundaryWKB: [UInt8]?
}

/// A name search hit: the unit, its parent, and how it matched.
public struct AdminMatch: Sendable {
    public enum Kind: String, Sendable { case name, shortName = "short_name", prefix }
    public let unit: AdminUnit
    public let parent: AdminUnit?
    public let match: Kind
}

/// What the admin-area service needs of a store (SpatiaLite now, PostGIS later).
public protocol AdminStore: Sendable {
    /// The unit with this 12-digit code, its ancestors and children; the boundary
    /// geometry from `boundaryLayer` when that is not nil.
    func adminRecord(code: String, boundaryLayer: String?) async throws -> AdminRecord?
    /// Units whose name or short name equals `name`, or starts with it: exact names
    /// first, then short names, then prefixes; within `ancestor` (12-digit code) if given.
    func adminSearch(name: String, level: AdminLevel?, ancestor: AdminUnit?, limit: Int) async throws -> [AdminMatch]
    /// The unit with this 12-digit code, alone.
    func adminUnit(code: String) async throws -> AdminUnit?
}

extension SpatialStore: AdminStore {
    public func adminUnit(code: String) async throws -> AdminUnit? {
        try await read { db in try AdminUnitsTable.unit(code, db) }
    }

    public func adminRecord(code: String, boundaryLayer: String?) async throws -> AdminRecord? {
        try await read { db in
            guard let unit = try AdminUnitsTable.unit(code, db) else { return nil }
            // Ancestors by the parent links (at most three), top first.
            let chainRows = try Row.fetchAll(db.cachedStatement(sql: """
                WITH RECURSIVE up(c, depth) AS (
                    SELECT parent_code, 1 FROM admin_units WHERE code = ?
                    UNION ALL
                    SELECT a.parent_code, up.depth + 1 FROM admin_units a JOIN up ON a.code = up.c WHERE up.depth < 8
                )
                SELECT \(AdminUnit.columns) FROM admin_units JOIN up ON admin_units.code = up.c ORDER BY up.depth DESC
                """), arguments: [code])
            let children = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(AdminUnit.columns) FROM admin_units WHERE parent_code = ? ORDER BY code"),
                                            arguments: [code])
            var wkb: [UInt8]?
            if let boundaryLayer, unit.hasBoundary {
                wkb = try AdminUnitsTable.boundary(of: unit, layer: boundaryLayer, db)
            }
            return AdminRecord(unit: unit, chain: chainRows.compactMap { AdminUnit(row: $0) },
                               children: children.compactMap { AdminUnit(row: $0) }, boundaryWKB: wkb)
        }
    }

    public func adminSearch(name: String, level: AdminLevel?, ancestor: AdminUnit?, limit: Int) async throws -> [AdminMatch] {
        try await read { db in
            var sql = """
                SELECT u.code, u.name, u.short_name, u.level, u.parent_code, u.kind, u.has_boundary, u.layer_fid, u.center_lon, u.center_lat,
                       p.code, p.name, p.short_name, p.level, p.parent_code, p.kind, p.has_boundary, p.layer_fid, p.center_lon, p.center_lat,
                       CASE WHEN u.name = :q THEN 0 WHEN u.short_name = :q THEN 1 ELSE 2 END AS rank
                FROM admin_units u LEFT JOIN admin_units p ON p.code = u.parent_code
                WHERE (u.name = :q OR u.short_name = :q OR substr(u.name, 1, :n) = :q OR substr(u.short_name, 1, :n) = :q)
                """
            var args: [String: (any DatabaseValueConvertible)?] = ["q": name, "n": name.count, "limit": limit]
            if let level {
                sql += " AND u.level = :level"
                args["level"] = level.rawValue
            }
            if let ancestor {
                let prefix = String(ancestor.code.prefix(ancestor.level.prefixLength))
                sql += " AND substr(u.code, 1, :pn) = :prefix AND u.code <> :ancestor"
                args["pn"] = prefix.count
                args["prefix"] = prefix
                args["ancestor"] = ancestor.code
            }
            sql += " ORDER BY rank, CASE u.level WHEN 'province' THEN 0 WHEN 'city' THEN 1 WHEN 'district' THEN 2 ELSE 3 END, length(u.name), u.code LIMIT :limit"
            let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(args))
            return rows.compactMap { row -> AdminMatch? in
                guard let unit = AdminUnit(row: row) else { return nil }
                let rank: Int = row[20]
                return AdminMatch(unit: unit, parent: AdminUnit(row: row, at: 10),
                                  match: rank == 0 ? .name : rank == 1 ? .shortName : .prefix)
            }
        }
    }
}

enum AdminUnitsTable {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE admin_units (
                code TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 12),
                name TEXT NOT NULL,
                short_name TEXT NOT NULL,
                level TEXT NOT NULL CHECK (level IN ('province', 'city', 'district', 'street')),
                parent_code TEXT,
                kind TEXT,
                has_boundary INTEGER NOT NULL DEFAULT 0,
                layer_fid INTEGER,
                center_lon REAL,
                center_lat REAL
            ) WITHOUT ROWID;
            CREATE INDEX admin_units_parent ON admin_units(parent_code);
            CREATE INDEX admin_units_name ON admin_units(name);
            CREATE INDEX admin_units_short_name ON admin_units(short_name);
            """)
    }

    static func unit(_ code: String, _ db: Database) throws -> AdminUnit? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(AdminUnit.columns) FROM admin_units WHERE code = ?"), arguments: [code])
            .flatMap { AdminUnit(row: $0) }
    }

    /// The boundary of `unit` in its layer: by the recorded fid when that feature
    /// still carries the unit's adcode, else (layer re-imported) by adcode and level.
    static func boundary(of unit: AdminUnit, layer: String, _ db: Database) throws -> [UInt8]? {
        let table = LayerInfo.table(for: layer)
        guard try db.tableExists(table) else { return nil }
        if let fid = unit.layerFid,
           let data = try Data.fetchOne(db.cachedStatement(sql: #"SELECT AsBinary(geom) FROM "\#(table)" WHERE fid = ? AND code = ?"#),
                                        arguments: [fid, unit.adcode]) {
            return [UInt8](data)
        }
        let data = try Data.fetchOne(db.cachedStatement(sql: #"""
            SELECT AsBinary(geom) FROM "\#(table)" WHERE code = ?
            ORDER BY json_extract(properties, '$.level') = ? DESC, fid LIMIT 1
            """#), arguments: [unit.adcode, unit.level.rawValue])
        return data.map { [UInt8]($0) }
    }
}
