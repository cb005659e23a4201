import Foundation
import GeoCore
import OneMapStore
import Synchronization

/// Address → point: parses a Chinese address (AddressParser) and resolves it against
/// the administrative units, the address points, roads and named features of the
/// layers the caller may read.
///
/// Resolution, most precise first (every step that finds something adds candidates;
/// the best `limit` are returned):
/// 1. Admin chain: the parsed province / city / district / street names → units of
///    `admin_units`; the deepest unit whose chain agrees with most parts scopes every
///    search below (its county-level code prefix; a street/town scopes to its district,
///    as street/town units have codes but no boundaries).
/// 2. Road + house number against address points (features with addr_street /
///    addr_housenumber): the exact number (385, 385号, 50;52 holding 50), then the
///    main number of 385-1, then a point interpolated between the nearest numbers of
///    the same parity on that street, else the nearest number.
/// 3. The road alone: the road's line features (the segment nearest the middle of
///    the road's segments), else the middle of the road's address points.
/// 4. A place name: exact names first (the text with and without the admin names in
///    front of it: 广州市海关, 海关), then full-text search (SearchService).
/// 5. Else the deepest admin unit's centre. Street/town units have no geometry in our
///    data: the answer is their district's centre at level `street`.
///
/// Confidence (0…1) = base of the match × penalties:
/// - base: house_number exact 1.0, by main number (385 for 385-1) 0.85, interpolated
///   0.75, nearest number 0.6 − 0.01 per number away (≥ 0.4); poi exact name 0.9,
///   poi full-text 0.85 (exact) / 0.7 (prefix) / 0.6 (substring, full pinyin, initials) /
///   0.5 (address) / 0.3 (one character off, partial pinyin);
///   road 0.6 (0.5 when the query's house number is not on it exactly); street 0.35
///   (district centre); district 0.3; city 0.2; province 0.1.
/// - × 0.8 for every parsed admin part the result's admin chain contradicts;
/// - × 0.9 when the search had to leave the admin area the query named;
/// - × 0.9 when only part of the road text named a road (珠江新城花城大道 → 花城大道);
/// - × 1 / (1 + 0.25 (n − 1)) when n distinct features more than 200 m apart match
///   equally well (five 麦当劳 in one district).
public struct Geocoder: Sendable {
    public static let defaultLimit = 1, maxLimit = 10
    /// Longest address accepted (characters).
    public static let maxAddressLength = 200
    /// Most addresses in one batch.
    public static let maxBatch = 1_000
    /// How long the admin gazetteer is kept before it is read again.
    static let gazetteerTTL = Duration.seconds(60)

    public enum MatchLevel: String, Sendable, CaseIterable {
        case houseNumber = "house_number", poi, road, street, district, city, province
    }

    /// One answer.
    public struct Candidate: Sendable {
        /// CGCS2000.
        public var lon: Double
        public var lat: Double
        public var level: MatchLevel
        public var confidence: Double
        /// What matched: the feature's name, the road, or the admin unit.
        public var name: String
        /// Admin units containing the result, province first (street/town when the query named one consistent with it).
        public var admin: [AdminGazetteer.Entry]
        /// The feature the point comes from (nil for admin centres and interpolated numbers).
        public var layer: String?
        public var fid: Int64?
        public var street: String?
        public var housenumber: String?
        /// Why the confidence is what it is, for people.
        public var notes: [String]
    }

    public struct Answer: Sendable {
        public var parsed: ParsedAddress
        public var candidates: [Candidate]
    }

    /// Fields of a structured query (GET /geocode?road=…&number=…).
    public struct Structured: Sendable {
        public var province: String?, city: String?, district: String?, street: String?
        public var road: String?, number: String?, name: String?
        public init(province: String? = nil, city: String? = nil, district: String? = nil, street: String? = nil,
                    road: String? = nil, number: String? = nil, name: String? = nil) {
            self.province = province
            self.city = city
            self.district = district
            self.street = street
            self.road = road
            self.number = number
            self.name = name
        }
        public var isEmpty: Bool { [province, city, district, street, road, number, name].allSatisfy { $0 == nil } }
    }

    let admin: any AdminStore
    let search: any SearchStore
    let fullText: SearchService?
    private let cache: GazetteerCache

    public init(admin: any AdminStore, search: any SearchStore, fullText: SearchService?) {
        self.admin = admin
        self.search = search
        self.fullText = fullText
        cache = GazetteerCache()
    }

