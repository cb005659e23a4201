import Foundation
import OneMapStore

// MARK: - Gazetteer

/// The administrative names the parser recognises, built from `admin_units` rows
/// (province / city / district with centres, street/town units without): full names
/// (广东省, 广州市, 天河区, 沙面街道, 石龙镇) and the short names people type (广东,
/// 广州, 天河, 沙面, 石龙). Nothing is hard-coded: a new code list gives new names.
public struct AdminGazetteer: Sendable {
    public struct Entry: Sendable, Hashable {
        /// 12 digits.
        public let code: String
        public let name: String
        public let shortName: String
        public let level: AdminLevel
        public let parentCode: String?
        public let centerLon: Double?
        public let centerLat: Double?

        public var adcode: String { AdminCode.published(code, level: level) }
        /// The code prefix every descendant's code starts with (4419 for 东莞市).
        public var prefix: Substring { code.prefix(level.prefixLength) }
        /// The county-level prefix searches can filter on (SearchEntry.adminCode is 6 digits).
        public var searchPrefix: String { String(code.prefix(min(level.prefixLength, 6))) }
    }

    public let entries: [Entry]
    private let byCode: [String: Int]
    private let byFullName: [String: [Int]]
    private let byShortName: [String: [Int]]
    /// Longest name in characters (bounds the parser's look-ups).
    let maxNameLength: Int

    public init(units: [AdminUnit]) {
        var entries: [Entry] = []
        var byCode: [String: Int] = [:], full: [String: [Int]] = [:], short: [String: [Int]] = [:]
        var longest = 0
        for u in units where byCode[u.code] == nil {
            let e = Entry(code: u.code, name: Self.fold(u.name), shortName: Self.fold(u.shortName), level: u.level,
                          parentCode: u.parentCode, centerLon: u.centerLon, centerLat: u.centerLat)
            let i = entries.count
            entries.append(e)
            byCode[e.code] = i
            full[e.name, default: []].append(i)
            if e.shortName != e.name, e.shortName.count >= 2 { short[e.shortName, default: []].append(i) }
            longest = max(longest, e.name.count, e.shortName.count)
        }
        self.entries = entries
        self.byCode = byCode
        byFullName = full
        byShortName = short
        maxNameLength = longest
    }

    private static func fold(_ s: String) -> String { AddressParser.normalize(s) }

    public var isEmpty: Bool { entries.isEmpty }

    public func entry(code: String) -> Entry? { byCode[code].map { entries[$0] } }

    /// The county-level unit (or city without counties, 东莞 441900) of a 6-digit adcode.
    public func county(adcode: String) -> Entry? {
        guard let code = AdminCode.normalize(adcode) else { return nil }
        return entry(code: code)
    }

    /// Units whose full name is `name`, and those whose short name is.
    func lookup(_ name: String) -> (full: [Entry], short: [Entry]) {
        ((byFullName[name] ?? []).map { entries[$0] }, (byShortName[name] ?? []).map { entries[$0] })
    }

    /// Province first, `entry` last.
    public func chain(of entry: Entry) -> [Entry] {
        var out = [entry]
        var seen: Set<String> = [entry.code]
        while let p = out[0].parentCode, let e = self.entry(code: p), seen.insert(p).inserted {
            out.insert(e, at: 0)
        }
        return out
    }

    /// True when `a` contains `b` (strictly higher level, code prefix shared).
    public static func contains(_ a: Entry, _ b: Entry) -> Bool {
        a.level.depth < b.level.depth && b.code.hasPrefix(a.prefix)
    }
}

extension AdminLevel {
    /// 0 province … 3 street/town.
    public var depth: Int {
        switch self {
        case .province: 0
        case .city: 1
        case .district: 2
        case .street: 3
        }
    }
}

// MARK: - Parsed address

/// A Chinese address split into its parts. Every part is optional; admin parts hold
/// the unit's full name (广州 → 广州市) and `admin` the tokens as written with their
/// candidate codes. House number, building, unit, floor and room use ASCII digits
/// (三单元 → 3, 385号之一 → 385-1).
public struct ParsedAddress: Sendable, Equatable {
    /// One administrative name found in the text.
    public struct AdminToken: Sendable, Equatable {
        /// As written (after normalisation): 广州, 天河区.
        public var text: String
        public var level: AdminLevel
        /// Matched a short name (广州 for 广州市) rather than the full name.
        public var isShort: Bool
        /// 12-digit codes of the units with this name, those consistent with the
        /// tokens before first. More than one when the name alone is ambiguous.
        public var codes: [String]
        /// The token is not inside the units named before it (广州市龙岗区).
        public var conflicts: Bool
        /// Character offsets in `normalized`.
        public var start: Int
        public var end: Int
    }

