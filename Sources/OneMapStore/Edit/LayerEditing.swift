import Foundation
import GRDB
import GeoCore

/// Single-feature writes (OGC API Features Part 4) and layer registration. Each
/// call is one transaction that also bumps the layer's data version, so tiles and
/// caches keyed by it never serve what was there before.
extension SpatialStore {
    /// Registers a new, empty layer. Fails if the id is taken.
    public func createLayer(_ info: LayerInfo) throws -> LayerInfo {
        guard LayerInfo.isValidID(info.id) else { throw StoreError("invalid layer id \"\(info.id.prefix(64))\": lower-case letters, digits and _, starting with a letter, ≤ 63") }
        return try write { db in
            if try SpatialStore.layer(info.id, db) != nil || LayerTable.exists(info.id, db) {
                throw StoreError("layer \(info.id) exists")
            }
            try LayerTable.create(info.id, db)
            var created = info
            created.featureCount = 0
            created.bounds = nil
            created.dataVersion = 1
            created.updated = LayerInfo.now()
            if created.drawOrder == 0 {
                created.drawOrder = (try Int.fetchOne(db, sql: "SELECT max(draw_order) FROM onemap_layers") ?? 0) + 1
            }
            try created.save(db)
            return created
        }
    }

    /// Adds a feature; returns its id.
    public func insertFeature(layer id: String, wkb: [UInt8], properties: JSONValue, name: String?, code: String?) throws -> Int64 {
        try write { db in
            guard let info = try SpatialStore.layer(id, db) else { throw StoreError("no layer \(id)") }
            try db.execute(sql: #"INSERT INTO "\#(info.table)" (geom, name, code, properties, valid_from, valid_to, updated) VALUES (GeomFromWKB(?, 4490), ?, ?, ?, ?, ?, ?)"#,
                           arguments: [Data(wkb), name, code, properties.text, Importer.text(properties["valid_from"]), Importer.text(properties["valid_to"]), LayerInfo.now()])
            let fid = db.lastInsertedRowID
            try touch(info, fid: fid, db)
            return fid
        }
    }

    /// Replaces a feature's geometry and properties; false if there is no such feature.
    public func replaceFeature(layer id: String, fid: Int64, wkb: [UInt8], properties: JSONValue, name: String?, code: String?) throws -> Bool {
        try write { db in
            guard let info = try SpatialStore.layer(id, db) else { throw StoreError("no layer \(id)") }
            try db.execute(sql: #"UPDATE "\#(info.table)" SET geom = GeomFromWKB(?, 4490), name = ?, code = ?, properties = ?, valid_from = ?, valid_to = ?, updated = ? WHERE fid = ?"#,
                           arguments: [Data(wkb), name, code, properties.text, Importer.text(properties["valid_from"]), Importer.text(properties["valid_to"]), LayerInfo.now(), fid])
            guard db.changesCount == 1 else { return false }
            try touch(info, fid: fid, db)
            return true
        }
    }

    /// Deletes a feature; false if there is no such feature.
    public func deleteFeature(layer id: String, fid: Int64) throws -> Bool {
        try write { db in
            guard let info = try SpatialStore.layer(id, db) else { throw StoreError("no layer \(id)") }
            try db.execute(sql: #"DELETE FROM "\#(info.table)" WHERE fid = ?"#, arguments: [fid])
            guard db.changesCount == 1 else { return false }
            try touch(info, fid: fid, db)
            return true
        }
    }

    /// One stored feature's geometry (WKB) and properties, for merge-patching.
    public func feature(layer id: String, fid: Int64) throws -> (wkb: [UInt8], properties: String)? {
        try readSync { db in
            guard let info = try SpatialStore.layer(id, db) else { return nil }
            guard let row = try Row.fetchOne(db, sql: #"SELECT AsBinary(geom), properties FROM "\#(info.table)" WHERE fid = ?"#, arguments: [fid]),
                  let data: Data = row[0] else { return nil }
            return ([UInt8](data), row[1] ?? "{}")
        }
    }

    /// Records the change and brings the feature's search entry up to date.
    private func touch(_ info: LayerInfo, fid: Int64, _ db: Database) throws {
        var l = info
        try LayerTable.recordChange(&l, db)
        try SearchIndexTable.reindex(l, fid: fid, db)
    }
}
