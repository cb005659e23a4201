import Foundation
import GeoCore
import OneMapStore

/// What a caller asks `/search` or `/suggest` for. Coordinates are CGCS2000.
public struct SearchRequest: Sendable {
    public var text: String
    public var categories: [String] = []
    public var bbox: BBox?
    /// Significant digits of an admin code (44, 4401, 440106).
    public var adminPrefix: String?
    /// Only hits within `radius` metres of the point.
    public var near: (lon: Double, lat: Double, radius: Double)?
    /// Re-rank towards this point without excluding anything.
    public var focus: (lon: Double, lat: Double)?
    public var limit = SearchService.defaultLimit
    public var offset = 0
    /// Type-ahead: the last letters typed may be the start of a word or syllable.
    public var typeAhead = false
    public init(text: String) { self.text = text }
}

/// How a hit matched, best first.
public enum SearchMatchKind: String, Sendable {
    case exact, prefix, substring, pinyin, pinyinPrefix = "pinyin_prefix", initials, initialsPrefix = "initials_prefix"
    case address, pinyinSubstring = "pinyin_substring", initialsSubstring = "initials_substring", fuzzy

    /// Base score: an exact name beats anything proximity can add.
    var base: Double {
        switch self {
        case .exact: 100
        case .prefix: 85
        case .pinyin: 80
        case .initials: 78
        case .substring: 70
        case .pinyinPrefix: 66
        case .initialsPrefix: 62
        case .address: 55
        case .pinyinSubstring: 45
        case .initialsSubstring: 40
        case .fuzzy: 30
        }
    }
}

public struct SearchHit: Sendable {
    public let entry: SearchEntry
    public let match: SearchMatchKind
    public let score: Double
    /// Metres from `focus` (or `near`), when one was given.
    public let distance: Double?
}

public struct SearchResults: Sendable {
    public let hits: [SearchHit]
    /// Hits before paging (of at most `candidateLimit` candidates per strategy).
    public let matched: Int
}

/// Chinese POI search: names and addresses by character phrase, pinyin in full and
/// by initials, one-character typo tolerance, filters, and a ranking that puts
/// exact names first and lets a focus point re-rank softly.
public struct SearchService: Sendable {
    public static let maxQueryLength = 100
    public static let defaultLimit = 10, maxLimit = 100, maxOffset = 1_000
    public static let suggestLimit = 8
    public static let maxRadius = 100_000.0
    /// Candidates read per strategy; enough to rank a page well, bounded for speed.
    static let candidateLimit = 400
    /// Typo-tolerant matches are looked for when the exact strategies find fewer hits.
    static let fuzzyBelow = 20
    /// Most a focus point adds: less than the gap between exact and prefix matches.
    static let focusWeight = 12.0, focusScale = 3_000.0

    let store: any SearchStore

    public init(store: any SearchStore) { self.store = store }

