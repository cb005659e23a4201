import Foundation
import GeoCore
import Testing
@testable import OneMap
@testable import OneMapStore

/// Administrative areas: codes, short names, the loader (boundary layer + street CSV),
/// search order and the metric simplification.
@Suite struct AdminTests {
    @Test func codesArePaddedToTwelveDigits() {
        #expect(AdminCode.normalize("440106") == "440106000000")
        #expect(AdminCode.normalize("440103001") == "440103001000")
        #expect(AdminCode.normalize("440103001000") == "440103001000")
        for bad in ["", "4401", "44010", "4401060", "44010600000", "4401060000001", "44010a", "４４０１０６", " 440106", "-44010"] {
            #expect(AdminCode.normalize(bad) == nil, "\(bad)")
        }
        #expect(AdminCode.published("440103001000", level: .street) == "440103001")
        #expect(AdminCode.published("440106000000", level: .district) == "440106")
        #expect(throws: ServiceError.self) { try AdminService.code("12345") }
    }

    @Test func shortNames() {
        #expect(AdminUnitsLoader.shortName(name: "天河区", published: "天河区", level: .district) == "天河")
        #expect(AdminUnitsLoader.shortName(name: "城区", published: "城区", level: .district) == "城区")
        #expect(AdminUnitsLoader.shortName(name: "梅县区", published: nil, level: .district) == "梅县")
        #expect(AdminUnitsLoader.shortName(name: "乳源瑶族自治县", published: "乳源县", level: .district) == "乳源")
        #expect(AdminUnitsLoader.shortName(name: "广州市", published: "广州", level: .city) == "广州")
        #expect(AdminUnitsLoader.shortName(name: "沙面街道", published: nil, level: .street) == "沙面")
        #expect(AdminUnitsLoader.shortName(name: "太平镇", published: nil, level: .street) == "太平")
        #expect(AdminUnitsLoader.shortName(name: "前海合作区", published: nil, level: .street) == "前海合作区")
    }

    func sampleStore() throws -> (SpatialStore, String) {
        let dir = NSTemporaryDirectory() + "onemap-admin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func feature(_ name: String, _ short: String, _ code: String, _ level: String, _ parent: String, _ x: Double) -> String {
            #"{"type":"Feature","properties":{"name":"\#(name)","short_name":"\#(short)","adcode":"\#(code)","level":"\#(level)","parent_adcode":"\#(parent)","center_lon":\#(x + 0.5),"center_lat":23.5},"geometry":{"type":"Polygon","coordinates":[[[\#(x),23],[\#(x + 1),23],[\#(x + 1),24],[\#(x),24],[\#(x),23]]]}}"#
        }
        let features = [
            feature("广东省", "广东", "440000", "province", "100000", 113),
            feature("广州市", "广州", "440100", "city", "440000", 113),
            feature("天河区", "天河区", "440106", "district", "440100", 113.2),
            feature("东莞市", "东莞", "441900", "city", "440000", 114),
            feature("东莞市", "东莞市", "441900", "district", "441900", 114),
        ]
        let geojson = #"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}"
        _ = FileManager.default.createFile(atPath: dir + "/admin.geojson", contents: Data(geojson.utf8))
        let csv = """
            street_code,street_name,district_code,district_name,city_code,city_name,province_code,province_name,kind
            440106001,五山街道,440106,天河区,440100,广州市,440000,广东省,街道
            440106008,天河南街道,440106,天河区,440100,广州市,440000,广东省,街道
            441900101,石龙镇,441900,东莞市,441900,东莞市,440000,广东省,镇

            """
        _ = FileManager.default.createFile(atPath: dir + "/streets.csv", contents: Data(csv.utf8))
        let store = try SpatialStore(path: dir + "/t.sqlite")
        var o = ImportOptions(layer: "admin")
        o.codeField = "adcode"
        _ = try Importer(store: store).run(path: dir + "/admin.geojson", options: o)
        let report = try store.reloadAdminUnits(streetsCSV: dir + "/streets.csv")
        #expect(report.total == 7)
        #expect(report.merged == 1)
        return (store, dir)
    }

    @Test func loadLookupAndSearch() async throws {
        let (store, dir) = try sampleStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = AdminService(store: store, catalogue: try Catalogue(store: store))

        let street = try await service.area(code: "440106001", boundary: .full, caller: .anonymous)
        #expect(street.unit.name == "五山街道")
        #expect(street.chain.map(\.name) == ["广东省", "广州市", "天河区"])
        #expect(street.boundary == nil && street.boundaryNote == AdminService.streetNote)

        let tianhe = try await service.area(code: "440106", boundary: .simplified(metres: 10), caller: .anonymous)
        #expect(tianhe.children.map(\.adcode) == ["440106001", "440106008"])
        #expect(tianhe.boundary?.contains("Polygon") == true)
        #expect(tianhe.center.map { [$0.lon, $0.lat] } == [113.7, 23.5])

        let dongguan = try await service.area(code: "441900000000", boundary: .none, caller: .anonymous)
        #expect(dongguan.unit.level == .city)
        #expect(dongguan.children.map(\.name) == ["石龙镇"])
        #expect(dongguan.boundary == nil && dongguan.boundaryNote == AdminService.notRequestedNote)

        await #expect(throws: ServiceError.self) { try await service.area(code: "999999", boundary: .none, caller: .anonymous) }

        let short = try await service.find(name: "天河", level: nil, parent: nil)
        #expect(short.map(\.unit.adcode) == ["440106", "440106008"])
        #expect(short.map(\.match) == [.shortName, .prefix])
        let full = try await service.find(name: "天河区", level: nil, parent: nil)
        #expect(full.first?.match == .name && full.first?.unit.adcode == "440106")
        #expect(try await service.find(name: "天", level: "street", parent: "440100").map(\.unit.name) == ["天河南街道"])
        #expect(try await service.find(name: "%", level: nil, parent: nil).isEmpty)
        await #expect(throws: ServiceError.self) { try await service.find(name: " ", level: nil, parent: nil) }
        await #expect(throws: ServiceError.self) { try await service.find(name: String(repeating: "天", count: 65), level: nil, parent: nil) }
        await #expect(throws: ServiceError.self) { try await service.find(name: "天河", level: "town", parent: nil) }
        await #expect(throws: ServiceError.self) { try await service.find(name: "天河", level: nil, parent: "999999") }
    }

    @Test func simplificationStaysWithinTheToleranceInMetres() throws {
        try GEOSContextPool.shared.withContext { ctx in
            // A zigzag edge whose teeth are 0.0005° (~51 m north–south, ~46 m east–west) deep.
            var coords: [String] = []
            for i in 0...100 { coords.append("\(113 + Double(i) * 0.001) \(23 + (i % 2 == 0 ? 0 : 0.0005))") }
            let wkt = "POLYGON((" + coords.joined(separator: ",") + ",113.1 23.1,113 23.1,113 23))"
            let g = try ctx.read(wkt: wkt)
            let keep = try AdminService.simplify(g, metres: 40)
            #expect(keep.numPoints >= 100)  // the teeth stay (at most the ring's corners go)
            let drop = try AdminService.simplify(g, metres: 60)
            #expect(drop.numPoints < 10)
            #expect(drop.isValid)
        }
        let (lon, lat) = AdminService.metresPerDegree(latitude: 0)
        #expect(abs(lon - 111_319.49) < 0.1)
        #expect(abs(lat - 110_574.28) < 0.5)
    }
}
