import Foundation
import Testing
@testable import OneMap
@testable import OneMapStore

/// The gazetteer of the sample: Guangdong's province, 21 cities and 124 county-level
/// units (SampleData/admin.geojson) and its 1,757 street/town units (NBS 2023 CSV),
/// made into AdminUnit rows the way the loader makes them.
enum SampleGazetteer {
    static let shared: AdminGazetteer = load()

    static var sampleData: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SampleData").path
    }

    static func load() -> AdminGazetteer {
        var units: [AdminUnit] = []
        if let data = FileManager.default.contents(atPath: sampleData + "/admin.geojson"),
           let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let features = root["features"] as? [[String: Any]] {
            let order: [String: Int] = ["province": 0, "city": 1, "district": 2]
            let props = features.compactMap { $0["properties"] as? [String: Any] }
                .sorted { order[$0["level"] as? String ?? ""] ?? 9 < order[$1["level"] as? String ?? ""] ?? 9 }
            for p in props {
                guard let name = p["name"] as? String, let adcode = p["adcode"] as? String, let code = AdminCode.normalize(adcode),
                      let level = (p["level"] as? String).flatMap(AdminLevel.init(rawValue:)) else { continue }
                let parent = (p["parent_adcode"] as? String).flatMap(AdminCode.normalize).flatMap { $0 == code ? nil : $0 }
                units.append(AdminUnit(code: code, name: name,
                                       shortName: AdminUnitsLoader.shortName(name: name, published: p["short_name"] as? String, level: level),
                                       level: level, parentCode: level == .province ? nil : parent, kind: nil, hasBoundary: true,
                                       layerFid: nil, centerLon: p["center_lon"] as? Double, centerLat: p["center_lat"] as? Double))
            }
        }
        units += (try? AdminUnitsLoader.readStreets(sampleData + "/guangdong_streets_nbs2023.csv")) ?? []
        return AdminGazetteer(units: units)
    }
}

/// Chinese address parsing: normalisation, administrative names (full, short, in
/// context), community, road, house number, building / unit / floor / room, place
/// names, and input that is no address at all.
@Suite struct AddressParserTests {
    let parser = AddressParser(gazetteer: SampleGazetteer.shared)

    /// The parts of `p` as a dictionary (nil parts left out).
    static func parts(_ p: ParsedAddress) -> [String: String] {
        let all: [(String, String?)] = [
            ("province", p.province), ("city", p.city), ("district", p.district), ("street", p.street),
            ("community", p.community), ("road", p.road), ("number", p.houseNumber), ("building", p.building),
            ("unit", p.unit), ("floor", p.floor), ("room", p.room), ("poi", p.poi), ("unparsed", p.unparsed),
        ]
        return Dictionary(uniqueKeysWithValues: all.compactMap { k, v in v.map { (k, $0) } })
    }