    /// The text as given.
    public var input: String
    /// After normalisation: full-width forms folded, spaces dropped (kept between
    /// two Latin letters or digits), list separators dropped.
    public var normalized: String
    public var province: String?
    public var city: String?
    public var district: String?
    /// 街道 / 镇 / 乡.
    public var street: String?
    /// 社区 / 村 / 居委会.
    public var community: String?
    /// 天河北路, 中山大道西, 沙面大街.
    public var road: String?
    /// Whether `road` ends in a road word (路, 街, 大道…); false when it is only the
    /// text before a house number (沙基东约7号 → 沙基东约).
    public var roadHasSuffix: Bool
    /// 385, 385-1.
    public var houseNumber: String?
    public var building: String?
    public var unit: String?
    public var floor: String?
    public var room: String?
    /// The place name left over: 天河体育中心, 广州塔, 中山医院.
    public var poi: String?
    /// Text left after the POI that fits no part.
    public var unparsed: String?
    public var admin: [AdminToken]

    public init(input: String, normalized: String) {
        self.input = input
        self.normalized = normalized
        roadHasSuffix = false
        admin = []
    }

    /// True when nothing at all was recognised.
    public var isEmpty: Bool {
        admin.isEmpty && community == nil && road == nil && houseNumber == nil && poi == nil
            && building == nil && unit == nil && floor == nil && room == nil && unparsed == nil
    }
}

// MARK: - Parser

/// Splits Chinese addresses into province / city / district / street-town /
/// community-village / road / house number / building / unit / floor / room and a
/// place name, left to right, the way addresses are written (largest unit first):
///
/// 1. Normalise: NFKC (full-width digits, letters and the ideographic space become
///    ASCII), spaces dropped except between two Latin letters/digits (New Balance),
///    list separators (，、；) dropped.
/// 2. Administrative names from the gazetteer, longest first, each inside the one
///    before. Full names are taken as written (a unit outside the one before is kept
///    and flagged `conflicts`). Short names (广州, 天河) are taken only when the text
///    makes them unambiguous: never directly before a road word (天河路, 中山大道西,
///    广州大道中), a community word (石牌村) or an admin suffix; and only when a unit
///    before contains them, or they end the text, or a further admin name, a
///    community, a road or a house number follows (so 中山医院, 天河体育中心 and
///    广州塔 stay place names). A two-character short name shared by several units in
///    the same context is not taken. Street/town short names (沙面) need a community
///    or the end of the text after them (沙面宾馆 stays a place name).
/// 3. Community: a name ending in 社区, 居委会, 村委会, 居民委员会, 村民委员会 or 村.
/// 4. Road: a name ending in 路, 大道, 大街, 街, 马路, 横路, 直街, 横街, 胡同 (道, 巷, 里,
///    弄 only before a number, a direction or the end), then an optional trailing
///    direction (中山大道西, 黄埔大道中) and segment (二段, 东段). Without a road word,
///    the text before a house number is taken as the road (沙基东约7号).
/// 5. House number: 385号, 385-1号, 385之一, 385号之一, 三号, or bare digits after a road.
/// 6. Building (X栋, X座, X幢, X号楼, and X楼 when X has a letter: A楼), unit (X单元),
///    floor (X层, XF, and X楼 when X is a number: 3楼 is the third floor), room (X室,
///    X房, X号 after a building or unit, bare digits after building/unit/floor).
/// 7. What is left is the place name (`poi`); a second leftover piece goes to `unparsed`.
public struct AddressParser: Sendable {
    public let gazetteer: AdminGazetteer

    public init(gazetteer: AdminGazetteer) {
        self.gazetteer = gazetteer
    }

    // MARK: normalisation

