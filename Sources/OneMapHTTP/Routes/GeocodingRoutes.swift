import Foundation
import GeoCore
import Hummingbird
import OneMap
import OneMapStore

/// /reverse: point → administrative chain, nearest road, addresses and POIs, formatted address.
struct GeocodingRoutes {
    let services: Services

    func add(to router: Router<OneMapRequestContext>) {
        router.getAndHead("/reverse") { request, context in
            let p = try QueryParameters(request, allowed: ["lon", "lat", "coordsys"])
            let coordsys = try p.coordsys()
            guard let rawLon = Double(p["lon"] ?? ""), rawLon.isFinite, (-180...180).contains(rawLon) else {
                throw Problem.badRequest("lon must be a longitude from −180 to 180", parameter: "lon")
            }
            guard let rawLat = Double(p["lat"] ?? ""), rawLat.isFinite, (-90...90).contains(rawLat) else {
                throw Problem.badRequest("lat must be a latitude from −90 to 90", parameter: "lat")
            }
            var (lon, lat) = (rawLon, rawLat)
            if let cs = coordsys { (lon, lat) = ChineseCoordinates.convert(lon: lon, lat: lat, from: cs, to: .wgs84) }
            let caller = context.caller
            let c = services.catalogue
            let sources = ReverseGeocoder.Sources(
                admin: c.layer("admin", for: caller), roads: c.layer("roads", for: caller),
                addresses: [c.layer("buildings", for: caller), c.layer("poi", for: caller)].compactMap { $0 },
                pois: c.layer("poi", for: caller))
            return jsonResponse(try await services.reverse.reverse(lon: lon, lat: lat, sources: sources, coordsys: coordsys))
        }
    }
}
