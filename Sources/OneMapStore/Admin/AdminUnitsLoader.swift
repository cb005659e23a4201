import Foundation
import GRDB

/// What a (re)load of `admin_units` put in, per level.
public struct AdminLoadReport: Sendable, CustomStringConvertible {
    public var byLevel: [AdminLevel: Int] = [:]
    /// Features of the boundary layer folded into a unit of the same code (东莞市 and
    /// 中山市 appear as a city and again as their own district).
    public var merged = 0
    public var total: Int { byLevel.values.reduce(0, +) }

    public var description: String {
        let parts = AdminLevel.allCases.map { "\(byLevel[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        return "\(total) admin units (\(parts))" + (merged > 0 ? "; \(merged) duplicate layer features merged" : "")
    }
}

extension SpatialStore {
    /// Rebuilds table `admin_units` in one transaction from the province / city /
    /// district features of `boundaryLayer` (properties name, short_name, adcode,
    /// level, parent_adcode, center_lon, center_lat) and, when given, the NBS street /
    /// town code list (CSV: street_code, street_name, district_code, kind; no geometry).
    @discardableResult
    public func reloadAdminUnits(boundaryLayer: String = "admin", streetsCSV: String?) throws -> AdminLoadReport {
        let streets = try streetsCSV.map(AdminUnitsLoader.readStreets)
        return try write { db in try AdminUnitsLoader.load(db, boundaryLayer: boundaryLayer, streets: streets) }
    }
}

enum AdminUnitsLoader {
    /// Replaces the rows of `admin_units` (inside the caller's transaction).
    static func load(_ db: Database, boundaryLayer: String, streets: [AdminUnit]?) throws -> AdminLoadReport {
        try db.execute(sql: "DELETE FROM admin_units")
        var report = AdminLoadReport()
        let insert = try db.makeStatement(sql: """
            INSERT OR IGNORE INTO admin_units (code, name, short_name, level, parent_code, kind, has_boundary, layer_fid, center_lon, center_lat)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        func add(_ u: AdminUnit) throws -> Bool {
            try insert.execute(arguments: [u.code, u.name, u.shortName, u.level.rawValue, u.parentCode, u.kind,
                                           u.hasBoundary ? 1 : 0, u.layerFid, u.centerLon, u.centerLat])
            guard db.changesCount == 1 else { return false }
            report.byLevel[u.level, default: 0] += 1
            return true
        }
        let table = LayerInfo.table(for: boundaryLayer)
        if try db.tableExists(table) {
            // Higher levels first: a city that is also listed as its own district keeps its city row.
            let rows = try Row.fetchAll(db, sql: #"""
                SELECT fid, name, json_extract(properties, '$.short_name'), coalesce(json_extract(properties, '$.adcode'), code),
                       json_extract(properties, '$.level'), json_extract(properties, '$.parent_adcode'),
                       json_extract(properties, '$.center_lon'), json_extract(properties, '$.center_lat'), geom IS NOT NULL
                FROM "\#(table)"
                ORDER BY CASE json_extract(properties, '$.level') WHEN 'province' THEN 0 WHEN 'city' THEN 1 WHEN 'district' THEN 2 ELSE 3 END, fid
                """#)
            for row in rows {
                guard let name: String = row[1], !name.isEmpty,
                      let level = (row[4] as String?).flatMap(AdminLevel.init(rawValue:)), level != .street,
                      let adcode = Self.text(row[3]), let code = AdminCode.normalize(adcode) else { continue }
                let parent = Self.text(row[5]).flatMap(AdminCode.normalize).flatMap { $0 == code ? nil : $0 }
                let unit = AdminUnit(code: code, name: name,
                                     shortName: AdminUnitsLoader.shortName(name: name, published: row[2], level: level),
                                     level: level, parentCode: level == .province ? nil : parent,
                                     kind: AdminUnitsLoader.kind(name: name, level: level),
                                     hasBoundary: row[8] as Bool? ?? false, layerFid: row[0],
                                     centerLon: row[6], centerLat: row[7])
                if try !add(unit) { report.merged += 1 }
            }
        }
        for s in streets ?? [] { _ = try add(s) }
        return report
    }

    private static func text(_ v: DatabaseValue) -> String? {
        switch v.storage {
        case .string(let s): s
        case .int64(let i): String(i)
        default: nil
        }
    }

    /// The NBS 2023 street/town list as units (no boundary, no centre).
    static func readStreets(_ path: String) throws -> [AdminUnit] {
        guard let data = FileManager.default.contents(atPath: path) else { throw StoreError("cannot read \(path)") }
        var lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).makeIterator()
        guard let head = lines.next() else { throw StoreError("\(path): empty") }
        let header = CSVSource.split(String(head)).map {
            $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{FEFF}", with: "")
        }
        func column(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else { throw StoreError("\(path): no column \(name) (columns: \(header.joined(separator: ", ")))") }
            return i
        }
        let (ci, ni, di, ki) = (try column("street_code"), try column("street_name"), try column("district_code"), try column("kind"))
        var out: [AdminUnit] = []
        var lineNo = 1
        while let line = lines.next() {
            lineNo += 1
            let cells = CSVSource.split(String(line)).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == header.count else { throw StoreError("\(path):\(lineNo): \(cells.count) cells, expected \(header.count)") }
            let name = cells[ni]
            guard cells[ci].utf8.count == 9, let code = AdminCode.normalize(cells[ci]),
                  cells[di].utf8.count == 6, let parent = AdminCode.normalize(cells[di]), !name.isEmpty else {
                throw StoreError("\(path):\(lineNo): expected a 9-digit street_code, a name and a 6-digit district_code")
            }
            out.append(AdminUnit(code: code, name: name, shortName: shortName(name: name, published: nil, level: .street),
                                 level: .street, parentCode: parent, kind: cells[ki].isEmpty ? nil : cells[ki],
                                 hasBoundary: false, layerFid: nil, centerLon: nil, centerLat: nil))
        }
        return out
    }

    /// The name people type: 广州市 → 广州 (as published), 天河区 → 天河, 乳源瑶族自治县 →
    /// 乳源 (published 乳源县), 沙面街道 → 沙面; never shorter than two characters (城区 stays).
    static func shortName(name: String, published: String?, level: AdminLevel) -> String {
        var base = name
        if let p = published?.trimmingCharacters(in: .whitespaces), !p.isEmpty, p != name { base = p }
        let suffixes: [String]
        switch level {
        case .province: suffixes = ["省"]
        case .city: suffixes = ["市"]
        case .district: suffixes = ["区", "县", "市"]
        case .street: suffixes = ["街道", "镇", "乡"]
        }
        for s in suffixes where base.hasSuffix(s) && base.count - s.count >= 2 {
            return String(base.dropLast(s.count))
        }
        return base
    }

    static func kind(name: String, level: AdminLevel) -> String? {
        switch level {
        case .province: return "省"
        case .city: return "地级市"
        case .district:
            if name.hasSuffix("自治县") { return "自治县" }
            if name.hasSuffix("区") { return "市辖区" }
            if name.hasSuffix("县") { return "县" }
            if name.hasSuffix("市") { return "县级市" }
            return nil
        case .street: return nil
        }
    }
}
