import Foundation
import GeoCore
import OneMapStore

/// Point → address: the administrative chain containing the point (with codes),
/// the nearest named road, the nearest addresses and POIs, and one formatted line.
public struct ReverseGeocoder: Sendable {
    /// Search radius for roads, addresses and POIs (m).
    public static let radius = 1_000.0
    /// An address or POI this close names the place in the formatted line (m).
    static let addressNear = 100.0, poiNear = 200.0

    let store: any FeatureStore
    let queries: SpatialQueries

    public init(store: any FeatureStore) {
        self.store = store
        queries = SpatialQueries(store: store)
    }

    /// The layers the caller may read, looked up by the caller's catalogue.
    public struct Sources: Sendable {
        public var admin: LayerInfo?
        public var roads: LayerInfo?
        public var addresses: [LayerInfo]
        public var pois: LayerInfo?
        public init(admin: LayerInfo?, roads: LayerInfo?, addresses: [LayerInfo], pois: LayerInfo?) {
            self.admin = admin
            self.roads = roads
            self.addresses = addresses
            self.pois = pois
        }
    }

    public func reverse(lon: Double, lat: Double, sources: Sources, coordsys: ChineseCoordinateSystem? = nil) async throws -> String {
        // Administrative areas containing the point, province first.
        var chain: [(level: String, adcode: String, name: String)] = []
        if let admin = sources.admin {
            let point = try CQL2Geometry(geoJSON: .object([("type", .string("Point")), ("coordinates", .array([.double(lon), .double(lat)]))]))
            var query = FeatureQuery()
            query.filter = .spatial(.intersects, .property("geometry"), .geometry(point))
            query.limit = 100
            let q = query
            let rows: [(String, String, String)] = try await store.withReader { reader in
                var out: [(String, String, String)] = []
                try reader.items(of: admin, q) { item in
                    let p = (try? JSONValue.parse(item.properties)) ?? .null
                    out.append((p["level"]?.stringValue ?? "", p["adcode"]?.stringValue ?? "", p["name"]?.stringValue ?? ""))
                }
                return out
            }
            let rank = ["province": 0, "city": 1, "district": 2]
            // 东莞/中山 are cities without districts: the same unit is city and county level, listed as both.
            chain = rows.sorted { (rank[$0.0] ?? 9, $0.1) < (rank[$1.0] ?? 9, $1.1) }.map { ($0.0, $0.1, $0.2) }
        }
        let named = CQL2Expression.not(.isNull(.property("name")))
        var road: SpatialQueries.Hit?
        if let roads = sources.roads {
            road = try await queries.nearby(lon: lon, lat: lat, radius: Self.radius, layers: [roads], filter: named, limit: 1, coordsys: coordsys).first
        }
        var addresses: [SpatialQueries.Hit] = []
        for layer in sources.addresses where layer.fields.contains(where: { $0.name == "addr_street" }) {
            addresses += try await queries.nearby(lon: lon, lat: lat, radius: Self.radius, layers: [layer],
                                                  filter: .not(.isNull(.property("addr_street"))), limit: 3, coordsys: coordsys)
        }
        addresses.sort { ($0.distance ?? 0) < ($1.distance ?? 0) }
        addresses = Array(addresses.prefix(3))
        var pois: [SpatialQueries.Hit] = []
        if let layer = sources.pois {
            pois = try await queries.nearby(lon: lon, lat: lat, radius: Self.radius, layers: [layer], filter: named, limit: 5, coordsys: coordsys)
        }

        // One line, most general first: 广东省广州市天河区 + address or road + nearby POI.
        var line = ""
        var lastName = ""
        for a in chain where a.name != lastName {
            line += a.name
            lastName = a.name
        }
        if let a = addresses.first, let d = a.distance, d <= Self.addressNear, let props = try? JSONValue.parse(a.feature)["properties"] {
            let number = props["addr_housenumber"]?.stringValue ?? ""
            // OSM often holds bare numbers; Chinese addresses write 26号.
            line += (props["addr_street"]?.stringValue ?? "") + number + (!number.isEmpty && number.allSatisfy(\.isNumber) ? "号" : "")
        } else if let r = road, let name = try? JSONValue.parse(r.feature)["properties"]?["name"]?.stringValue {
            line += name
        }
        if let p = pois.first, let d = p.distance, d <= Self.poiNear, let name = try? JSONValue.parse(p.feature)["properties"]?["name"]?.stringValue {
            line += "（\(name)附近）"
        }

        func list(_ hits: [SpatialQueries.Hit]) -> String { "[" + hits.map(\.feature).joined(separator: ",") + "]" }
        let admin = JSONValue.array(chain.map { .object([("level", .string($0.level)), ("adcode", .string($0.adcode)), ("name", .string($0.name))]) })
        var out = "{\"query\":{\"lon\":\(lon),\"lat\":\(lat)},\"admin\":\(admin.text)"
        out += ",\"road\":" + (road?.feature ?? "null")
        out += ",\"addresses\":" + list(addresses)
        out += ",\"pois\":" + list(pois)
        out += ",\"formatted\":" + JSONValue.string(line).text + "}"
        return out
    }
}