    // MARK: validation

    /// Checks a free-form address; throws a 400 naming `parameter`.
    public static func validate(_ text: String?, parameter: String = "address") throws(ServiceError) -> String {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .badRequest(parameter: parameter, detail: "\(parameter) is required: a Chinese address such as 广州市天河区天河路385号, a road, or a place name")
        }
        let count = text.count
        guard count <= maxAddressLength else {
            throw .badRequest(parameter: parameter, detail: "\(parameter) is \(count) characters long; at most \(maxAddressLength)")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !$0.properties.isWhitespace }) else {
            throw .badRequest(parameter: parameter, detail: "\(parameter) must not hold control characters")
        }
        let normalized = AddressParser.normalize(text)
        guard normalized.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) else {
            throw .badRequest(parameter: parameter, detail: "\(parameter) has nothing to look up: no Chinese characters, letters or digits")
        }
        return text
    }

    public static func validate(limit: Int?) throws(ServiceError) -> Int {
        guard let limit else { return defaultLimit }
        guard (1...maxLimit).contains(limit) else { throw .badRequest(parameter: "limit", detail: "limit must be 1…\(maxLimit)") }
        return limit
    }

    // MARK: entry points

    /// The parser over the current gazetteer.
    public func parser() async throws -> AddressParser {
        AddressParser(gazetteer: try await gazetteer())
    }

    /// Geocodes one free-form address (validated first). `layers`: the layers the caller may read.
    public func geocode(_ text: String, layers: [LayerInfo], limit: Int = defaultLimit) async throws -> Answer {
        let text = try Self.validate(text)
        let parsed = try await parser().parse(text)
        return Answer(parsed: parsed, candidates: try await resolve(parsed, layers: layers, limit: limit))
    }

    /// Geocodes structured fields: each admin field is matched on its own, road and
    /// number are taken as given, `name` is the place name.
    public func geocode(_ s: Structured, layers: [LayerInfo], limit: Int = defaultLimit) async throws -> Answer {
        guard !s.isEmpty else {
            throw ServiceError.badRequest(parameter: nil, detail: "give address=…, or at least one of province, city, district, street, road, number, name")
        }
        let fields: [(String, String?)] = [("province", s.province), ("city", s.city), ("district", s.district), ("street", s.street),
                                            ("road", s.road), ("number", s.number), ("name", s.name)]
        for (key, value) in fields {
            if let value { _ = try Self.validate(value, parameter: key) }
        }
        if s.number != nil && s.road == nil {
            throw ServiceError.badRequest(parameter: "number", detail: "number needs road (the street the number is on)")
        }
        let p = try await parser()
        let joined = fields.compactMap(\.1).joined(separator: " ")
        var parsed = ParsedAddress(input: joined, normalized: AddressParser.normalize(joined))
        var offset = 0
        var context: [AdminGazetteer.Entry] = []
        for (key, value) in fields.prefix(4) {
            guard let value else { continue }
            let one = p.parse(value)
            let norm = AddressParser.normalize(value)
            let wanted: AdminLevel = key == "province" ? .province : key == "city" ? .city : key == "district" ? .district : .street
            if var t = one.admin.first(where: { $0.level == wanted }) ?? (one.admin.count == 1 ? one.admin.first : nil) {
                let entries = t.codes.compactMap { p.gazetteer.entry(code: $0) }
                let inside = entries.filter { e in context.allSatisfy { AdminGazetteer.contains($0, e) } }
                t.codes = (inside + entries.filter { e in !inside.contains(e) }).map(\.code)
                t.conflicts = inside.isEmpty && !context.isEmpty
                t.start += offset
                t.end += offset
                parsed.admin.append(t)
                if let e = inside.first ?? entries.first { context.append(e) }
                switch t.level {
                case .province: parsed.province = entries.first?.name
                case .city: parsed.city = entries.first?.name
                case .district: parsed.district = entries.first?.name
                case .street: parsed.street = entries.first?.name
                }
            } else if key == "street" {
                parsed.street = norm  // an unknown street/town name: kept, not resolved
            } else {
                throw ServiceError.badRequest(parameter: key, detail: "\(key): no administrative area named \"\(value.prefix(40))\"; GET /admin?name=… lists the names")
            }
            offset += norm.count
        }
        if let road = s.road {
            parsed.road = AddressParser.normalize(road)
            parsed.roadHasSuffix = AddressParser.road(Array(parsed.road ?? ""), at: 0) != nil
        }
        if let number = s.number {
            let c = Array(AddressParser.normalize(number))
            if let (start, _, n) = AddressParser.houseNumber(c, from: 0, bare: true), start == 0 {
                parsed.houseNumber = n
            } else {
                throw ServiceError.badRequest(parameter: "number", detail: "number must be a house number such as 385, 385号 or 385-1")
            }
        }
        if let name = s.name { parsed.poi = AddressParser.normalize(name) }
        return Answer(parsed: parsed, candidates: try await resolve(parsed, layers: layers, limit: limit))
    }

    // MARK: gazetteer

    /// All admin units (province … street/town). Read once, then again in the
    /// background when older than `gazetteerTTL` (requests meanwhile use the old one).
    func gazetteer() async throws -> AdminGazetteer {
        switch cache.lookup() {
        case .fresh(let g):
            return g
        case .stale(let g):
            let admin = self.admin, cache = self.cache
            Task {
                defer { cache.reloadFinished() }
                if let fresh = try? await Self.loadGazetteer(admin) { cache.store(fresh) }
            }
            return g
        case .missing:
            let g = try await Self.loadGazetteer(admin)
            cache.store(g)
            return g
        }
    }

    static func loadGazetteer(_ admin: any AdminStore) async throws -> AdminGazetteer {
        // Every name starts with the empty prefix: one query lists every unit.
        AdminGazetteer(units: try await admin.adminSearch(name: "", level: nil, ancestor: nil, limit: 1_000_000).map(\.unit))
    }

    // MARK: resolution

    /// Which of the caller's layers hold what.
    struct LayerSets {
        /// Everything but the admin boundaries (whose names are the gazetteer's).
        var named: [String]
        /// Line layers: roads.
        var lines: [String]
        init(_ layers: [LayerInfo]) {
            let usable = layers.filter { $0.id != AdminService.boundaryLayer }
            named = usable.map(\.id)
            lines = usable.filter { $0.geometryType.range(of: "LineString", options: .caseInsensitive) != nil }.map(\.id)
        }
    }

    /// The admin chain the parsed names agree on.
    struct Scope {
        /// Deepest unit first is `chain.last`; empty when the query names none.
        var chain: [AdminGazetteer.Entry] = []
        /// Tokens the chain contradicts.
        var conflicts = 0
        /// Other chains the conflicting tokens would give (tried when the first finds nothing).
        var alternatives: [[AdminGazetteer.Entry]] = []

        /// County-level code prefix for searches (a street scopes to its district).
        var prefix: String? { chain.last.map(\.searchPrefix) }
    }

    static func scope(_ parsed: ParsedAddress, _ g: AdminGazetteer) -> Scope {
        let tokens = parsed.admin
        guard !tokens.isEmpty else { return Scope() }
        var options: [([AdminGazetteer.Entry], Int)] = []
        // Every candidate unit of every token, as the deepest unit of a chain.
        for t in tokens {
            for code in t.codes {
                guard let e = g.entry(code: code) else { continue }
                let chain = g.chain(of: e)
                let conflicts = tokens.filter { tok in !tok.codes.contains(where: { c in chain.contains { $0.code == c } }) }.count
                options.append((chain, conflicts))
            }
        }
        // Fewest conflicts, then deepest, then the parser's order.
        let ranked = options.enumerated().sorted { a, b in
            if a.element.1 != b.element.1 { return a.element.1 < b.element.1 }
            if a.element.0.count != b.element.0.count { return a.element.0.count > b.element.0.count }
            return a.offset < b.offset
        }.map(\.element)
        guard let best = ranked.first else { return Scope() }
        var s = Scope(chain: best.0, conflicts: best.1)
        if best.1 > 0 {
            var seen: Set<String> = [best.0.last?.searchPrefix ?? ""]
            for (chain, _) in ranked.dropFirst() {
                guard let p = chain.last?.searchPrefix, seen.insert(p).inserted else { continue }
                s.alternatives.append(chain)
            }
        }
        return s
    }

    /// Parsed admin parts the chain of a result contradicts.
    static func conflicts(_ parsed: ParsedAddress, with chain: [AdminGazetteer.Entry]) -> Int {
        guard let county = chain.last else { return 0 }
        return parsed.admin.filter { t in
            !t.codes.contains { code in
                chain.contains { $0.code == code }
                    // A street/town is known by code only: it agrees when it lies in the result's county.
                    || (t.level == .street && county.level != .street && code.hasPrefix(county.prefix))
            }
        }.count
    }

    func resolve(_ parsed: ParsedAddress, layers: [LayerInfo], limit: Int) async throws -> [Candidate] {
        let g = try await gazetteer()
        let sets = LayerSets(layers)
        let scope = Self.scope(parsed, g)
        var out: [Candidate] = []

        // The area to search in: the scope, then the alternatives, then anywhere.
        var areas: [(prefix: String?, penalty: Double, note: String?)] = [(scope.prefix, 1, nil)]
        for alt in scope.alternatives { areas.append((alt.last?.searchPrefix, 1, nil)) }
        if scope.prefix != nil {
            areas.append((nil, 0.9, "not found inside \(scope.chain.last?.name ?? "the area named"); found elsewhere"))
        }

        // 2–3. Road and house number.
        var roadFound = false
        if let road = parsed.road, !sets.named.isEmpty {
            var variants = [(road, 1.0)]
            if parsed.roadHasSuffix, !(try await roadExists(road, sets)) {
                // Only a tail that names a road somewhere: 珠江新城花城大道 → 花城大道.
                for tail in Self.trimmedRoads(road) where try await roadExists(tail, sets) {
                    variants.append((tail, 0.9))
                    break
                }
            }
            search: for (name, trimPenalty) in variants {
                for area in areas {
                    var found: [Candidate] = []
                    if let number = parsed.houseNumber {
                        found += try await addressMatches(road: name, number: number, prefix: area.prefix, sets: sets, g: g)
                    }
                    let exact = found.contains { $0.confidence >= 0.85 }
                    let roads = try await roadMatches(road: name, prefix: area.prefix, sets: sets, g: g,
                                                      numberMissed: parsed.houseNumber != nil && !exact)
                    found += roads
                    guard !found.isEmpty else { continue }
                    for var c in found {
                        c.confidence *= area.penalty * trimPenalty
                        if let n = area.note { c.notes.append(n) }
                        if trimPenalty < 1 { c.notes.append("road \(name) matched part of \(road)") }
                        out.append(c)
                    }
                    roadFound = true
                    break search
                }
            }
        }

        // 4. Place names: exact first, then full-text.
        let names = Self.placeNames(parsed, roadFound: roadFound)
        var exactPOI = false
        if !names.isEmpty, !sets.named.isEmpty {
            exact: for area in areas {
                for name in names {
                    // Points first: a POI node is placed where the place is (an entrance, a
                    // centre); a same-named polygon's point on surface is anywhere inside it.
                    let found = try await search.entries(named: name, layers: sets.named, adminPrefix: area.prefix, limit: 50)
                        .filter { !Self.isLine($0) }
                    let hits = found.filter(Self.isPoint) + found.filter { !Self.isPoint($0) }
                    guard !hits.isEmpty else { continue }
                    for var c in Self.spread(hits.map { self.candidate($0, level: .poi, base: 0.9, g: g) }) {
                        c.confidence *= area.penalty
                        if let n = area.note { c.notes.append(n) }
                        out.append(c)
                    }
                    exactPOI = true
                    break exact
                }
            }
        }
        let haveAddress = out.contains { $0.level == .houseNumber && $0.confidence >= 0.75 }
        if !exactPOI, let service = fullText, let text = Self.fullTextQuery(parsed, roadFound: roadFound),
           !haveAddress || limit > out.count {
            var request = SearchRequest(text: text)
            request.adminPrefix = scope.prefix
            request.limit = 5
            let usable = layers.filter { $0.id != AdminService.boundaryLayer }
            var hits = try await service.search(request, layers: usable).hits
            var penalty = 1.0
            if hits.isEmpty, scope.prefix != nil {
                request.adminPrefix = nil
                hits = try await service.search(request, layers: usable).hits
                penalty = 0.9
            }
            // One character off says little about a short name (天河路 ~ 天河区…).
            for h in hits where !Self.isLine(h.entry) && (h.match != .fuzzy || text.count >= 5) {
                let base: Double = switch h.match {
                case .exact: 0.85
                case .prefix: 0.7
                case .substring, .pinyin, .initials: 0.6
                case .address: 0.5
                default: 0.3
                }
                var c = candidate(h.entry, level: .poi, base: base, g: g)
                c.confidence *= penalty
                c.notes.append("full-text match (\(h.match.rawValue)) for \(text)")
                out.append(c)
            }
        }

        // 4b. Still no place: the place name may carry an area in front or a part behind
        // (珠江新城花城广场 → 花城广场, 花城广场东门 → 花城广场). Longest part first.
        if !out.contains(where: { $0.level == .poi }), let poi = parsed.poi, !sets.named.isEmpty {
            partial: for part in Self.partialNames(poi).prefix(12) {
                let found = try await search.entries(named: part, layers: sets.named, adminPrefix: scope.prefix, limit: 50)
                    .filter { !Self.isLine($0) }
                guard !found.isEmpty else { continue }
                for var c in Self.spread(found.map { self.candidate($0, level: .poi, base: 0.6, g: g) }) {
                    c.notes.append("matched \(part), part of \(poi)")
                    out.append(c)
                }
                break partial
            }
        }

        // 5. The deepest admin unit's centre.
        if let c = adminCandidate(parsed, scope) { out.append(c) }

        // Admin parts the result contradicts.
        for i in out.indices {
            let n = Self.conflicts(parsed, with: out[i].admin.filter { $0.level != .street })
            if n > 0 {
                out[i].confidence *= pow(0.8, Double(n))
                out[i].notes.append("\(n) admin part\(n == 1 ? "" : "s") of the query disagree\(n == 1 ? "s" : "") with where this is")
            }
            out[i].confidence = (out[i].confidence * 1000).rounded() / 1000
        }
        // Stable: equal candidates keep the order they were found in.
        let order = Dictionary(uniqueKeysWithValues: MatchLevel.allCases.enumerated().map { ($1, $0) })
        out = out.enumerated().sorted { x, y in
            let (a, b) = (x.element, y.element)
            if a.confidence != b.confidence { return a.confidence > b.confidence }
            if a.level != b.level { return order[a.level]! < order[b.level]! }
            return x.offset < y.offset
        }.map(\.element)
        // One answer per place: drop a later candidate within 25 m of an earlier one.
        var kept: [Candidate] = []
        for c in out where kept.count < limit {
            if kept.contains(where: { Self.distance($0, c) < 25 }) { continue }
            kept.append(c)
        }
        return kept
    }

    // MARK: addresses

    /// Address points on `road` with `number`: exact, main number, interpolated, nearest.
    func addressMatches(road: String, number: String, prefix: String?, sets: LayerSets, g: AdminGazetteer) async throws -> [Candidate] {
        for variant in [number, number + "号"] {
            let hits = try await search.addressEntries(street: road, housenumber: variant, layers: sets.named, adminPrefix: prefix, limit: 20)
            if !hits.isEmpty {
                return Self.spread(hits.map { candidate($0, level: .houseNumber, base: 1.0, g: g) })
            }
        }
        let all = try await search.addressEntries(street: road, housenumber: nil, layers: sets.named, adminPrefix: prefix, limit: 2_000)
        guard !all.isEmpty else { return [] }
        let wanted = Self.houseNumbers(number)
        guard let main = wanted.first?.main else { return [] }
        // 50;52 holds 50; 2001号 is 2001.
        let exact = all.filter { e in Self.houseNumbers(e.housenumber ?? "").contains { $0 == wanted[0] } }
        if !exact.isEmpty { return Self.spread(exact.map { candidate($0, level: .houseNumber, base: 1.0, g: g) }) }
        if wanted[0].sub != nil {
            let base = all.filter { e in Self.houseNumbers(e.housenumber ?? "").contains { $0.main == main && $0.sub == nil } }
            if !base.isEmpty {
                return Self.spread(base.map { e in
                    var c = candidate(e, level: .houseNumber, base: 0.85, g: g)
                    c.notes.append("\(number) located by its main number \(main)")
                    return c
                })
            }
        }
        // Numbered points of this street, grouped by county (the same street name in two districts are two streets).
        var numbered: [(n: Int, e: SearchEntry)] = []
        for e in all {
            for h in Self.houseNumbers(e.housenumber ?? "") where h.sub == nil { numbered.append((h.main, e)) }
        }
        guard !numbered.isEmpty else { return [] }
        let byCounty = Dictionary(grouping: numbered) { $0.e.adminCode ?? "" }
        var out: [Candidate] = []
        for (_, points) in byCounty {
            let sameParity = points.filter { $0.n % 2 == main % 2 }
            let pool = sameParity.isEmpty ? points : sameParity
            let below = pool.filter { $0.n < main }.max { $0.n < $1.n }
            let above = pool.filter { $0.n > main }.min { $0.n < $1.n }
            if let a = below, let b = above, b.n - a.n <= 40, Self.distance(a.e, b.e) < 500 {
                let t = Double(main - a.n) / Double(b.n - a.n)
                var c = candidate(a.e, level: .houseNumber, base: 0.75, g: g)
                c.lon = a.e.lon + (b.e.lon - a.e.lon) * t
                c.lat = a.e.lat + (b.e.lat - a.e.lat) * t
                c.layer = nil
                c.fid = nil
                c.name = road + String(main) + "号"
                c.housenumber = number
                c.notes.append("\(number) interpolated between \(a.n) and \(b.n)")
                out.append(c)
            } else if let nearest = pool.min(by: { abs($0.n - main) < abs($1.n - main) }) {
                let away = abs(nearest.n - main)
                var c = candidate(nearest.e, level: .houseNumber, base: max(0.4, 0.6 - 0.01 * Double(away)), g: g)
                c.notes.append("no \(number) on \(road); nearest number is \(nearest.n)")
                out.append(c)
            }
        }
        return out
    }

    /// House numbers in an address point's number: "50;52" → 50, 52; "385-1" → 385 sub 1; "2001号" → 2001.
    struct HouseNumber: Equatable { var main: Int; var sub: Int? }

    static func houseNumbers(_ raw: String) -> [HouseNumber] {
        var out: [HouseNumber] = []
        for part in raw.split(whereSeparator: { ";,/、；，".contains($0) }) {
            let c = Array(AddressParser.normalize(String(part)))
            var i = 0
            while i < c.count, !c[i].isASCIIDigit { i += 1 }
            var j = i
            while j < c.count, c[j].isASCIIDigit, j - i < 8 { j += 1 }
            guard j > i, let main = Int(String(c[i..<j])) else { continue }
            var k = j
            if k < c.count, "号號".contains(c[k]) { k += 1 }
            var sub: Int?
            if k < c.count, "-之".contains(c[k]) {
                var e = k + 1
                while e < c.count, c[e].isASCIIDigit, e - k < 6 { e += 1 }
                if e > k + 1 {
                    sub = Int(String(c[(k + 1)..<e]))
                } else if let v = AddressParser.chineseNumber(c[(k + 1)...].prefix { AddressParser.chineseDigits[$0] != nil || $0 == "十" }) {
                    sub = v
                }
            }
            out.append(HouseNumber(main: main, sub: sub))
        }
        return out
    }

    // MARK: roads

    /// The road's line features (grouped by county, each group's middle segment),
    /// else the middle of the address points on it.
    func roadMatches(road: String, prefix: String?, sets: LayerSets, g: AdminGazetteer, numberMissed: Bool) async throws -> [Candidate] {
        let base = numberMissed ? 0.5 : 0.6
        var points: [SearchEntry] = []
        if !sets.lines.isEmpty {
            points = try await search.entries(named: road, layers: sets.lines, adminPrefix: prefix, limit: 500).filter(Self.isLine)
        }
        var fromAddresses = false
        if points.isEmpty {
            points = try await search.addressEntries(street: road, housenumber: nil, layers: sets.named, adminPrefix: prefix, limit: 500)
            fromAddresses = true
        }
        guard !points.isEmpty else { return [] }
        let groups = Dictionary(grouping: points) { $0.adminCode ?? "" }.values.sorted { $0.count > $1.count }
        let ambiguity = 1 / (1 + 0.25 * Double(groups.count - 1))
        return groups.map { group in
            let mid = Self.medoid(group)
            var c = candidate(mid, level: .road, base: base * ambiguity, g: g)
            c.name = road
            c.street = road
            c.housenumber = nil
            if fromAddresses { c.layer = nil; c.fid = nil }
            c.notes.append(fromAddresses ? "road located by the middle of its \(group.count) address points" : "middle of the road's \(group.count) segment\(group.count == 1 ? "" : "s")")
            if numberMissed { c.notes.append("the house number was not found on this road") }
            if groups.count > 1 { c.notes.append("\(groups.count) roads of this name in different districts") }
            return c
        }
    }

    /// Whether any readable line or address point carries this road name.
    func roadExists(_ name: String, _ sets: LayerSets) async throws -> Bool {
        if !sets.lines.isEmpty, try await !search.entries(named: name, layers: sets.lines, adminPrefix: nil, limit: 5).filter(Self.isLine).isEmpty {
            return true
        }
        return try await !search.addressEntries(street: name, housenumber: nil, layers: sets.named, adminPrefix: nil, limit: 1).isEmpty
    }

    /// Shorter forms of a road text that may hold a place name in front (珠江新城花城大道 → 花城大道):
    /// every tail with at least two name characters before the road word, longest first.
    static func trimmedRoads(_ road: String) -> [String] {
        let c = Array(road)
        guard c.count >= 4 else { return [] }
        var out: [String] = []
        for k in 1..<(c.count - 2) {
            let tail = Array(c[k...])
            guard let end = AddressParser.road(tail, at: 0), end == tail.count else { continue }
            // At least two characters before the road word.
            let word = ["横路", "直街", "横街", "大道", "大街", "马路", "胡同"].contains { road.hasSuffix($0) } ? 2 : 1
            if tail.count - word >= 2 { out.append(String(tail)) }
        }
        return out.prefix(6).map { $0 }
    }

    // MARK: place names

    /// Names to look up exactly, longest first: the whole text, the text from each
    /// admin name on (广州市海关 → 广州市海关, 海关), the admin names just before the
    /// place name with it (广州天河体育中心 → 天河体育中心), the place name alone, and
    /// the road text when it named no road (澳门街, 沙基东约).
    static func placeNames(_ parsed: ParsedAddress, roadFound: Bool) -> [String] {
        var names: [String] = []
        func add(_ s: String?) {
            guard let s, !s.isEmpty, s.count <= 100, !names.contains(s) else { return }
            names.append(s)
        }
        let c = Array(parsed.normalized)
        let hasParts = parsed.houseNumber != nil || parsed.building != nil || parsed.unit != nil || parsed.room != nil || parsed.floor != nil
        if !hasParts, parsed.road == nil || !roadFound {
            add(parsed.normalized)
            for t in parsed.admin where t.start > 0 && t.start < c.count { add(String(c[t.start...])) }
        }
        if let poi = parsed.poi {
            var prefix = ""
            for t in parsed.admin.reversed() {
                prefix = t.text + prefix
                add(prefix + (parsed.community ?? "") + poi)
            }
            if let community = parsed.community { add(community + poi) }
            add(poi)
        } else if parsed.road == nil, parsed.houseNumber == nil, let community = parsed.community {
            add(community)
        }
        if let road = parsed.road, !roadFound {
            add(road)
            if parsed.houseNumber != nil, let poi = parsed.poi { add(road + poi) }
        }
        return names.sorted { $0.count > $1.count }
    }

    /// Tails (≥ 2 characters) then heads (≥ 3) of a place name, longest first.
    static func partialNames(_ name: String) -> [String] {
        let c = Array(name)
        guard c.count >= 3 else { return [] }
        let tails = (1...(c.count - 2)).map { String(c[$0...]) }
        let heads = c.count > 3 ? (3...(c.count - 1)).reversed().map { String(c[..<$0]) } : []
        return (tails + heads).sorted { $0.count > $1.count }
    }

    /// The text for full-text search when no exact name matched: the place name, or
    /// what is left of the query when it parsed into nothing more specific.
    static func fullTextQuery(_ parsed: ParsedAddress, roadFound: Bool) -> String? {
        var text: String?
        if let poi = parsed.poi {
            text = (parsed.admin.last.map { $0.isShort ? $0.text : "" } ?? "") + poi
        } else if parsed.road != nil, !roadFound {
            text = parsed.road
        } else if parsed.admin.isEmpty, parsed.community == nil, parsed.road == nil {
            text = parsed.normalized
        }
        guard let t = text, t.count >= 2 else { return nil }
        return String(t.prefix(SearchService.maxQueryLength))
    }

    // MARK: admin

    func adminCandidate(_ parsed: ParsedAddress, _ scope: Scope) -> Candidate? {
        guard let deepest = scope.chain.last else { return nil }
        // The deepest unit with a centre (a street/town has none: its district's).
        guard let withCentre = scope.chain.last(where: { $0.centerLon != nil && $0.centerLat != nil }),
              let lon = withCentre.centerLon, let lat = withCentre.centerLat else { return nil }
        let level: MatchLevel = switch deepest.level {
        case .province: .province
        case .city: .city
        case .district: .district
        case .street: .street
        }
        let base: Double = switch level {
        case .street: 0.35
        case .district: 0.3
        case .city: 0.2
        default: 0.1
        }
        var notes: [String] = []
        if deepest.level == .street {
            notes.append("street/town units have no boundary or centre in the data: this is the centre of \(withCentre.name)")
        } else {
            notes.append("centre of \(deepest.name)")
        }
        if let community = parsed.community {
            notes.append("community/village \(community) is not in the data")
        }
        if parsed.road != nil || parsed.poi != nil {
            notes.append("nothing more specific found")
        }
        return Candidate(lon: lon, lat: lat, level: level, confidence: base, name: deepest.name, admin: scope.chain,
                         layer: nil, fid: nil, street: nil, housenumber: nil, notes: notes)
    }

    // MARK: helpers

    func candidate(_ e: SearchEntry, level: MatchLevel, base: Double, g: AdminGazetteer) -> Candidate {
        let chain = e.adminCode.flatMap { g.county(adcode: $0) }.map { g.chain(of: $0) } ?? []
        return Candidate(lon: e.lon, lat: e.lat, level: level, confidence: base, name: e.name, admin: chain,
                         layer: e.layer, fid: e.fid, street: e.street, housenumber: e.housenumber, notes: [])
    }

    /// Equally good hits for distinct places: each confidence shrinks with their number
    /// (hits within 200 m of each other are one place, say a building and its POI).
    static func spread(_ cands: [Candidate]) -> [Candidate] {
        var places: [Candidate] = []
        for c in cands where !places.contains(where: { distance($0, c) < 200 }) { places.append(c) }
        guard places.count > 1 else { return cands }
        let f = 1 / (1 + 0.25 * Double(places.count - 1))
        return cands.map { c in
            var c = c
            c.confidence *= f
            c.notes.append("\(places.count) places match equally well")
            return c
        }
    }

    static func isLine(_ e: SearchEntry) -> Bool { e.geometryType.hasSuffix("LINESTRING") || e.geometryType.hasSuffix("LineString") }
    static func isPoint(_ e: SearchEntry) -> Bool { e.geometryType.hasSuffix("POINT") || e.geometryType.hasSuffix("Point") }

    static func distance(_ a: Candidate, _ b: Candidate) -> Double {
        Geodesic.cgcs2000.inverse(lon1: a.lon, lat1: a.lat, lon2: b.lon, lat2: b.lat).distance
    }

    static func distance(_ a: SearchEntry, _ b: SearchEntry) -> Double {
        Geodesic.cgcs2000.inverse(lon1: a.lon, lat1: a.lat, lon2: b.lon, lat2: b.lat).distance
    }

    /// The entry nearest all the others (the middle of a road's segments).
    static func medoid(_ es: [SearchEntry]) -> SearchEntry {
        guard es.count > 2 else { return es[0] }
        let pts = es.prefix(200)
        // Equirectangular distances suffice to pick the middle one.
        let k = cos(pts[pts.startIndex].lat * .pi / 180)
        var best = pts[pts.startIndex], bestSum = Double.infinity
        for a in pts {
            var sum = 0.0
            for b in pts {
                let dx = (a.lon - b.lon) * k, dy = a.lat - b.lat
                sum += (dx * dx + dy * dy).squareRoot()
            }
            if sum < bestSum { bestSum = sum; best = a }
        }
        return best
    }
}

/// The gazetteer and when it was read; at most one background reload at a time.
private final class GazetteerCache: Sendable {
    enum Lookup { case fresh(AdminGazetteer), stale(AdminGazetteer), missing }

    private struct State {
        var gazetteer: AdminGazetteer?
        var read = ContinuousClock.now
        var reloading = false
    }
    private let state = Mutex(State())

    /// `.stale` is returned to one caller only, who reloads; the others get `.fresh` until then.
    func lookup() -> Lookup {
        state.withLock { s in
            guard let g = s.gazetteer else { return .missing }
            guard ContinuousClock.now - s.read >= Geocoder.gazetteerTTL, !s.reloading else { return .fresh(g) }
            s.reloading = true
            return .stale(g)
        }
    }

    func store(_ g: AdminGazetteer) {
        state.withLock { s in
            s.gazetteer = g
            s.read = .now
        }
    }

    func reloadFinished() {
        state.withLock { $0.reloading = false }
    }
}