    /// Full-width forms and the ideographic space folded (NFKC), spaces dropped
    /// except between two Latin letters or digits, list separators dropped.
    public static func normalize(_ raw: String) -> String {
        let scalars = Array(raw.precomposedStringWithCompatibilityMapping.unicodeScalars)
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var last: Unicode.Scalar?
        func isDigit(_ s: Unicode.Scalar?) -> Bool { s.map { $0.value >= 0x30 && $0.value <= 0x39 } ?? false }
        for (k, s) in scalars.enumerated() {
            if s.properties.isWhitespace || s.value == 0xFEFF || s.value == 0x200B {
                pendingSpace = true
                continue
            }
            switch s.properties.generalCategory {
            // Controls, invisible format characters, emoji and other symbols name nothing.
            case .control, .format, .otherSymbol, .modifierSymbol, .enclosingMark, .surrogate, .privateUse, .unassigned: continue
            default: break
            }
            if (0xFE00...0xFE0F).contains(s.value) || (0xE0100...0xE01EF).contains(s.value) { continue }  // variation selectors
            switch s {
            case ",", "、", ";", "。", "\u{FF64}":
                // Dropped, except between two numbers (50;52号 → 50-52号).
                pendingSpace = false
                if isDigit(last), k + 1 < scalars.count, isDigit(scalars[k + 1]) {
                    out.append("-")
                    last = "-"
                } else {
                    last = nil
                }
                continue
            case "—", "–", "‐", "~": // dashes in 385—1号, ranges
                pendingSpace = false
                out.append("-")
                last = "-"
                continue
            default: break
            }
            if pendingSpace, let l = last, isLatinOrDigit(l), isLatinOrDigit(s) { out.append(" ") }
            pendingSpace = false
            out.append(s)
            last = s
        }
        return String(out)
    }

    private static func isLatinOrDigit(_ s: Unicode.Scalar) -> Bool {
        (s.value >= 0x30 && s.value <= 0x39) || (s.value >= 0x41 && s.value <= 0x5A) || (s.value >= 0x61 && s.value <= 0x7A)
            || (s.value >= 0xC0 && s.value <= 0x24F) || (s.value >= 0x400 && s.value <= 0x4FF)
    }

    // MARK: parse

    public func parse(_ input: String) -> ParsedAddress {
        let norm = Self.normalize(input)
        var out = ParsedAddress(input: input, normalized: norm)
        let c = Array(norm)
        var pos = 0

        // 2. Administrative names.
        var accepted: [(token: ParsedAddress.AdminToken, entry: AdminGazetteer.Entry)] = []
        while pos < c.count, let m = adminMatch(c, at: pos, context: accepted.map(\.entry)) {
            accepted.append(m)
            pos = m.token.end
        }
        // An unknown 街道 (not in the code list) still names a street.
        var unknownStreet: String?
        if !accepted.contains(where: { $0.entry.level == .street }), let end = Self.unknownStreet(c, at: pos) {
            unknownStreet = String(c[pos..<end])
            pos = end
        }
        out.admin = accepted.map(\.token)
        for (t, e) in accepted {
            switch t.level {
            case .province: out.province = out.province ?? e.name
            case .city: out.city = out.city ?? e.name
            case .district: out.district = out.district ?? e.name
            case .street: out.street = out.street ?? e.name
            }
        }
        if let unknownStreet { out.street = unknownStreet }

        // 3. Community / village.
        if let end = Self.community(c, at: pos) {
            out.community = String(c[pos..<end])
            pos = end
        }

        // 4. Road. A Latin word before a Chinese road name is not part of it (Guangzhou天河路).
        var leading: String?
        if let end = Self.road(c, at: pos) {
            var start = pos
            if c[pos].isLetterASCII, let k = c[pos..<end].firstIndex(where: Self.isIdeograph),
               c[pos..<k].allSatisfy({ $0.isLetterASCII || $0 == " " }), Self.road(c, at: k) == end {
                leading = String(c[pos..<k])
                start = k
            }
            out.road = String(c[start..<end])
            out.roadHasSuffix = true
            pos = end
        } else if let (start, _, _) = Self.houseNumber(c, from: pos, bare: false), start - pos >= 2,
                  c[pos..<start].allSatisfy({ Self.isNameChar($0) || $0 == " " }) {
            out.road = String(c[pos..<start]).trimmingCharacters(in: .whitespaces)
            pos = start
        }

        // 5. House number: right after the road (bare digits allowed), or a 号 number later.
        if out.road != nil, let (start, end, number) = Self.houseNumber(c, from: pos, bare: true), start == pos {
            out.houseNumber = number
            pos = end
        }

        // 6–7. Building, unit, floor, room; the rest is the place name.
        var chunks: [String] = []
        var buffer = ""
        func flush() {
            let t = buffer.trimmingCharacters(in: .whitespaces)
            if !t.isEmpty { chunks.append(t) }
            buffer = ""
        }
        var sawSubdivision = false
        while pos < c.count {
            if let (kind, value, end) = Self.subdivision(c, at: pos, afterSubdivision: sawSubdivision, houseNumberKnown: out.houseNumber != nil) {
                var used = true
                switch kind {
                case .building: if out.building == nil { out.building = value } else { used = false }
                case .unit: if out.unit == nil { out.unit = value } else { used = false }
                case .floor: if out.floor == nil { out.floor = value } else { used = false }
                case .room: if out.room == nil { out.room = value } else { used = false }
                case .houseNumber: if out.houseNumber == nil { out.houseNumber = value } else { used = false }
                }
                if used {
                    flush()
                    if kind != .houseNumber { sawSubdivision = true }
                    pos = end
                    continue
                }
            }
            buffer.append(c[pos])
            pos += 1
        }
        flush()
        // "Near X", "opposite X": the place is X.
        if let last = chunks.last, let word = Self.nearWords.first(where: { last.hasSuffix($0) }), last.count - word.count >= 2 {
            chunks[chunks.count - 1] = String(last.dropLast(word.count))
            chunks.append(word)
        }
        if let leading { chunks.append(leading) }
        if let first = chunks.first { out.poi = first }
        if chunks.count > 1 { out.unparsed = chunks.dropFirst().joined() }
        return out
    }

