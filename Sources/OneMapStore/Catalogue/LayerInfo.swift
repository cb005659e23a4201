import Foundation
import GRDB
import GeoCore

/// What a layer is for; decides defaults and where it shows up.
public enum LayerKind: String, Codable, Sendable, CaseIterable {
    case base, emergency, grid, poi, thematic
}

/// Who may read a layer.
public enum AccessLevel: String, Codable, Sendable, CaseIterable, Comparable {
    case `public`, `internal`, restricted

    var rank: Int {
        switch self {
        case .public: 0
        case .internal: 1
        case .restricted: 2
        }
    }

    public static func < (a: AccessLevel, b: AccessLevel) -> Bool { a.rank < b.rank }
}

public struct FieldInfo: Codable, Sendable, Equatable {
    public var name: String
    /// JSON Schema type: string, integer, number, boolean, array, object.
    public var type: String
    /// Writes through the API must give it (imports are not checked).
    public var required: Bool?
    public var description: String?
    public init(name: String, type: String, required: Bool? = nil, description: String? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.description = description
    }

    public static let types: Set<String> = ["string", "integer", "number", "boolean", "array", "object"]
}

/// One entry of the layer catalogue.
public struct LayerInfo: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String?
    public var kind: LayerKind
    public var geometryType: String
    public var access: AccessLevel
    public var owner: String?
    public var minzoom: Int
    public var maxzoom: Int
    public var fields: [FieldInfo]
    public var attribution: String?
    public var nameField: String?
    public var codeField: String?
    public var featureCount: Int
    /// [west, south, east, north] in EPSG:4490 degrees; nil when empty.
    public var bounds: BBox?
    public var dataVersion: Int
    public var updated: String
    public var drawOrder: Int

    public init(id: String, title: String, kind: LayerKind = .thematic) {
        self.id = id
        self.title = title
        self.kind = kind
        geometryType = "Geometry"
        access = .public
        minzoom = 0
        maxzoom = 16
        fields = []
        featureCount = 0
        dataVersion = 0
        updated = LayerInfo.now()
        drawOrder = 0
    }

    /// Layer ids become table names: lower-case letters, digits and underscores.
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.unicodeScalars.count <= 63,
              ("a"..."z").contains(first) else { return false }
        return id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The SQL table holding the layer's features (ids are validated, so quoting is safe).
    public var table: String { Self.table(for: id) }
    static func table(for id: String) -> String { "layer_\(id)" }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }
}

extension LayerInfo {
    init(row: Row) throws {
        id = row["id"]
        title = row["title"]
        description = row["description"]
        kind = LayerKind(rawValue: row["kind"]) ?? .thematic
        geometryType = row["geometry_type"]
        access = AccessLevel(rawValue: row["access"]) ?? .restricted
        owner = row["owner"]
        minzoom = row["minzoom"]
        maxzoom = row["maxzoom"]
        let fieldsJSON: String = row["fields"]
        fields = (try? JSONDecoder().decode([FieldInfo].self, from: Data(fieldsJSON.utf8))) ?? []
        attribution = row["attribution"]
        nameField = row["name_field"]
        codeField = row["code_field"]
        featureCount = row["feature_count"]
        if let minX: Double = row["min_x"], let minY: Double = row["min_y"],
           let maxX: Double = row["max_x"], let maxY: Double = row["max_y"] {
            bounds = BBox(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
        }
        dataVersion = row["data_version"]
        updated = row["updated"]
        drawOrder = row["draw_order"]
    }

    func save(_ db: Database) throws {
        let fieldsJSON = String(decoding: try JSONEncoder().encode(fields), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO onemap_layers (id, title, description, kind, geometry_type, access, owner, minzoom, maxzoom,
                fields, attribution, name_field, code_field, feature_count, min_x, min_y, max_x, max_y,
                data_version, updated, draw_order)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET title=excluded.title, description=excluded.description, kind=excluded.kind,
                geometry_type=excluded.geometry_type, access=excluded.access, owner=excluded.owner,
                minzoom=excluded.minzoom, maxzoom=excluded.maxzoom, fields=excluded.fields,
                attribution=excluded.attribution, name_field=excluded.name_field, code_field=excluded.code_field,
                feature_count=excluded.feature_count, min_x=excluded.min_x, min_y=excluded.min_y,
                max_x=excluded.max_x, max_y=excluded.max_y, data_version=excluded.data_version,
                updated=excluded.updated, draw_order=excluded.draw_order
            """, arguments: [id, title, description, kind.rawValue, geometryType, access.rawValue, owner, minzoom, maxzoom,
                             fieldsJSON, attribution, nameField, codeField, featureCount,
                             bounds?.minX, bounds?.minY, bounds?.maxX, bounds?.maxY,
                             dataVersion, updated, drawOrder])
    }
}

extension SpatialStore {
    /// The whole catalogue, in draw order.
    public func layers() throws -> [LayerInfo] {
        try readSync { db in try Self.layers(db) }
    }

    static func layers(_ db: Database) throws -> [LayerInfo] {
        try Row.fetchAll(db, sql: "SELECT * FROM onemap_layers ORDER BY draw_order, id").map(LayerInfo.init(row:))
    }

    static func layer(_ id: String, _ db: Database) throws -> LayerInfo? {
        try Row.fetchOne(db, sql: "SELECT * FROM onemap_layers WHERE id = ?", arguments: [id]).map(LayerInfo.init(row:))
    }

    /// Data versions by layer id: cheap, for cache keys.
    public func dataVersions() throws -> [String: Int] {
        try readSync { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, data_version FROM onemap_layers") {
                out[row[0]] = row[1]
            }
            return out
        }
    }
}