    /// Real-shaped addresses and what each must parse into (parts not listed must be absent).
    static let cases: [(String, [String: String])] = [
        // Full addresses.
        ("广东省广州市天河区天河路385号", ["province": "广东省", "city": "广州市", "district": "天河区", "road": "天河路", "number": "385"]),
        ("广东省广州市天河区天河北路233号中信广场", ["province": "广东省", "city": "广州市", "district": "天河区", "road": "天河北路", "number": "233", "poi": "中信广场"]),
        ("广州市越秀区中山五路219号", ["city": "广州市", "district": "越秀区", "road": "中山五路", "number": "219"]),
        ("广州市越秀区沿江中路298号江湾大酒店", ["city": "广州市", "district": "越秀区", "road": "沿江中路", "number": "298", "poi": "江湾大酒店"]),
        ("广州市黄埔区黄埔大道中", ["city": "广州市", "district": "黄埔区", "road": "黄埔大道中"]),
        ("深圳市龙岗区龙翔大道2001号", ["city": "深圳市", "district": "龙岗区", "road": "龙翔大道", "number": "2001"]),
        ("广州市荔湾区沙面大街29号", ["city": "广州市", "district": "荔湾区", "road": "沙面大街", "number": "29"]),
        ("广州市天河区花城大道83号", ["city": "广州市", "district": "天河区", "road": "花城大道", "number": "83"]),
        // No province, no city, no admin at all.
        ("天河区体育西路191号", ["district": "天河区", "road": "体育西路", "number": "191"]),
        ("天河路385号", ["road": "天河路", "number": "385"]),
        ("中山大道西1号", ["road": "中山大道西", "number": "1"]),
        ("广州大道中988号", ["road": "广州大道中", "number": "988"]),
        ("沿江中路298号", ["road": "沿江中路", "number": "298"]),
        ("沙面北街53号", ["road": "沙面北街", "number": "53"]),
        ("沙面一街3号", ["road": "沙面一街", "number": "3"]),
        ("西堤二马路", ["road": "西堤二马路"]),
        ("华利北二直街", ["road": "华利北二直街"]),
        ("六二三路", ["road": "六二三路"]),
        ("大学道", ["road": "大学道"]),
        ("东莞大道", ["road": "东莞大道"]),
        ("沙基东约7号", ["road": "沙基东约", "number": "7"]),
        ("Huacheng road 6号", ["road": "Huacheng road", "number": "6"]),
        ("广州市天河区Huacheng road6号", ["city": "广州市", "district": "天河区", "road": "Huacheng road", "number": "6"]),
        // Abbreviations.
        ("广州天河路385号", ["city": "广州市", "road": "天河路", "number": "385"]),
        ("广东广州天河区体育西路191号", ["province": "广东省", "city": "广州市", "district": "天河区", "road": "体育西路", "number": "191"]),
        ("广州天河体育西路191号", ["city": "广州市", "district": "天河区", "road": "体育西路", "number": "191"]),
        ("东莞石龙镇", ["city": "东莞市", "street": "石龙镇"]),
        ("深圳龙岗", ["city": "深圳市", "district": "龙岗区"]),
        ("天河", ["district": "天河区"]),
        // Full-width digits, letters and spaces; separators.
        ("广州市天河区天河路３８５号", ["city": "广州市", "district": "天河区", "road": "天河路", "number": "385"]),
        ("广州市　天河区　天河路 385 号", ["city": "广州市", "district": "天河区", "road": "天河路", "number": "385"]),
        ("天河路３８５号Ａ座", ["road": "天河路", "number": "385", "building": "A"]),
        ("广东省，广州市，天河区，天河路385号", ["province": "广东省", "city": "广州市", "district": "天河区", "road": "天河路", "number": "385"]),
        // Number forms.
        ("天河路385-1号", ["road": "天河路", "number": "385-1"]),
        ("天河路385号之一", ["road": "天河路", "number": "385-1"]),
        ("天河路385之一", ["road": "天河路", "number": "385-1"]),
        ("沙面大街三号", ["road": "沙面大街", "number": "3"]),
        ("天河路385", ["road": "天河路", "number": "385"]),
        ("沙面大街50;52号", ["road": "沙面大街", "number": "50-52"]),
        // Building, unit, floor, room.
        ("天河区天河路385号3栋2单元1201室", ["district": "天河区", "road": "天河路", "number": "385", "building": "3", "unit": "2", "room": "1201"]),
        ("天河路385号3栋2单元1201", ["road": "天河路", "number": "385", "building": "3", "unit": "2", "room": "1201"]),
        ("天河路385号A座12层1205房", ["road": "天河路", "number": "385", "building": "A", "floor": "12", "room": "1205"]),
        ("天河路385号5号楼3楼", ["road": "天河路", "number": "385", "building": "5", "floor": "3"]),
        ("天河路385号太古汇二座三单元501", ["road": "天河路", "number": "385", "poi": "太古汇", "building": "2", "unit": "3", "room": "501"]),
        ("天河路385号12F", ["road": "天河路", "number": "385", "floor": "12"]),
        ("花城大道83号B栋602号", ["road": "花城大道", "number": "83", "building": "B", "room": "602"]),
        // Street/town and community/village.
        ("广州市天河区石牌村", ["city": "广州市", "district": "天河区", "community": "石牌村"]),
        ("天河区猎德街道猎德村", ["district": "天河区", "street": "猎德街道", "community": "猎德村"]),
        ("东莞市石龙镇西湖社区", ["city": "东莞市", "street": "石龙镇", "community": "西湖社区"]),
        ("深圳市龙岗区龙城街道", ["city": "深圳市", "district": "龙岗区", "street": "龙城街道"]),
        ("荔湾区沙面街道沙面大街29号", ["district": "荔湾区", "street": "沙面街道", "road": "沙面大街", "number": "29"]),
        ("天河区石牌村东二巷5号", ["district": "天河区", "community": "石牌村", "road": "东二巷", "number": "5"]),
        // Place names (POI only, or after admin parts).
        ("广州塔", ["poi": "广州塔"]),
        ("天河体育中心", ["poi": "天河体育中心"]),
        ("中山医院", ["poi": "中山医院"]),
        ("广州海关", ["poi": "广州海关"]),
        ("广东外事博物馆", ["poi": "广东外事博物馆"]),
        ("沙面宾馆", ["poi": "沙面宾馆"]),
        ("荔湾区沙面宾馆", ["district": "荔湾区", "poi": "沙面宾馆"]),
        ("广州市海关", ["city": "广州市", "poi": "海关"]),
        ("广州天河体育中心", ["city": "广州市", "district": "天河区", "poi": "体育中心"]),
        ("天河路385号太古汇", ["road": "天河路", "number": "385", "poi": "太古汇"]),
        ("广州市荔湾区沙面宾馆附近", ["city": "广州市", "district": "荔湾区", "poi": "沙面宾馆", "unparsed": "附近"]),
        ("New Balance", ["poi": "New Balance"]),
        ("7-Eleven", ["poi": "7-Eleven"]),
        ("52 Café", ["poi": "52 Café"]),
        ("深圳龙岗 COCO Park", ["city": "深圳市", "district": "龙岗区", "poi": "COCO Park"]),
        ("香港中文大学（深圳）", ["poi": "香港中文大学(深圳)"]),
        // Mixed scripts, emoji, junk.
        ("Guangzhou天河路385号", ["road": "天河路", "number": "385", "poi": "Guangzhou"]),
        ("天河路🙂385号", ["road": "天河路", "number": "385"]),
        ("🏠🏠🏠", [:]),
        ("？？？", ["poi": "???"]),
    ]

