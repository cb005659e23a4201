import Foundation
import GeoCore
import Logging
import OneMapStore

/// A made tile: the MVT bytes, their gzip, and a strong validator.
public struct Tile: Sendable {
    public let mvt: [UInt8]
    public let gzipped: [UInt8]
    public let etag: String
    public var isEmpty: Bool { mvt.isEmpty }
}

/// Makes Mapbox Vector Tiles from layers of the store: one MVT layer per source
/// layer, extent 4096, buffer 64.
public struct TileService: Sendable {
    public static let extent = 4096
    public static let buffer = 64
    /// Features of one layer in one tile beyond which the tile is cut (documented limit).
    public static let maxFeaturesPerLayer = 200_000

    let store: any FeatureStore
    public let tms: any TileMatrixSet
    let logger: Logger

    public init(store: any FeatureStore, tms: any TileMatrixSet = WebMercatorQuad(), logger: Logger = Logger(label: "onemap.tiles")) {
        self.store = store
        self.tms = tms
        self.logger = logger
    }

    /// Checks z/x/y against the tile matrix set.
    public func validate(z: Int, x: Int, y: Int) throws(ServiceError) -> TileID {
        guard z >= 0, z <= tms.maxZoom else {
            throw .badRequest(parameter: "z", detail: "zoom \(z) is outside 0…\(tms.maxZoom)")
        }
        let (cols, rows) = tms.matrixSize(zoom: z)
        guard x >= 0, x < cols else { throw .badRequest(parameter: "x", detail: "x \(x) is outside 0…\(cols - 1) at zoom \(z)") }
        guard y >= 0, y < rows else { throw .badRequest(parameter: "y", detail: "y \(y) is outside 0…\(rows - 1) at zoom \(z)") }
        return TileID(z: z, x: x, y: y)
    }

    /// A cache key part that changes whenever data under the tile may have changed.
    public static func versionKey(_ layers: [LayerInfo]) -> String {
        layers.map { "\($0.id)@\($0.dataVersion)" }.joined(separator: ",")
    }

    public func tile(_ id: TileID, layers: [LayerInfo]) async throws -> Tile {
        let tms = self.tms
        let logger = self.logger
        let mvt: [UInt8] = try await store.withReader { reader in
            try GEOSContextPool.shared.withContext { ctx in
                var tile = MVTTileEncoder()
                for layer in layers where id.z >= layer.minzoom {
                    tile.add(try Self.encodeLayer(layer, id, tms: tms, reader: reader, ctx: ctx, logger: logger))
                }
                return tile.bytes
            }
        }
        let etag = "\"\(Self.fnv1a(mvt))-\(mvt.count)\""
        return Tile(mvt: mvt, gzipped: mvt.isEmpty ? [] : Gzip.compress(mvt), etag: etag)
    }

    static func encodeLayer(_ layer: LayerInfo, _ id: TileID, tms: any TileMatrixSet, reader: any FeatureReader,
                            ctx: GEOSContext, logger: Logger) throws -> MVTLayerEncoder {
        var out = MVTLayerEncoder(name: layer.id, extent: UInt32(extent))
        let geom = TileGeometryEncoder(tms: tms, tile: id, extent: extent, buffer: buffer)
        let bbox = tms.lonLatBounds(of: id, buffer: Double(buffer) / Double(extent))
        var skipped = 0
        try reader.features(of: layer, intersecting: bbox) { row in
            guard out.featureCount < maxFeaturesPerLayer else { return }
            do {
                let g = try ctx.read(wkb: row.wkb)
                guard let encoded = try geom.encode(g) else { return }
                out.addFeature(id: row.fid >= 0 ? UInt64(row.fid) : nil, geometry: encoded, properties: mvtProperties(row))
            } catch is GeometryError {
                skipped += 1
            }
        }
        if skipped > 0 {
            logger.warning("skipped features GEOS could not process", metadata: ["layer": "\(layer.id)", "tile": "\(id)", "count": "\(skipped)"])
        }
        return out
    }

    /// The feature's properties as MVT values: scalars as they are, arrays and
    /// objects as JSON text, nulls left out (MVT has no null).
    static func mvtProperties(_ row: FeatureRow) -> [(String, MVTValue)] {
        guard let text = row.properties, let pairs = try? JSONValue.parse(text).objectValue else {
            return row.name.map { [("name", .string($0))] } ?? []
        }
        var out: [(String, MVTValue)] = []
        out.reserveCapacity(pairs.count)
        for (k, v) in pairs {
            switch v {
            case .null: continue
            case .bool(let b): out.append((k, .bool(b)))
            case .int(let i): out.append((k, .int(i)))
            case .double(let d): out.append((k, .double(d)))
            case .string(let s): out.append((k, .string(s)))
            case .array, .object: out.append((k, .string(v.text)))
            }
        }
        return out
    }

    static func fnv1a(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(h, radix: 16)
    }
}
