import Foundation
import GeoCore
import Testing
@testable import OneMap
@testable import OneMapStore

/// The real SpatiaLite store in a temporary file: imports are atomic and tiles read them back.
@Suite struct StoreTests {
    func tempDir() -> String {
        let d = NSTemporaryDirectory() + "onemap-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func write(_ text: String, _ path: String) { _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) }

    @Test func failedImportLeavesTheLayerAsItWas() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SpatialStore(path: dir + "/t.sqlite")
        write(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"甲"},"geometry":{"type":"Point","coordinates":[113.3,23.1]}},{"type":"Feature","properties":{"name":"乙"},"geometry":{"type":"Point","coordinates":[113.4,23.2]}}]}"#, dir + "/good.geojson")
        write(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,"#, dir + "/bad.geojson")
        let r = try Importer(store: store).run(path: dir + "/good.geojson", options: ImportOptions(layer: "pts"))
        #expect(r.imported == 2)
        #expect(throws: StoreError.self) { try Importer(store: store).run(path: dir + "/bad.geojson", options: ImportOptions(layer: "pts")) }
        let layers = try store.layers()
        #expect(layers.first?.featureCount == 2)
        #expect(layers.first?.dataVersion == 1)
        let n = try store.readSync { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM layer_pts") }
        #expect(n == 2)
    }

    @Test func strictImportRejectsAll() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SpatialStore(path: dir + "/t.sqlite")
        write(#"{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[113.3,23.1]}}"# + "\n" +
              #"{"type":"Feature","properties":{"name":"y"},"geometry":{"type":"LineString","coordinates":[[1,1]]}}"# + "\n", dir + "/s.geojsonl")
        var o = ImportOptions(layer: "seq")
        let lenient = try Importer(store: store).run(path: dir + "/s.geojsonl", options: o)
        #expect(lenient.imported == 1)
        #expect(lenient.rejected.map(\.index) == [1])
        o.strict = true
        #expect(throws: StoreError.self) { try Importer(store: store).run(path: dir + "/s.geojsonl", options: o) }
        #expect(try store.layers().first?.featureCount == 1)
    }

    @Test func tileHoldsImportedFeature() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SpatialStore(path: dir + "/t.sqlite")
        write("name,lon,lat\n花城广场西,113.3120,23.1214\n", dir + "/p.csv")
        _ = try Importer(store: store).run(path: dir + "/p.csv", options: ImportOptions(layer: "csvpts"))
        let catalogue = try Catalogue(store: store)
        let layers = try catalogue.resolve(list: "csvpts", for: .anonymous)
        let tiles = TileService(store: store)
        let hit = try await tiles.tile(TileID(z: 14, x: 13348, y: 7109), layers: layers)
        #expect(!hit.isEmpty)
        #expect(Gzip.decompress(hit.gzipped) == hit.mvt)
        let miss = try await tiles.tile(TileID(z: 14, x: 0, y: 0), layers: layers)
        #expect(miss.isEmpty)
        #expect(throws: ServiceError.self) { try catalogue.resolve(list: "csvpts,nope", for: .anonymous) }
    }
}