    @Test func realShapedAddresses() {
        #expect(Self.cases.count >= 40)
        for (input, expected) in Self.cases {
            let got = Self.parts(parser.parse(input))
            #expect(got == expected, "\(input)")
        }
    }

    @Test func normalisation() {
        #expect(AddressParser.normalize("广州市　天河区 天河路 ３８５ 号") == "广州市天河区天河路385号")
        #expect(AddressParser.normalize("Ｎｅｗ　Ｂａｌａｎｃｅ") == "New Balance")
        #expect(AddressParser.normalize("  天河\t路\n") == "天河路")
        #expect(AddressParser.normalize("天河路385—1号") == "天河路385-1号")
        #expect(AddressParser.normalize("天河路🙂385号\u{200B}") == "天河路385号")
        #expect(AddressParser.normalize("广东省，广州市、天河区") == "广东省广州市天河区")
        #expect(AddressParser.normalize("") == "")
    }

    @Test func adminTokensCarryCodesAndShortness() {
        let p = parser.parse("广东广州市天河区天河路385号")
        #expect(p.admin.map(\.text) == ["广东", "广州市", "天河区"])
        #expect(p.admin.map(\.isShort) == [true, false, false])
        #expect(p.admin.map(\.level) == [.province, .city, .district])
        #expect(p.admin.last?.codes == ["440106000000"])
        #expect(p.admin.allSatisfy { !$0.conflicts })
        #expect(p.normalized == "广东广州市天河区天河路385号")
        #expect(p.roadHasSuffix)
        #expect(!parser.parse("沙基东约7号").roadHasSuffix)

        // 东莞 has no districts: its towns sit right under the city.
        let dg = parser.parse("东莞市东城街道")
        #expect(dg.admin.map(\.codes.first) == ["441900000000", "441900003000"])
    }

    @Test func conflictingAdminNamesAreKeptAndFlagged() {
        let p = parser.parse("广州市龙岗区龙翔大道2001号")
        #expect(p.city == "广州市" && p.district == "龙岗区")
        #expect(p.admin.map(\.conflicts) == [false, true])
        #expect(p.road == "龙翔大道" && p.houseNumber == "2001")
        // A short name must fit the context, else it stays text: 中山 is no part of 广州.
        let q = parser.parse("广州中山医院")
        #expect(q.city == nil && q.poi == "广州中山医院")
    }

