import Foundation
import GeoCore
import OneMapStore

/// Administrative areas by 12-digit statistical code: province, cities, districts
/// (with boundaries from layer `admin`) and the 2023 street/town units (codes and
/// names only). Lookup by code, search by name, parent chain, children, boundary at
/// a requested simplification.
public struct AdminService: Sendable {
    /// The layer holding the province / city / district boundaries.
    public static let boundaryLayer = "admin"
    /// Documented limits and defaults.
    public static let defaultTolerance = 100.0
    public static let maxTolerance = 100_000.0
    public static let maxNameLength = 64
    public static let defaultLimit = 10
    public static let maxLimit = 100

    public static let streetNote = "no open boundary data for street/town units; the 2023 NBS code list has names and codes only"
    public static let notRequestedNote = "boundary not requested (boundary=none)"
    public static let withheldNote = "the boundary layer is not available to this caller"
    public static let missingNote = "the boundary feature is missing from the boundary layer"

    /// How much boundary an answer carries.
    public enum BoundaryDetail: Sendable, Equatable {
        case none
        /// Simplified with this tolerance in metres (topology preserved, polygons kept valid).
        case simplified(metres: Double)
        case full
    }

    /// One area with its context, ready to encode.
    public struct Area: Sendable {
        public let unit: AdminUnit
        /// Ancestors from the province down to the parent (the parent is the last).
        public let chain: [AdminUnit]
        public let children: [AdminUnit]
        /// lon/lat in the requested coordinate system, where known.
        public let center: (lon: Double, lat: Double)?
        /// GeoJSON geometry text, or nil with `boundaryNote` saying why.
        public let boundary: String?
        public let boundaryNote: String?
        public var parent: AdminUnit? { chain.last }
    }

    /// A search hit with its centre in the requested coordinate system.
    public struct Match: Sendable {
        public let unit: AdminUnit
        public let parent: AdminUnit?
        public let match: AdminMatch.Kind
        public let center: (lon: Double, lat: Double)?
    }

    let store: any AdminStore
    let catalogue: Catalogue

    public init(store: any AdminStore, catalogue: Catalogue) {
        self.store = store
        self.catalogue = catalogue
    }

    /// A 6-digit adcode, 9-digit street/town code or 12-digit code as the 12-digit code.
    public static func code(_ raw: String, parameter: String? = nil) throws(ServiceError) -> String {
        guard let code = AdminCode.normalize(raw) else {
            let shown = raw.count > 24 ? String(raw.prefix(24)) + "…" : raw
            throw .badRequest(parameter: parameter, detail: "an administrative code is 6 (440106), 9 (440103001) or 12 (440106000000) digits; got \"\(shown)\"")
        }
        return code
    }

    public func area(code raw: String, boundary detail: BoundaryDetail, coordsys: ChineseCoordinateSystem? = nil,
                     caller: Caller) async throws -> Area {
        let code = try Self.code(raw)
        let layer = catalogue.layer(Self.boundaryLayer, for: caller)
        let wantBoundary = detail != .none && layer != nil
        guard let record = try await store.adminRecord(code: code, boundaryLayer: wantBoundary ? Self.boundaryLayer : nil) else {
            throw ServiceError.notFound(detail: "no administrative area with code \(code); GET /admin?name=… finds codes by name")
        }
        let unit = record.unit
        var geometry: String?
        let note: String?
        if !unit.hasBoundary {
            note = unit.level == .street ? Self.streetNote : "no boundary data for this unit"
        } else if detail == .none {
            note = Self.notRequestedNote
        } else if layer == nil {
            note = Self.withheldNote
        } else if let wkb = record.boundaryWKB {
            geometry = try Self.geoJSON(wkb, detail: detail, coordsys: coordsys)
            note = nil
        } else {
            note = Self.missingNote
        }
        return Area(unit: unit, chain: record.chain, children: record.children,
                    center: Self.center(unit, coordsys), boundary: geometry, boundaryNote: note)
    }

