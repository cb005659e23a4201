import Foundation
import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// /, /health and /layers: what the server holds.
struct CatalogueRoutes {
    let services: Services

    struct LayerEntry: Encodable {
        let id: String
        let title: String
        let description: String?
        let kind: String
        let geometryType: String
        let access: String
        let owner: String?
        let bounds: [Double]?
        let minzoom: Int
        let maxzoom: Int
        let fields: [FieldInfo]
        let featureCount: Int
        let dataVersion: Int
        let updated: String
        let attribution: String?
        let links: [Link]
    }

    struct Link: Encodable {
        let href: String
        let rel: String
        let type: String
        let title: String?
    }

    func add(to router: Router<OneMapRequestContext>) {
        router.getAndHead("/health") { _, context in
            let n = services.catalogue.layers(for: context.caller).count
            return jsonResponse("{\"status\":\"ok\",\"layers\":\(n)}")
        }

        router.getAndHead("/layers") { request, context in
            let base = baseURL(request)
            let entries = services.catalogue.layers(for: context.caller).map { l in
                LayerEntry(id: l.id, title: l.title, description: l.description, kind: l.kind.rawValue,
                           geometryType: l.geometryType, access: l.access.rawValue, owner: l.owner,
                           bounds: l.bounds?.array, minzoom: l.minzoom, maxzoom: l.maxzoom, fields: l.fields,
                           featureCount: l.featureCount, dataVersion: l.dataVersion, updated: l.updated,
                           attribution: l.attribution,
                           links: [
                               Link(href: "\(base)/tiles/\(l.id).json", rel: "describedby", type: "application/json", title: "TileJSON"),
                               Link(href: "\(base)/tiles/\(l.id)/{z}/{x}/{y}.mvt", rel: "item", type: "application/vnd.mapbox-vector-tile", title: "Vector tiles"),
                           ])
            }
            struct Body: Encodable { let layers: [LayerEntry] }
            return jsonResponse(try encodeJSON(Body(layers: entries)))
        }

        router.getAndHead("/api") { request, _ in
            let path = services.resources + "/Public/api/openapi.json"
            guard let data = FileManager.default.contents(atPath: path), case .object(var doc) = try JSONValue.parse([UInt8](data)) else {
                throw Problem(.serviceUnavailable, type: "api-missing", title: "API definition missing", detail: "\(path) is missing or not JSON")
            }
            // Servers: this server, as the client reached it.
            doc.removeAll { $0.0 == "servers" }
            doc.insert(("servers", .array([.object([("url", .string(baseURL(request)))])])), at: min(2, doc.count))
            return jsonResponse(JSONValue.object(doc).text, contentType: "application/vnd.oai.openapi+json;version=3.0")
        }

        router.getAndHead("/") { request, context in
            let base = baseURL(request)
            let ids = services.catalogue.layers(for: context.caller).map(\.id).joined(separator: ",")
            struct Landing: Encodable { let title: String; let description: String; let links: [Link] }
            let landing = Landing(
                title: "OneMap 一张图",
                description: "Geospatial one-map server: vector tiles, OGC API Features, emergency-command queries.",
                links: [
                    Link(href: "\(base)/", rel: "self", type: "application/json", title: "This document"),
                    Link(href: "\(base)/map", rel: "alternate", type: "text/html", title: "Map viewer 地图"),
                    Link(href: "\(base)/api", rel: "service-desc", type: "application/vnd.oai.openapi+json;version=3.0", title: "OpenAPI 3 definition"),
                    Link(href: "\(base)/conformance", rel: "conformance", type: "application/json", title: "Conformance classes"),
                    Link(href: "\(base)/collections", rel: "data", type: "application/json", title: "Collections (OGC API Features)"),
                    Link(href: "\(base)/layers", rel: "http://www.opengis.net/def/rel/ogc/1.0/data", type: "application/json", title: "Layer catalogue"),
                    Link(href: "\(base)/tiles/\(ids).json", rel: "describedby", type: "application/json", title: "TileJSON of all layers"),
                    Link(href: "\(base)/health", rel: "status", type: "application/json", title: "Health"),
                ])
            // People get the map; programs (and f=json) get JSON.
            if let accept = request.headers[.accept], accept.contains("text/html"), request.uri.queryParameters["f"] != "json" {
                return Response(status: .seeOther, headers: [.location: "/map"])
            }
            return jsonResponse(try encodeJSON(landing))
        }
    }
}