    @Test func ambiguousStreetNamesKeepEveryCandidate() {
        // Several towns in Guangdong share some names; in context only one fits.
        let names = Dictionary(grouping: SampleGazetteer.shared.entries.filter { $0.level == .street }, by: \.name).filter { $0.value.count > 1 }
        #expect(!names.isEmpty)
        if let (name, units) = names.first {
            let bare = parser.parse(name)
            #expect(Set(bare.admin.first?.codes ?? []) == Set(units.map(\.code)))
            let district = SampleGazetteer.shared.entry(code: AdminCode.normalize(String(units[0].code.prefix(6)))!)!
            let inContext = parser.parse(district.name + name)
            #expect(inContext.admin.last?.codes.first == units[0].code)
        }
    }

    @Test func hugeAndHostileInputIsQuick() {
        let clock = ContinuousClock()
        let start = clock.now
        let long = String(repeating: "天河路", count: 3_500)  // ~10 kB of text, 31 kB UTF-8
        let p = parser.parse(long)
        #expect(p.road == "天河路")
        for junk in ["", " ", "\"", "*", "NEAR", "OR", "'; DROP TABLE admin_units; --", "天河路\" OR \"1\"=\"1", "天河*",
                     String(repeating: "9", count: 10_000), String(repeating: "号", count: 5_000), String(repeating: "栋", count: 5_000),
                     "😀😀😀 天河 😀", "Тверская улица 1", "東京都千代田区", "\u{0}\u{1}\u{7F}"] {
            _ = parser.parse(junk)
        }
        #expect(parser.parse("").isEmpty)
        #expect(parser.parse("\u{0}\u{1}").isEmpty)
        #expect(clock.now - start < .seconds(2))
    }

    @Test func chineseNumerals() {
        #expect(AddressParser.chineseNumber(ArraySlice(Array("三八五"))) == 385)
        #expect(AddressParser.chineseNumber(ArraySlice(Array("十二"))) == 12)
        #expect(AddressParser.chineseNumber(ArraySlice(Array("二十"))) == 20)
        #expect(AddressParser.chineseNumber(ArraySlice(Array("一百零五"))) == 105)
        #expect(AddressParser.chineseNumber(ArraySlice(Array("两千"))) == 2000)
        #expect(AddressParser.chineseNumber(ArraySlice(Array("天"))) == nil)
    }

    @Test func gazetteerFromUnits() {
        let g = SampleGazetteer.shared
        #expect(g.entries.count > 1_800)
        let tianhe = g.entry(code: "440106000000")
        #expect(tianhe?.shortName == "天河")
        #expect(tianhe.map { g.chain(of: $0).map(\.name) } == ["广东省", "广州市", "天河区"])
        #expect(g.county(adcode: "441900")?.name == "东莞市")
        #expect(g.entry(code: "440103001000").map { g.chain(of: $0).map(\.name) } == ["广东省", "广州市", "荔湾区", "沙面街道"])
        // Nothing is hard-coded: an empty gazetteer knows no names.
        let bare = AddressParser(gazetteer: AdminGazetteer(units: [])).parse("广州市天河区天河路385号")
        #expect(bare.admin.isEmpty && bare.road == "广州市天河区天河路" && bare.houseNumber == "385")
    }
}

/// The geocoder's pure parts: admin scope, house numbers in OSM form, road tails,
/// place-name candidates and input checks (the lookups are tested against the real
/// server in Tests/integration/test_geocode.py).
@Suite struct GeocoderLogicTests {
    let parser = AddressParser(gazetteer: SampleGazetteer.shared)