    /// Checks and normalises a query; throws a 400 naming `parameter`.
    public static func validate(_ text: String?, parameter: String = "q") throws(ServiceError) -> String {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .badRequest(parameter: parameter, detail: "\(parameter) is required: a name, address or pinyin, e.g. 天河体育中心 or tyzx")
        }
        guard text.count <= maxQueryLength else {
            throw .badRequest(parameter: parameter, detail: "\(parameter) is \(text.count) characters long; at most \(maxQueryLength)")
        }
        guard !SearchText.tokens(text).isEmpty else {
            throw .badRequest(parameter: parameter, detail: "\(parameter) has no searchable characters (Chinese characters, letters or digits)")
        }
        return text
    }

    /// How a hit found by full text matches the query: the best of name, address,
    /// initials and pinyin (nil when none holds the query run together).
    static func classify(_ e: SearchEntry, query: String, letters: Bool) -> SearchMatchKind? {
        var best: SearchMatchKind?
        func consider(_ k: SearchMatchKind) {
            if best.map({ k.base > $0.base }) ?? true { best = k }
        }
        let name = SearchText.tokens(e.name).joined()
        if name.contains(query) { consider(name == query ? .exact : name.hasPrefix(query) ? .prefix : .substring) }
        if let a = e.address, SearchText.tokens(a).joined().contains(query) { consider(.address) }
        if letters {
            let initials = e.initials.replacingOccurrences(of: " ", with: "")
            if query.count >= 2, initials.contains(query) {
                consider(initials == query ? .initials : initials.hasPrefix(query) ? .initialsPrefix : .initialsSubstring)
            }
            let full = e.pinyin.replacingOccurrences(of: " ", with: "")
            if full.contains(query) { consider(full == query ? .pinyin : full.hasPrefix(query) ? .pinyinPrefix : .pinyinSubstring) }
        }
        return best
    }

    public func search(_ r: SearchRequest, layers: [LayerInfo]) async throws -> SearchResults {
        let tokens = SearchText.tokens(r.text)
        guard !tokens.isEmpty, !layers.isEmpty else { return SearchResults(hits: [], matched: 0) }
        var filter = SearchFilter(layers: layers.map(\.id))
        filter.categories = r.categories
        filter.adminPrefix = r.adminPrefix
        filter.bbox = r.bbox
        if let n = r.near {
            let circle = Geodesic.cgcs2000.boundingBox(lon: n.lon, lat: n.lat, radius: n.radius)
            filter.bbox = filter.bbox.map { b in
                BBox(minX: max(b.minX, circle.minX), minY: max(b.minY, circle.minY), maxX: min(b.maxX, circle.maxX), maxY: min(b.maxY, circle.maxY))
            } ?? circle
            if let b = filter.bbox, b.minX > b.maxX || b.minY > b.maxY { return SearchResults(hits: [], matched: 0) }
        }

        let query = tokens.joined()
        let lastIsWord = tokens.last.map { !$0.unicodeScalars.contains(where: SearchText.isHan) } ?? false
        var ranker = Ranker(request: r)

        // One full-text query for every strategy: names and addresses by character
        // phrase, and for letters only ("tianhe", "tyzx", "tian he") initials and full
        // pinyin; how each hit matched is then read off the hit itself.
        let typeAhead = r.typeAhead && lastIsWord
        let letters = query.unicodeScalars.allSatisfy { $0.isASCII && $0.properties.isAlphabetic }
        var alternatives: [SearchMatch] = [.phrase(.name, tokens, prefix: typeAhead), .phrase(.address, tokens, prefix: typeAhead)]
        var matches: [SearchMatch] = []
        if letters {
            // Type-ahead: the last syllable may be unfinished ("shami" → sha mian).
            let segmentations = Pinyin.segmentations(of: query)
                .filter { !$0.lastIsPrefix || r.typeAhead || $0.syllables.count > 1 }
                .map { r.typeAhead ? PinyinSegmentation(syllables: $0.syllables, lastIsPrefix: true) : $0 }
            // Initials: short, or not pinyin at all (a long phrase of one-letter tokens
            // is the costliest full-text query there is, and nobody types 8 initials).
            if query.count >= 2, query.count <= 6 || segmentations.isEmpty {
                alternatives.append(.phrase(.initials, query.map(String.init), prefix: false))
            }
            alternatives += segmentations.map { .phrase(.pinyin, $0.syllables, prefix: $0.lastIsPrefix) }
            if segmentations.isEmpty, query.count >= 3 {
                // Not all syllables: Latin letters in the name (shenzhenlonggangcocopark, xueqinshuyuanbzuo).
                matches.append(.pinyinSubstring(query))
            }
        }
        matches.insert(.any(alternatives), at: 0)
        for entries in try await store.searchCandidates(matches, filter: filter, limit: Self.candidateLimit) {
            for e in entries {
                if let kind = Self.classify(e, query: query, letters: letters) { ranker.add(e, kind) }
            }
        }

        // One wrong, missing or extra character: candidates hold the query minus one
        // character, as the runs either side of it; each is checked by edit distance.
        // Whether to look depends on the query alone, never on the page, so that
        // numberMatched and the order are the same on every page.
        // A query that is the start of a name is not misspelt: no typo search then.
        if ranker.count < Self.fuzzyBelow, tokens.count >= 3, !ranker.hasNamePrefixMatch {
            let parts: [SearchMatch] = tokens.indices.map { i in
                let runs = [Array(tokens[..<i]), Array(tokens[(i + 1)...])].filter { !$0.isEmpty }
                return .all(runs.map { .phrase(.name, $0, prefix: false) })
            }
            let q = Array(query.unicodeScalars)
            for e in try await store.searchCandidates([.any(parts)], filter: filter, limit: Self.candidateLimit)[0] {
                if SearchText.containsWithinOneEdit(Array(SearchText.tokens(e.name).joined().unicodeScalars), q) {
                    ranker.add(e, .fuzzy)
                }
            }
        }

        let ranked = ranker.ranked()
        let page = ranked.dropFirst(r.offset).prefix(r.limit)
        return SearchResults(hits: Array(page), matched: ranked.count)
    }
}

/// Collects hits, keeps each feature's best match, scores and orders them.
private struct Ranker {
    let request: SearchRequest
    private var best: [String: SearchHit] = [:]
    var count: Int { best.count }
    private(set) var hasNamePrefixMatch = false

    init(request: SearchRequest) { self.request = request }

    mutating func add(_ e: SearchEntry, _ kind: SearchMatchKind) {
        if kind == .exact || kind == .prefix { hasNamePrefixMatch = true }
        var distance: Double?
        if let p = request.focus ?? request.near.map({ ($0.lon, $0.lat) }) {
            distance = Geodesic.cgcs2000.inverse(lon1: p.0, lat1: p.1, lon2: e.lon, lat2: e.lat).distance
        }
        if let n = request.near, let d = distance, d > n.radius { return }
        var score = kind.base
        // Shorter names first among equals: 天河 before 天河体育中心东门.
        let extra = max(0, e.name.count - request.text.count)
        score += max(0, 5 - 0.5 * Double(extra))
        if request.focus != nil, let d = distance {
            score += SearchService.focusWeight * exp(-d / SearchService.focusScale)
        }
        // A road's many segments are one road: one hit per layer and name (the
        // best-placed segment). Every other feature is its own hit.
        let key = e.isLine ? "\(e.layer)\u{1}\(SearchText.key(e.name))" : "\(e.layer)\u{1}\(e.fid)"
        if let old = best[key], old.score >= score { return }
        best[key] = SearchHit(entry: e, match: kind, score: score, distance: distance)
    }

    func ranked() -> [SearchHit] {
        best.values.sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.entry.name.count != b.entry.name.count { return a.entry.name.count < b.entry.name.count }
            if a.entry.layer != b.entry.layer { return a.entry.layer < b.entry.layer }
            return a.entry.fid < b.entry.fid
        }
    }
}