    /// Words after a place name that locate something near it (沙面宾馆附近).
    static let nearWords = ["附近", "旁边", "对面", "周边", "一带", "门口", "隔壁"]

    // MARK: admin names

    private func adminMatch(_ c: [Character], at pos: Int,
                            context: [AdminGazetteer.Entry]) -> (token: ParsedAddress.AdminToken, entry: AdminGazetteer.Entry)? {
        let deepest = context.last
        let maxLen = min(gazetteer.maxNameLength, c.count - pos)
        guard maxLen >= 2 else { return nil }
        for len in stride(from: maxLen, through: 2, by: -1) {
            let text = String(c[pos..<(pos + len)])
            let (full, short) = gazetteer.lookup(text)
            if full.isEmpty && short.isEmpty { continue }
            let end = pos + len
            // Only units below the last one taken.
            let deeper: (AdminGazetteer.Entry) -> Bool = { e in deepest.map { e.level.depth > $0.level.depth } ?? true }
            let inside: (AdminGazetteer.Entry) -> Bool = { e in context.allSatisfy { AdminGazetteer.contains($0, e) } }
            // Never right before a road word: 东莞大道, 天河北路.
            if Self.roadWordFollows(c, at: end) { continue }

            let fullOK = full.filter(deeper)
            if !fullOK.isEmpty {
                let consistent = fullOK.filter(inside)
                let ordered = consistent + fullOK.filter { !inside($0) }
                let best = ordered[0]
                let token = ParsedAddress.AdminToken(text: text, level: best.level, isShort: false,
                                                     codes: ordered.filter { $0.level == best.level }.map(\.code),
                                                     conflicts: consistent.isEmpty && !context.isEmpty, start: pos, end: end)
                return (token, best)
            }
            // Short names: only consistent units, only when the text makes them clear.
            // A district and a street sharing a short name (龙岗): the higher unit.
            let all = short.filter { deeper($0) && inside($0) }
            guard let level = all.map(\.level).min(by: { $0.depth < $1.depth }) else { continue }
            let cands = all.filter { $0.level == level }
            if len == 2 && cands.count > 1 { continue }
            if Self.communityWordFollows(c, at: end) || Self.adminSuffixFollows(c, at: end) { continue }
            let atEnd = end == c.count
            let ok: Bool
            if level == .street {
                ok = atEnd || Self.community(c, at: end) != nil
            } else {
                let hasContext = context.last.map { AdminGazetteer.contains($0, cands[0]) } ?? false
                ok = hasContext || atEnd
                    || adminMatch(c, at: end, context: context + [cands[0]]) != nil
                    || Self.community(c, at: end) != nil
                    || Self.road(c, at: end) != nil
                    || (Self.houseNumber(c, from: end, bare: false).map { $0.0 > end + 1 } ?? false)
                    || c[end].isASCIIDigit
            }
            guard ok else { continue }
            let token = ParsedAddress.AdminToken(text: text, level: level, isShort: true, codes: cands.map(\.code),
                                                 conflicts: false, start: pos, end: end)
            return (token, cands[0])
        }
        return nil
    }