    @Test func scopeFollowsTheMostConsistentChain() {
        let g = SampleGazetteer.shared
        let s = Geocoder.scope(parser.parse("广东省广州市天河区天河路385号"), g)
        #expect(s.chain.map(\.name) == ["广东省", "广州市", "天河区"] && s.conflicts == 0 && s.prefix == "440106")
        // 广州市 and 龙岗区 disagree: the deeper unit scopes, the other is an alternative.
        let c = Geocoder.scope(parser.parse("广州市龙岗区龙翔大道"), g)
        #expect(c.chain.last?.name == "龙岗区" && c.conflicts == 1 && c.prefix == "440307")
        #expect(c.alternatives.map { $0.last?.name } == ["广州市"])
        // A street/town scopes searches to its district (it has no boundary).
        #expect(Geocoder.scope(parser.parse("荔湾区沙面街道"), g).prefix == "440103")
        #expect(Geocoder.scope(parser.parse("东莞市石龙镇"), g).prefix == "441900")
        #expect(Geocoder.scope(parser.parse("天河路385号"), g).chain.isEmpty)
        // Conflicts of a result's chain with the query.
        let tianhe = g.chain(of: g.entry(code: "440106000000")!)
        #expect(Geocoder.conflicts(parser.parse("广州市天河区"), with: tianhe) == 0)
        #expect(Geocoder.conflicts(parser.parse("深圳市天河区"), with: tianhe) == 1)
        #expect(Geocoder.conflicts(parser.parse("天河区五山街道"), with: tianhe) == 0)
        #expect(Geocoder.conflicts(parser.parse("荔湾区沙面街道"), with: tianhe) == 2)
    }

    @Test func houseNumbersInOSMForm() {
        typealias H = Geocoder.HouseNumber
        #expect(Geocoder.houseNumbers("85") == [H(main: 85)])
        #expect(Geocoder.houseNumbers("2001号") == [H(main: 2001)])
        #expect(Geocoder.houseNumbers("50;52") == [H(main: 50), H(main: 52)])
        #expect(Geocoder.houseNumbers("385-1") == [H(main: 385, sub: 1)])
        #expect(Geocoder.houseNumbers("385号之一") == [H(main: 385, sub: 1)])
        #expect(Geocoder.houseNumbers("３８５") == [H(main: 385)])
        #expect(Geocoder.houseNumbers("无").isEmpty)
    }

    @Test func roadTails() {
        #expect(Geocoder.trimmedRoads("珠江新城花城大道").contains("花城大道"))
        #expect(!Geocoder.trimmedRoads("珠江新城花城大道").contains("城大道"))
        #expect(Geocoder.trimmedRoads("花城大道").isEmpty)
        #expect(Geocoder.trimmedRoads("太古汇天河路").first == "古汇天河路")
    }

    @Test func placeNameCandidates() {
        #expect(Geocoder.placeNames(parser.parse("广州市海关"), roadFound: false) == ["广州市海关", "海关"])
        #expect(Geocoder.placeNames(parser.parse("广州天河体育中心"), roadFound: false) == ["广州天河体育中心", "天河体育中心", "体育中心"])
        #expect(Geocoder.placeNames(parser.parse("沙面"), roadFound: false) == ["沙面"])
        #expect(Geocoder.placeNames(parser.parse("澳门街"), roadFound: false) == ["澳门街"])
        #expect(Geocoder.placeNames(parser.parse("花城大道"), roadFound: true).isEmpty)
        #expect(Geocoder.placeNames(parser.parse("广州市天河区天河路385号"), roadFound: true).isEmpty)
        #expect(Geocoder.placeNames(parser.parse("天河路385号太古汇"), roadFound: true) == ["太古汇"])
    }

    @Test func inputChecks() throws {
        #expect(throws: ServiceError.self) { try Geocoder.validate("") }
        #expect(throws: ServiceError.self) { try Geocoder.validate(" \u{3000} ") }
        #expect(throws: ServiceError.self) { try Geocoder.validate(String(repeating: "天", count: 201)) }
        #expect(throws: ServiceError.self) { try Geocoder.validate("\"*") }
        #expect(throws: ServiceError.self) { try Geocoder.validate("😀🏠") }
        #expect(throws: ServiceError.self) { try Geocoder.validate("天河\u{0}路") }
        #expect(try Geocoder.validate("NEAR") == "NEAR")
        #expect(try Geocoder.validate(String(repeating: "天", count: 200)).count == 200)
        #expect(throws: ServiceError.self) { try Geocoder.validate(limit: 0) }
        #expect(throws: ServiceError.self) { try Geocoder.validate(limit: 11) }
        #expect(try Geocoder.validate(limit: nil) == 1)
    }
}