    /// Areas named `name` (full name 天河区, short name 天河, or a prefix of either): exact
    /// names first, then short names, then prefixes. `parent`: only areas inside it (any depth).
    public func find(name raw: String, level: String?, parent: String?, limit: Int = defaultLimit,
                     coordsys: ChineseCoordinateSystem? = nil) async throws -> [Match] {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw ServiceError.badRequest(parameter: "name", detail: "name must not be empty, e.g. name=天河 or name=天河区") }
        guard name.count <= Self.maxNameLength else {
            throw ServiceError.badRequest(parameter: "name", detail: "name is at most \(Self.maxNameLength) characters (got \(name.count))")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ServiceError.badRequest(parameter: "name", detail: "name must not hold control characters")
        }
        var lvl: AdminLevel?
        if let level {
            guard let l = AdminLevel(rawValue: level) else {
                throw ServiceError.badRequest(parameter: "level", detail: "level must be province, city, district or street")
            }
            lvl = l
        }
        var ancestor: AdminUnit?
        if let parent {
            let code = try Self.code(parent, parameter: "parent")
            guard let p = try await store.adminUnit(code: code) else {
                throw ServiceError.notFound(detail: "no administrative area with code \(code) (parameter parent)")
            }
            ancestor = p
        }
        guard (1...Self.maxLimit).contains(limit) else {
            throw ServiceError.badRequest(parameter: "limit", detail: "limit must be 1…\(Self.maxLimit)")
        }
        return try await store.adminSearch(name: name, level: lvl, ancestor: ancestor, limit: limit).map {
            Match(unit: $0.unit, parent: $0.parent, match: $0.match, center: Self.center($0.unit, coordsys))
        }
    }

    static func center(_ u: AdminUnit, _ coordsys: ChineseCoordinateSystem?) -> (lon: Double, lat: Double)? {
        guard let lon = u.centerLon, let lat = u.centerLat else { return nil }
        guard let cs = coordsys else { return (lon, lat) }
        return ChineseCoordinates.convert(lon: lon, lat: lat, from: .wgs84, to: cs)
    }

    /// The boundary as GeoJSON geometry text, simplified as asked, in `coordsys`.
    static func geoJSON(_ wkb: [UInt8], detail: BoundaryDetail, coordsys: ChineseCoordinateSystem?) throws -> String {
        try GEOSContextPool.shared.withContext { ctx in
            var g = try ctx.read(wkb: wkb)
            if case .simplified(let metres) = detail { g = try simplify(g, metres: metres) }
            if let cs = coordsys { g = try g.converted(from: .wgs84, to: cs) }
            return GeoJSONGeometryWriter(decimals: 7).string(g)
        }
    }

    /// Topology-preserving Douglas–Peucker with a tolerance in metres: run in a frame
    /// scaled from degrees to metres by the largest metres-per-degree in the geometry's
    /// latitude range (east–west at the latitude nearest the equator, north–south at
    /// the one farthest from it), so distances there never underestimate true ones and
    /// no point moves farther than `metres` from the original outline.
    public static func simplify(_ g: Geometry, metres: Double) throws -> Geometry {
        guard !g.isEmpty, metres > 0 else { return g }
        let b = g.bbox
        let near = b.minY <= 0 && b.maxY >= 0 ? 0 : min(abs(b.minY), abs(b.maxY))
        let far = max(abs(b.minY), abs(b.maxY))
        let kx = metresPerDegree(latitude: near).lon, ky = metresPerDegree(latitude: far).lat
        let scaled = try g.mapXY { x, y in x *= kx; y *= ky; return true }
        var s = try scaled.simplify(tolerance: metres, preserveTopology: true).mapXY { x, y in x /= kx; y /= ky; return true }
        if !s.isValid { s = try s.makeValid() }
        return s
    }

    /// Metres per degree of longitude and of latitude at a latitude on the CGCS2000 ellipsoid.
    static func metresPerDegree(latitude: Double) -> (lon: Double, lat: Double) {
        let a = 6_378_137.0, f = 1 / 298.257222101
        let e2 = f * (2 - f)
        let phi = latitude * .pi / 180
        let w = 1 - e2 * sin(phi) * sin(phi)
        let n = a / w.squareRoot()
        let m = a * (1 - e2) / (w * w.squareRoot())
        return (n * cos(phi) * .pi / 180, m * .pi / 180)
    }
}
