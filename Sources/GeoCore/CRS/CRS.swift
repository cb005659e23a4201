/// A coordinate reference system named by authority and code.
///
/// Accepts the forms clients send: `EPSG:4490`, `4490`, `CRS84`, `OGC:CRS84`,
/// `urn:ogc:def:crs:EPSG::3857` and `http://www.opengis.net/def/crs/EPSG/0/4326`.
/// Coordinates are always handled in "visualization" order: x = longitude or
/// easting, y = latitude or northing, whatever the CRS's official axis order.
public struct CRS: Hashable, Sendable, CustomStringConvertible {
    public let authority: String
    public let code: String

    public init(authority: String, code: String) {
        self.authority = authority.uppercased()
        self.code = code
    }

    public static let crs84 = CRS(authority: "OGC", code: "CRS84")
    public static let cgcs2000 = CRS(authority: "EPSG", code: "4490")
    public static let wgs84 = CRS(authority: "EPSG", code: "4326")
    public static let webMercator = CRS(authority: "EPSG", code: "3857")
    /// The store's CRS.
    public static let storage = cgcs2000

    /// "EPSG:4490" / "OGC:CRS84": the form PROJ understands.
    public var description: String { "\(authority):\(code)" }

    /// The OGC URI, as used in OGC API `crs` parameters and `Content-Crs`.
    public var uri: String {
        authority == "OGC" ? "http://www.opengis.net/def/crs/OGC/1.3/\(code)"
                           : "http://www.opengis.net/def/crs/\(authority)/0/\(code)"
    }

    /// Parses the accepted spellings; nil when the text names no CRS.
    public init?(parsing raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let upper = text.uppercased()
        if upper == "CRS84" || upper == "OGC:CRS84" || upper.hasSuffix("/OGC/1.3/CRS84") || upper == "URN:OGC:DEF:CRS:OGC:1.3:CRS84" {
            self = .crs84; return
        }
        if let n = Int(text), n > 0 { self.init(authority: "EPSG", code: String(n)); return }
        if upper.hasPrefix("EPSG:"), let n = Int(text.dropFirst(5)), n > 0 {
            self.init(authority: "EPSG", code: String(n)); return
        }
        if upper.hasPrefix("URN:OGC:DEF:CRS:EPSG:") {
            let last = text.split(separator: ":", omittingEmptySubsequences: false).last ?? ""
            if let n = Int(last), n > 0 { self.init(authority: "EPSG", code: String(n)); return }
        }
        if upper.hasPrefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/") || upper.hasPrefix("HTTPS://WWW.OPENGIS.NET/DEF/CRS/EPSG/") {
            if let last = text.split(separator: "/").last, let n = Int(last), n > 0 {
                self.init(authority: "EPSG", code: String(n)); return
            }
        }
        return nil
    }

    /// True for CRS84 and the geographic CRSs whose x/y we treat as lon/lat degrees.
    public var isGeographicLonLat: Bool {
        self == .crs84 || self == .cgcs2000 || self == .wgs84
    }
}

import Foundation
