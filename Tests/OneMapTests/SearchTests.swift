import Foundation
import GeoCore
import Testing
@testable import OneMap
@testable import OneMapStore

/// The search index in a real SpatiaLite file, and the text rules it relies on.
@Suite struct SearchTests {
    @Test func tokensSplitChineseKeepWordsAndDropSymbols() {
        #expect(SearchText.tokens("天河体育中心") == ["天", "河", "体", "育", "中", "心"])
        #expect(SearchText.tokens("ＩＦＣ 国际金融中心 Ｂ座") == ["ifc", "国", "际", "金", "融", "中", "心", "b", "座"])
        #expect(SearchText.tokens("花城大道85号") == ["花", "城", "大", "道", "85", "号"])
        #expect(SearchText.tokens("😀\"*()") == [])
        #expect(SearchText.key(" 天河　路 ") == "天河路")
    }

    @Test func oneEditTolerance() {
        func within(_ text: String, _ q: String) -> Bool {
            SearchText.containsWithinOneEdit(Array(text.unicodeScalars), Array(q.unicodeScalars))
        }
        #expect(within("广州市天河体育中心", "天河体肓中心"))   // one wrong
        #expect(within("天河体育中心", "天河育中心"))          // one missing
        #expect(within("天河体育中心", "天河体育育中心"))      // one extra
        #expect(!within("天河体育中心", "天湖体肓中心"))       // two wrong
        #expect(SearchText.editDistance(Array("abc".unicodeScalars), Array("xyz".unicodeScalars), limit: 1) == 2)
    }

    @Test func syntaxInTokensIsQuotedNotObeyed() {
        let m = SearchMatch.phrase(.name, ["a\" OR \"b", "NEAR"], prefix: false)
        #expect(m.fts == "name : \"a\"\" OR \"\"b NEAR\"")
    }

    @Test func indexFollowsImportAndWrites() async throws {
        let dir = NSTemporaryDirectory() + "onemap-search-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SpatialStore(path: dir + "/t.sqlite")
        let csv = "name,addr_street,addr_housenumber,category,lon,lat\n天河体育中心,天河路,299,sport,113.3245,23.1375\n体育西路站,,,transport,113.3215,23.1320\n"
        _ = FileManager.default.createFile(atPath: dir + "/p.csv", contents: Data(csv.utf8))
        _ = try Importer(store: store).run(path: dir + "/p.csv", options: ImportOptions(layer: "pois"))

        let all = SearchFilter(layers: ["pois"])
        let hits = try await store.searchCandidates([.phrase(.name, ["体", "育"], prefix: false)], filter: all, limit: 10)[0]
        #expect(Set(hits.map(\.name)) == ["天河体育中心", "体育西路站"])
        let byAddress = try await store.addressEntries(street: "天河路", housenumber: "299", layers: ["pois"], adminPrefix: nil, limit: 5)
        #expect(byAddress.map(\.name) == ["天河体育中心"])
        #expect(byAddress.first?.address == "天河路299号")
        var sport = all
        sport.categories = ["sport"]
        #expect(try await store.searchCandidates([.phrase(.name, ["体"], prefix: false)], filter: sport, limit: 10)[0].map(\.name) == ["天河体育中心"])

        // A write is searchable at once; a delete drops out.
        let point = try GEOSContextPool.shared.withContext { ctx in ctx.wkb(try ctx.makePoint(x: 113.33, y: 23.12)) }
        let fid = try store.insertFeature(layer: "pois", wkb: point, properties: .object([("name", .string("花城广场"))]), name: "花城广场", code: nil)
        #expect(try await store.entries(named: "花城广场", layers: ["pois"], adminPrefix: nil, limit: 5).count == 1)
        #expect(try store.deleteFeature(layer: "pois", fid: fid))
        #expect(try await store.entries(named: "花城广场", layers: ["pois"], adminPrefix: nil, limit: 5).isEmpty)

        let service = SearchService(store: store)
        let layers = try store.layers()
        var typo = SearchRequest(text: "天河体肓中心")
        typo.limit = 5
        #expect(try await service.search(typo, layers: layers).hits.first?.entry.name == "天河体育中心")
        let exactFirst = try await service.search(SearchRequest(text: "体育西路站"), layers: layers)
        #expect(exactFirst.hits.first?.match == .exact)
    }
}
