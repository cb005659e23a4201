// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "OneMap",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "onemap", targets: ["onemap"]),
        .library(name: "GeoCore", targets: ["GeoCore"]),
        .library(name: "OneMap", targets: ["OneMap"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // System libraries (Debian: libgeos-dev, libproj-dev, zlib1g-dev). SQLite comes
        // through GRDB's GRDBSQLite module, which wraps the system libsqlite3.
        .systemLibrary(name: "CGEOS", pkgConfig: "geos", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Geometry, CRS, tile math and codecs. No I/O.
        .target(name: "GeoCore", dependencies: ["CGEOS", "CPROJ", "CZlib"]),
        // SpatiaLite store: schema, catalogue, layer tables, import.
        .target(name: "OneMapStore", dependencies: [
            "GeoCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Services: tiles, catalogue (later: features, search, grid, emergency, access).
        .target(name: "OneMap", dependencies: [
            "GeoCore", "OneMapStore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // HTTP: routes, problem+json, static viewer.
        .target(name: "OneMapHTTP", dependencies: [
            "OneMap", "GeoCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            // The cached-tile fast path is a NIO channel handler (Routes/CachedTileFastPath.swift).
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
        ]),
        .executableTarget(name: "onemap", dependencies: [
            "OneMapHTTP", "OneMap", "OneMapStore", "GeoCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "GeoCoreTests", dependencies: ["GeoCore"]),
        // HTTP is tested from outside, by a real client against the real server
        // (Tests/integration); HummingbirdTesting would pull in AsyncHTTPClient and BoringSSL.
        .testTarget(name: "OneMapTests", dependencies: ["OneMap", "OneMapStore", "GeoCore"]),
    ],
    swiftLanguageModes: [.v6]
)
