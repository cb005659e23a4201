import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OneMap
import OneMapHTTP
import OneMapStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve tiles, layers and the map viewer over HTTP.")

    @Option(help: "SpatiaLite database; default: the sample database, built from SampleData when missing.")
    var db: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Tile cache size in MB.") var tileCacheMB = 128
    @Option(help: "Event-loop threads (default: one per core).") var threads: Int?
    @Option(help: "API keys file: lines `KEY LEVEL [DEPARTMENT] [rw]`, LEVEL public|internal|restricted. Without it every caller is public.")
    var keys: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: Logger.Level = .info

    func run() async throws {
        bootstrapLogging(logLevel)
        let logger = Logger(label: "onemap")
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1…256") }
        if !(1...65536).contains(tileCacheMB) { throw ValidationError("--tile-cache-mb must be 1…65536") }
        let root = Resources.root()
        let path: String
        if let db {
            guard FileManager.default.fileExists(atPath: db) else { throw CLIError("no database at \(db); create one with `onemap import` or `onemap build-sample --db \(db)`") }
            path = db
        } else {
            path = Resources.defaultSampleDB
            if !FileManager.default.fileExists(atPath: path) {
                logger.info("building the sample database", metadata: ["path": "\(path)"])
                try SampleBuilder(root: root).build(into: path, log: { logger.info("\($0)") })
            }
        }
        let store = try SpatialStore(path: path)
        var config = ServerConfig(host: host, port: port, resources: root, tileCacheBytes: tileCacheMB << 20, threads: threads)
        if let keys {
            do { config.accessPolicy = try AccessPolicy(file: keys) } catch let e as ServiceError {
                if case .badRequest(_, let detail) = e { throw CLIError(detail) }
                throw e
            }
        }
        let app = try makeApplication(store: store, config: config, logger: logger)
        logger.info("OneMap serving", metadata: ["db": "\(path)", "url": "http://\(host):\(port)/map"])
        try await app.runService()
    }
}

struct BuildSample: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build-sample", abstract: "Build the sample database from SampleData/layers.json.")

    @Option(help: "Where to write it.") var db: String?
    @Flag(help: "Rebuild even if it exists.") var force = false

    func run() throws {
        let path = db ?? Resources.defaultSampleDB
        if FileManager.default.fileExists(atPath: path) && !force {
            print("\(path) exists; --force rebuilds it")
            return
        }
        try SampleBuilder(root: Resources.root()).build(into: path, log: { print($0) })
    }
}

/// Builds the demo database from the manifest SampleData/layers.json, through the
/// same importer users run, into a temporary file renamed into place when complete.
struct SampleBuilder {
    let root: String

    struct Entry: Decodable {
        let id: String
        let title: String
        let kind: String
        let file: String
        let minzoom: Int
        let maxzoom: Int
        let name_field: String?
        let code_field: String?
        let attribution: String?
        let access: String?
    }

    func build(into path: String, log: (String) -> Void) throws {
        let manifest = root + "/SampleData/layers.json"
        guard let data = FileManager.default.contents(atPath: manifest) else { throw CLIError("missing \(manifest)") }
        let entries = try JSONDecoder().decode([Entry].self, from: data)
        let tmp = path + ".building"
        let fm = FileManager.default
        for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: tmp + suffix) }
        do {
            let store = try SpatialStore(path: tmp)
            let importer = Importer(store: store)
            for (i, e) in entries.enumerated() {
                var o = ImportOptions(layer: e.id)
                o.title = e.title
                o.kind = LayerKind(rawValue: e.kind)
                o.minzoom = e.minzoom
                o.maxzoom = e.maxzoom
                o.nameField = e.name_field ?? "name"
                o.codeField = e.code_field ?? "code"
                o.attribution = e.attribution
                o.drawOrder = i
                o.access = e.access.flatMap(AccessLevel.init(rawValue:))
                let r = try importer.run(path: root + "/SampleData/" + e.file, options: o)
                log("  \(e.id): \(r.imported) features (\(r.repaired) repaired, \(r.rejected.count) rejected)")
            }
            log("  " + (try store.reloadAdminUnits(streetsCSV: root + "/SampleData/guangdong_streets_nbs2023.csv")).description)
        }
        for suffix in ["-wal", "-shm"] where fm.fileExists(atPath: tmp + suffix) {
            try? fm.removeItem(atPath: path + suffix)
            try fm.moveItem(atPath: tmp + suffix, toPath: path + suffix)
        }
        try? fm.removeItem(atPath: path)
        try fm.moveItem(atPath: tmp, toPath: path)
        log("sample database ready: \(path)")
    }
}
