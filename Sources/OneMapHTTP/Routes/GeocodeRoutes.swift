import Foundation
import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// Geocoding: GET /geocode?address=… (free-form Chinese address), GET /geocode with
/// structured fields (province, city, district, street, road, number, name), and
/// POST /geocode with {"addresses": […]} (at most 1,000, answered in order; a bad
/// item is an error in its place, not a failed batch). Only layers the caller may
/// read are searched. Points are CRS84/CGCS2000, or GCJ-02 / BD-09 with coordsys=.
struct GeocodeRoutes {
    let services: Services
    let geocoder: Geocoder

    init(services: Services) {
        self.services = services
        geocoder = Geocoder(admin: services.store, search: services.store, fullText: services.search)
    }

    static let structuredKeys = ["province", "city", "district", "street", "road", "number", "name"]
    /// Addresses geocoded at once within one batch.
    static let batchConcurrency = 4

    func add(to router: Router<OneMapRequestContext>) {
        router.getAndHead("/geocode") { request, context in
            let p = try QueryParameters(request, allowed: Set(["address", "limit", "coordsys", "f"] + Self.structuredKeys))
            let coordsys = try p.coordsys()
            let limit = try Geocoder.validate(limit: p.integer("limit", in: 1...Int.max))
            let layers = services.catalogue.layers(for: context.caller)
            let structured = Geocoder.Structured(province: p["province"], city: p["city"], district: p["district"], street: p["street"],
                                                 road: p["road"], number: p["number"], name: p["name"])
            let answer: Geocoder.Answer
            var query: [(String, JSONValue)] = []
            if let address = p["address"] {
                guard structured.isEmpty else {
                    throw Problem.badRequest("give either address or the structured fields (\(Self.structuredKeys.joined(separator: ", "))), not both", parameter: "address")
                }
                answer = try await geocoder.geocode(address, layers: layers, limit: limit)
                query = [("address", .string(address))]
            } else {
                answer = try await geocoder.geocode(structured, layers: layers, limit: limit)
                query = Self.structuredKeys.compactMap { k in p[k].map { (k, .string($0)) } }
            }
            return jsonResponse(Self.encode(answer, query: query, coordsys: coordsys).text)
        }

        router.post("/geocode") { request, context in
            let body = try await jsonBody(request, context)
            guard case .object(let pairs) = body else {
                throw Problem.badRequest("the body must be a JSON object: {\"addresses\": [\"广州市天河区天河路385号\", …]}")
            }
            for (key, _) in pairs where !["addresses", "limit", "coordsys"].contains(key) {
                throw Problem.badRequest("unknown member \"\(key.prefix(64))\"; accepted: addresses, limit, coordsys", parameter: key)
            }
            guard let items = body["addresses"]?.arrayValue else {
                throw Problem.badRequest("addresses must be an array of address strings", parameter: "addresses")
            }
            guard !items.isEmpty else { throw Problem.badRequest("addresses must hold at least one address", parameter: "addresses") }
            guard items.count <= Geocoder.maxBatch else {
                throw ServiceError.tooLarge(detail: "at most \(Geocoder.maxBatch) addresses in one batch (got \(items.count)); split the batch")
            }
            let limit = try Geocoder.validate(limit: try QueryRoutes.wholeNumber(body, "limit", min: 1))
            let coordsys = try QueryRoutes.coordsys(body)
            let layers = services.catalogue.layers(for: context.caller)
            let geocoder = self.geocoder

            // Geocoded a few at a time; answers go back in the order asked.
            var answers = [JSONValue](repeating: .null, count: items.count)
            try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
                var next = 0
                func start() {
                    let i = next
                    next += 1
                    let item = items[i]
                    group.addTask { (i, try await Self.batchItem(item, index: i, geocoder: geocoder, layers: layers, limit: limit, coordsys: coordsys)) }
                }
                while next < min(Self.batchConcurrency, items.count) { start() }
                while let (i, answer) = try await group.next() {
                    answers[i] = answer
                    if next < items.count { start() }
                }
            }
            let ok = answers.filter { $0["error"] == nil }.count
            return jsonResponse(JSONValue.object([
                ("numberOfAddresses", .int(Int64(items.count))),
                ("numberGeocoded", .int(Int64(answers.filter { ($0["results"]?.arrayValue?.isEmpty ?? true) == false }.count))),
                ("numberFailed", .int(Int64(items.count - ok))),
                ("results", .array(answers)),
            ]).text)
        }
    }

    /// One batch item: its answer, or its error in place.
    static func batchItem(_ item: JSONValue, index: Int, geocoder: Geocoder, layers: [LayerInfo], limit: Int,
                          coordsys: ChineseCoordinateSystem?) async throws -> JSONValue {
        func failure(_ detail: String) -> JSONValue {
            .object([("index", .int(Int64(index))),
                     ("query", .object([("address", item.stringValue.map { .string(String($0.prefix(Geocoder.maxAddressLength))) } ?? .null)])),
                     ("error", .object([("status", .int(400)), ("title", .string("Bad request")), ("detail", .string(detail))]))])
        }
        guard let text = item.stringValue else {
            return failure("item \(index) must be a string holding one address")
        }
        do {
            let answer = try await geocoder.geocode(text, layers: layers, limit: limit)
            guard case .object(let pairs) = encode(answer, query: [("address", .string(text))], coordsys: coordsys) else { return .null }
            return .object([("index", .int(Int64(index)))] + pairs)
        } catch ServiceError.badRequest(_, let detail) {
            return failure(detail)
        }
    }

    // MARK: encoding

    static func encode(_ a: Geocoder.Answer, query: [(String, JSONValue)], coordsys: ChineseCoordinateSystem?) -> JSONValue {
        .object([
            ("query", .object(query)),
            ("parsed", parsed(a.parsed)),
            ("coordsys", .string(coordsys?.rawValue ?? "cgcs2000")),
            ("numberReturned", .int(Int64(a.candidates.count))),
            ("results", .array(a.candidates.map { candidate($0, coordsys) })),
        ])
    }

    static func parsed(_ p: ParsedAddress) -> JSONValue {
        func s(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
        return .object([
            ("normalized", .string(p.normalized)),
            ("province", s(p.province)), ("city", s(p.city)), ("district", s(p.district)), ("street", s(p.street)),
            ("community", s(p.community)), ("road", s(p.road)), ("house_number", s(p.houseNumber)),
            ("building", s(p.building)), ("unit", s(p.unit)), ("floor", s(p.floor)), ("room", s(p.room)),
            ("poi", s(p.poi)), ("unparsed", s(p.unparsed)),
            ("admin", .array(p.admin.map { t in
                .object([("text", .string(t.text)), ("level", .string(t.level.rawValue)), ("short", .bool(t.isShort)),
                         ("codes", .array(t.codes.prefix(10).map { .string($0) })), ("conflicts", .bool(t.conflicts))])
            })),
        ])
    }

    static func candidate(_ c: Geocoder.Candidate, _ coordsys: ChineseCoordinateSystem?) -> JSONValue {
        var (lon, lat) = (c.lon, c.lat)
        if let cs = coordsys { (lon, lat) = ChineseCoordinates.convert(lon: lon, lat: lat, from: .wgs84, to: cs) }
        func round7(_ v: Double) -> JSONValue { .double((v * 1e7).rounded() / 1e7) }
        var source: JSONValue = .null
        if let layer = c.layer, let fid = c.fid {
            source = .object([("layer", .string(layer)), ("fid", .int(fid))])
        }
        return .object([
            ("lon", round7(lon)), ("lat", round7(lat)),
            ("level", .string(c.level.rawValue)),
            ("confidence", .double(c.confidence)),
            ("name", .string(c.name)),
            ("formatted", .string(formatted(c))),
            ("admin", .array(c.admin.map { e in
                .object([("code", .string(e.code)), ("adcode", .string(e.adcode)), ("name", .string(e.name)), ("level", .string(e.level.rawValue))])
            })),
            ("street", c.street.map { .string($0) } ?? .null),
            ("housenumber", c.housenumber.map { .string($0) } ?? .null),
            ("source", source),
            ("notes", .array(c.notes.map { .string($0) })),
        ])
    }

    /// 广东省广州市天河区 + road and number, or the place's name.
    static func formatted(_ c: Geocoder.Candidate) -> String {
        var line = ""
        var last = ""
        for e in c.admin where e.name != last {
            line += e.name
            last = e.name
        }
        switch c.level {
        case .houseNumber:
            let n = c.housenumber ?? ""
            line += (c.street ?? "") + n + (!n.isEmpty && n.allSatisfy(\.isNumber) ? "号" : "")
        case .road, .poi:
            line += c.name
        default:
            break
        }
        return line
    }
}
