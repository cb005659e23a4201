import Foundation
import GeoCore
import Hummingbird
import HummingbirdCore
import Logging
import NIOPosix
import OneMap
import OneMapStore

public struct ServerConfig: Sendable {
    public var host: String
    public var port: Int
    /// The folder holding Public/ (viewer) and Styles/.
    public var resources: String
    /// Bytes of tiles kept in memory.
    public var tileCacheBytes: Int
    /// Event-loop threads; nil: one per core.
    public var threads: Int?
    /// API keys and their clearance; without keys every caller is public.
    public var accessPolicy = AccessPolicy()

    public init(host: String = "127.0.0.1", port: Int = 8080, resources: String, tileCacheBytes: Int = 128 << 20, threads: Int? = nil) {
        self.host = host
        self.port = port
        self.resources = resources
        self.tileCacheBytes = tileCacheBytes
        self.threads = threads
    }
}

/// Everything handlers need, built once at start.
struct Services: Sendable {
    let store: SpatialStore
    let catalogue: Catalogue
    let tiles: TileService
    let features: FeatureService
    let editor: FeatureEditor
    let queries: SpatialQueries
    let impact: ImpactAnalysis
    let admin: AdminService
    let reverse: ReverseGeocoder
    let search: SearchService
    let tileCache: TileResponseCache
    let resources: String
}

/// Builds the HTTP application: routes, problem+json errors, CORS, access log, static viewer.
public func makeApplication(store: SpatialStore, config: ServerConfig, logger: Logger) throws -> some ApplicationProtocol {
    let catalogue = try Catalogue(store: store)
    let services = Services(
        store: store,
        catalogue: catalogue,
        tiles: TileService(store: store, logger: logger),
        features: FeatureService(store: store),
        editor: FeatureEditor(store: store, catalogue: catalogue),
        queries: SpatialQueries(store: store),
        impact: ImpactAnalysis(store: store),
        admin: AdminService(store: store, catalogue: catalogue),
        reverse: ReverseGeocoder(store: store),
        search: SearchService(store: store),
        tileCache: TileResponseCache(maxBytes: config.tileCacheBytes),
        resources: config.resources)

    let accessLog = AccessLog(enabled: logger.logLevel <= .info)
    let router = Router(context: OneMapRequestContext.self)
    router.middlewares.add(AccessLogMiddleware(log: accessLog))
    router.middlewares.add(CORSMiddleware(allowOrigin: .all, allowHeaders: [.accept, .contentType, .ifNoneMatch, .authorization, .init("X-API-Key")!, .init("Content-Crs")!],
                                          allowMethods: [.get, .head, .options, .post, .put, .patch, .delete], maxAge: .seconds(3600)))
    router.middlewares.add(ProblemMiddleware())
    router.middlewares.add(AuthMiddleware(policy: config.accessPolicy))
    router.middlewares.add(FileMiddleware(config.resources + "/Public", cacheControl: .init([(MediaType(type: .any), [.maxAge(300)])]),
                                          searchForIndexHtml: false, logger: logger))

    CatalogueRoutes(services: services).add(to: router)
    TileRoutes(services: services).add(to: router)
    FeatureRoutes(services: services).add(to: router)
    WriteRoutes(services: services).add(to: router)
    QueryRoutes(services: services).add(to: router)
    AdminRoutes(services: services).add(to: router)
    GeocodingRoutes(services: services).add(to: router)
    SearchRoutes(services: services).add(to: router)
    GeocodeRoutes(services: services).add(to: router)
    ViewerRoutes(services: services).add(to: router)

    let endpoint = TileEndpoint(services: services)
    return Application(
        router: router,
        server: HTTPServerBuilder { responder in
            TileFastPathHTTP1Channel(inner: HTTP1Channel(responder: responder),
                                     makeFastPath: { CachedTileFastPath(endpoint: endpoint, accessLog: accessLog) })
        },
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "OneMap"),
        eventLoopGroupProvider: config.threads.map { .shared(MultiThreadedEventLoopGroup(numberOfThreads: $0)) } ?? .singleton,
        logger: logger)
}

/// The absolute base URL the client used (Host / X-Forwarded-* headers), for links.
func baseURL(_ request: Request) -> String {
    let proto = request.headers[.init("X-Forwarded-Proto")!].flatMap { $0 == "https" ? "https" : nil } ?? "http"
    let rawHost = request.headers[.init("X-Forwarded-Host")!] ?? request.head.authority ?? "127.0.0.1"
    // Only host[:port] characters: the value ends up in JSON and URLs.
    let host = rawHost.filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == ":" || $0 == "-" || $0 == "[" || $0 == "]" }
    return "\(proto)://\(host.isEmpty ? "127.0.0.1" : host)"
}

func jsonResponse(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "application/json",
                  cacheControl: String = "no-cache") -> Response {
    Response(status: status,
             headers: [.contentType: contentType, .cacheControl: cacheControl],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}

func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try e.encode(value), as: UTF8.self)
}
