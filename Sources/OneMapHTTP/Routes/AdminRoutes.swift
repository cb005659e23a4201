import Foundation
import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// Administrative areas: GET /admin/{code} (one area with its chain, children and
/// boundary) and GET /admin?name= (find by full name, short name or prefix).
struct AdminRoutes {
    let services: Services

    func add(to router: Router<OneMapRequestContext>) {
        router.getAndHead("/admin") { request, _ in
            let params = try QueryParameters(request, allowed: ["name", "level", "parent", "limit", "coordsys", "f"])
            guard let name = params["name"] else {
                throw Problem.badRequest("name is required: a full name (天河区), a short name (天河) or a prefix", parameter: "name")
            }
            let limit = try params.integer("limit", in: 1...Int.max) ?? AdminService.defaultLimit
            let matches = try await services.admin.find(name: name, level: params["level"], parent: params["parent"],
                                                         limit: limit, coordsys: try params.coordsys())
            let results: [JSONValue] = matches.map { m in
                var pairs = Self.summary(m.unit)
                pairs += [
                    ("short_name", .string(m.unit.shortName)),
                    ("kind", m.unit.kind.map { .string($0) } ?? .null),
                    ("parent", m.parent.map { .object(Self.summary($0)) } ?? .null),
                    ("center", Self.center(m.center)),
                    ("match", .string(m.match.rawValue)),
                ]
                return .object(pairs)
            }
            return jsonResponse(JSONValue.object([("numberReturned", .int(Int64(results.count))), ("results", .array(results))]).text)
        }

        router.getAndHead("/admin/:code") { request, context in
            let params = try QueryParameters(request, allowed: ["boundary", "tolerance", "coordsys", "f"])
            let detail = try Self.boundaryDetail(params)
            let area = try await services.admin.area(code: context.pathParameter("code"), boundary: detail,
                                                     coordsys: try params.coordsys(), caller: context.caller)
            let u = area.unit
            var pairs = Self.summary(u)
            pairs += [
                ("short_name", .string(u.shortName)),
                ("kind", u.kind.map { .string($0) } ?? .null),
                ("parent", area.parent.map { .object(Self.summary($0)) } ?? .null),
                ("chain", .array(area.chain.map { .object(Self.summary($0)) })),
                ("children", .array(area.children.map { .object(Self.summary($0)) })),
                ("center", Self.center(area.center)),
                ("boundary_note", area.boundaryNote.map { .string($0) } ?? .null),
            ]
            // The geometry text is spliced in as it is (it can be large).
            let text = JSONValue.object(pairs).text
            return jsonResponse(String(text.dropLast()) + ",\"boundary\":" + (area.boundary ?? "null") + "}")
        }
    }

    /// boundary=none|simplified|full (default simplified), tolerance in metres (simplified only).
    static func boundaryDetail(_ params: QueryParameters) throws -> AdminService.BoundaryDetail {
        let mode = params["boundary"] ?? "simplified"
        var tolerance: Double?
        if let raw = params["tolerance"] {
            guard let t = Double(raw), t.isFinite, t > 0, t <= AdminService.maxTolerance else {
                throw Problem.badRequest("tolerance is metres, a number > 0 and ≤ \(Int(AdminService.maxTolerance)); got \"\(raw.prefix(32))\"", parameter: "tolerance")
            }
            tolerance = t
        }
        switch mode {
        case "none", "full":
            if tolerance != nil {
                throw Problem.badRequest("tolerance goes with boundary=simplified only", parameter: "tolerance")
            }
            return mode == "none" ? .none : .full
        case "simplified":
            return .simplified(metres: tolerance ?? AdminService.defaultTolerance)
        default:
            throw Problem.badRequest("boundary must be none, simplified or full", parameter: "boundary")
        }
    }

    static func summary(_ u: AdminUnit) -> [(String, JSONValue)] {
        [("code", .string(u.code)), ("adcode", .string(u.adcode)), ("name", .string(u.name)), ("level", .string(u.level.rawValue))]
    }

    static func center(_ c: (lon: Double, lat: Double)?) -> JSONValue {
        guard let c else { return .null }
        return .array([.double((c.lon * 1e7).rounded() / 1e7), .double((c.lat * 1e7).rounded() / 1e7)])
    }
}