    /// XX街道 not in the code list: 2–6 name characters then 街道.
    private static func unknownStreet(_ c: [Character], at pos: Int) -> Int? {
        var i = pos
        while i < c.count, i - pos <= 6, isIdeograph(c[i]), !roadWords.contains(c[i]) {
            i += 1
        }
        // i stops at 街 (a road word).
        guard i - pos >= 2, i + 1 < c.count, c[i] == "街", c[i + 1] == "道" else { return nil }
        return i + 2
    }

    // MARK: community

    private static let communityWords: [[Character]] = ["居民委员会", "村民委员会", "居委会", "村委会", "社区", "村"].map(Array.init)

    /// End of a community/village name at `pos`: 1–8 ideographs then 社区 / 居委会 / 村…
    static func community(_ c: [Character], at pos: Int) -> Int? {
        var i = pos + 1
        while i < c.count, i - pos <= 8 {
            guard isIdeograph(c[i - 1]), !structuralChars.contains(c[i - 1]) else { return nil }
            for w in communityWords where matches(c, w, at: i) {
                let end = i + w.count
                if w == ["村"] {
                    // 村 needs a two-character name and must not start a road (新村路) or a word (村口).
                    guard i - pos >= 2, !roadSuffixAt(c, end), !(end < c.count && "委民".contains(c[end])) else { continue }
                }
                return end
            }
            i += 1
        }
        return nil
    }

    static func communityWordFollows(_ c: [Character], at pos: Int) -> Bool {
        communityWords.contains { matches(c, $0, at: pos) }
    }

    static func adminSuffixFollows(_ c: [Character], at pos: Int) -> Bool {
        guard pos < c.count else { return false }
        return "省市区县镇乡".contains(c[pos]) || matches(c, Array("街道"), at: pos)
    }

    // MARK: road

    /// Road words, longest first at a position.
    private static let roadSuffixes: [[Character]] = ["横路", "直街", "横街", "大道", "大街", "马路", "胡同", "路", "街", "道", "巷", "里", "弄"].map(Array.init)
    /// Suffixes that need a number, direction or the end after them (道 is also in 街道, 通道…).
    private static let weakSuffixes: Set<Character> = ["道", "巷", "里", "弄"]
    private static let roadWords: Set<Character> = ["路", "街", "道", "巷", "里", "弄"]
    private static let directions: Set<Character> = ["东", "西", "南", "北", "中"]
    /// Characters that end a name: numbers and subdivision words.
    private static let structuralChars: Set<Character> = ["号", "號", "栋", "座", "幢", "楼", "室", "层", "房", "路", "街", "道", "巷", "弄", "(", ")"]

    /// True when a road word starts at `pos`, possibly after directions and numerals
    /// (天河|北路, 广州|大道中, 沙面|一街, 中山|五路).
    static func roadWordFollows(_ c: [Character], at pos: Int) -> Bool {
        var i = pos
        while i < c.count, i - pos < 3, directions.contains(c[i]) || chineseDigits[c[i]] != nil || c[i] == "十" { i += 1 }
        guard i < c.count else { return false }
        if c[i] == "街" && i + 1 < c.count && c[i + 1] == "道" { return false }
        return roadSuffixes.contains { w in
            guard matches(c, w, at: i) else { return false }
            if w.count == 1 && weakSuffixes.contains(w[0]) {
                let e = i + 1
                return e == c.count || c[e].isASCIIDigit || directions.contains(c[e])
            }
            return true
        }
    }

    /// A road word right at `i` (村|路 in 新村路).
    static func roadSuffixAt(_ c: [Character], _ i: Int) -> Bool {
        roadSuffixes.contains { matches(c, $0, at: i) } && !matches(c, Array("街道"), at: i)
    }

    /// End of a road name starting at `pos`, or nil.
    static func road(_ c: [Character], at pos: Int) -> Int? {
        guard pos < c.count else { return nil }
        var i = pos + 1
        while i < c.count, i - pos <= 24 {
            let prev = c[i - 1]
            guard isNameChar(prev) || (prev == " " && i - 1 > pos), !"号號".contains(prev) else { return nil }
            for w in roadSuffixes where matches(c, w, at: i) {
                var end = i + w.count
                let nameLength = i - pos
                if w == ["街"], end < c.count, c[end] == "道" { continue }  // 街道 is a street unit
                if w.count == 1 && weakSuffixes.contains(w[0]) {
                    guard nameLength >= 2, end == c.count || c[end].isASCIIDigit || directions.contains(c[end]) || chineseDigits[c[end]] != nil else { continue }
                }
                // A lone direction is no road name (北路); 东二巷 is.
                guard nameLength >= 2 || !directions.contains(c[pos]) else { continue }
                // Trailing direction: 中山大道西, 黄埔大道中 (then the end, a number or a segment).
                if end < c.count, directions.contains(c[end]) {
                    let n = end + 1
                    if n == c.count || c[n].isASCIIDigit || c[n] == "段" || matches(c, Array("路段"), at: n) || chineseNumberFollowedByHao(c, at: n) {
                        end += 1
                    }
                }
                // Segment: 一段, 2段, 东段.
                var j = end
                while j < c.count, j - end < 3, c[j].isASCIIDigit || chineseDigits[c[j]] != nil || c[j] == "十" || directions.contains(c[j]) { j += 1 }
                if j > end, j < c.count, c[j] == "段" { end = j + 1 }
                return end
            }
            i += 1
        }
        return nil
    }

    private static func chineseNumberFollowedByHao(_ c: [Character], at pos: Int) -> Bool {
        var i = pos
        while i < c.count, chineseDigits[c[i]] != nil || "十百千".contains(c[i]) { i += 1 }
        return i > pos && i < c.count && "号號".contains(c[i])
    }

    // MARK: numbers

    static let chineseDigits: [Character: Int] = ["零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9]

    /// 三八五 → 385, 十二 → 12, 一百零五 → 105, 二千 → 2000; nil if not a numeral ≤ 9999.
    static func chineseNumber(_ s: ArraySlice<Character>) -> Int? {
        guard !s.isEmpty, s.count <= 8 else { return nil }
        if !s.contains(where: { "十百千".contains($0) }) {
            var v = 0
            for ch in s {
                guard let d = chineseDigits[ch] else { return nil }
                v = v * 10 + d
            }
            return v
        }
        var total = 0, digit = -1
        for ch in s {
            if let d = chineseDigits[ch] {
                digit = d
            } else {
                let unit = ch == "十" ? 10 : ch == "百" ? 100 : ch == "千" ? 1000 : 0
                guard unit > 0 else { return nil }
                total += (digit < 0 ? 1 : digit) * unit
                digit = -1
            }
        }
        if digit > 0 { total += digit }
        return total
    }

    private static func isChineseNumeral(_ ch: Character) -> Bool { chineseDigits[ch] != nil || "十百千".contains(ch) }

    /// A number run at `pos`: ASCII digits, or Chinese numerals. Returns (end, value).
    private static func numberRun(_ c: [Character], at pos: Int, chinese: Bool) -> (Int, String)? {
        var i = pos
        while i < c.count, c[i].isASCIIDigit, i - pos < 8 { i += 1 }
        if i > pos { return (i, String(c[pos..<i])) }
        guard chinese else { return nil }
        while i < c.count, isChineseNumeral(c[i]), i - pos < 8 { i += 1 }
        guard i > pos, let v = chineseNumber(c[pos..<i]) else { return nil }
        return (i, String(v))
    }

    /// The first house number at or after `from`: (start, end, normalised number).
    /// 385号, 385-1号, 385号之一, 385之一, 三号; with `bare`, digits at `from` without 号
    /// (not followed by a building/unit/floor/room word).
    static func houseNumber(_ c: [Character], from: Int, bare: Bool) -> (Int, Int, String)? {
        var s = from
        while s < c.count {
            // A number must not continue a Latin word or another number.
            // (after a Latin word only with 号: Huacheng road6号)
            if s == from || !c[s - 1].isASCIIDigit {
                if let r = numberAt(c, s, bare: bare && s == from) { return (s, r.0, r.1) }
            }
            s += 1
        }
        return nil
    }

    private static func numberAt(_ c: [Character], _ s: Int, bare: Bool) -> (Int, String)? {
        guard let (e1, n1) = numberRun(c, at: s, chinese: true) else { return nil }
        let chineseMain = !c[s].isASCIIDigit
        var end = e1
        var number = n1
        // 385-1, 385之1, 385之一
        if end < c.count, c[end] == "-" || c[end] == "之", let (e2, n2) = numberRun(c, at: end + 1, chinese: c[end] == "之") {
            end = e2
            number += "-" + n2
        }
        if end < c.count, "号號".contains(c[end]), !(end + 1 < c.count && (c[end + 1] == "楼" || c[end + 1] == "房" || c[end + 1] == "馆")) {
            end += 1
            // 385号之一
            if end < c.count, c[end] == "之", !number.contains("-"), let (e3, n3) = numberRun(c, at: end + 1, chinese: true) {
                end = e3
                number += "-" + n3
            }
            return (end, number)
        }
        guard bare, !chineseMain else { return nil }
        if end < c.count, subdivisionWordFollows(c, at: end) || c[end].isLetterASCII { return nil }
        return (end, number)
    }

    // MARK: building / unit / floor / room

    enum Subdivision { case building, unit, floor, room, houseNumber }

    private static func subdivisionWordFollows(_ c: [Character], at i: Int) -> Bool {
        guard i < c.count else { return false }
        return "栋座幢楼层室房".contains(c[i]) || matches(c, Array("单元"), at: i) || matches(c, Array("号楼"), at: i)
            || matches(c, Array("号房"), at: i) || (c[i] == "F" || c[i] == "f")
    }

    /// A value (A, 12, B2, 三) and its word at `pos`.
    static func subdivision(_ c: [Character], at pos: Int, afterSubdivision: Bool,
                            houseNumberKnown: Bool) -> (Subdivision, String, Int)? {
        // Values start a token: not in the middle of a Latin word or a number.
        if pos > 0, c[pos - 1].isLetterASCII || c[pos - 1].isASCIIDigit { return nil }
        var i = pos
        var value = ""
        var letters = 0
        while i < c.count, c[i].isLetterASCII, letters < 2 { letters += 1; i += 1 }
        while i < c.count, c[i].isASCIIDigit, i - pos < 8 { i += 1 }
        if i < c.count, i > pos, c[i - 1].isASCIIDigit, c[i].isLetterASCII, !(c[i] == "F" || c[i] == "f"),
           i + 1 == c.count || !c[i + 1].isLetterASCII { i += 1 }  // 12A
        var numeric = false
        if i > pos {
            value = String(c[pos..<i]).uppercased()
            numeric = value.allSatisfy(\.isASCIIDigit)
            // A bare Latin word (COCO Park) is no value.
            if i < c.count, c[i].isLetterASCII, !(c[i] == "F" || c[i] == "f") { return nil }
        } else if let (e, v) = numberRun(c, at: pos, chinese: true), !c[pos].isASCIIDigit {
            i = e
            value = v
            numeric = true
        } else {
            return nil
        }
        func at(_ w: String) -> Bool { matches(c, Array(w), at: i) }
        if at("号楼") || at("号馆") { return (.building, value, i + 2) }
        if at("单元") { return (.unit, value, i + 2) }
        if at("号房") { return (.room, value, i + 2) }
        if at("栋") || at("座") || at("幢") { return (.building, value, i + 1) }
        if at("层") { return (.floor, value, i + 1) }
        if at("楼") { return (numeric ? .floor : .building, value, i + 1) }
        if at("室") || at("房") { return (.room, value, i + 1) }
        if numeric, at("F") || at("f"), i + 1 == c.count || !c[i + 1].isLetterASCII { return (.floor, value, i + 1) }
        if at("号") || at("號") {
            return (afterSubdivision || houseNumberKnown ? .room : .houseNumber, value, i + 1)
        }
        // Bare digits after a building, unit or floor: the room (2单元1201).
        if afterSubdivision, numeric, c[pos].isASCIIDigit, i == c.count || !isNameChar(c[i]) || c[i] == " " {
            return (.room, value, i)
        }
        return nil
    }

    // MARK: characters

    private static func matches(_ c: [Character], _ w: [Character], at i: Int) -> Bool {
        guard i >= 0, i + w.count <= c.count else { return false }
        for k in 0..<w.count where c[i + k] != w[k] { return false }
        return true
    }

    static func isIdeograph(_ ch: Character) -> Bool {
        ch.unicodeScalars.first?.properties.isIdeographic ?? false
    }

    /// Characters a road or place name is made of.
    static func isNameChar(_ ch: Character) -> Bool {
        isIdeograph(ch) || ch.isLetterASCII || ch.isASCIIDigit || ch == "·" || (ch.isLetter && ch.unicodeScalars.allSatisfy { $0.value < 0x2E80 })
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isLetterASCII: Bool { isASCII && isLetter }
}
