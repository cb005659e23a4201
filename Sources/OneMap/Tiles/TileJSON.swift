import GeoCore
import OneMapStore

/// TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0).
public struct TileJSON: Codable, Sendable {
    public struct VectorLayer: Codable, Sendable {
        public let id: String
        public let description: String?
        public let minzoom: Int
        public let maxzoom: Int
        public let fields: [String: String]
    }

    public var tilejson = "3.0.0"
    public var name: String
    public var description: String?
    public var version = "1.0.0"
    public var attribution: String?
    public var scheme = "xyz"
    public var tiles: [String]
    public var minzoom: Int
    public var maxzoom: Int
    public var bounds: [Double]
    public var center: [Double]
    public var vector_layers: [VectorLayer]

    /// `tilesURL` is the absolute URL template, e.g. http://host/tiles/roads/{z}/{x}/{y}.mvt.
    public init(layers: [LayerInfo], tilesURL: String) {
        name = layers.map(\.id).joined(separator: ",")
        description = layers.map(\.title).joined(separator: " · ")
        let attributions = layers.compactMap(\.attribution).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        attribution = attributions.isEmpty ? nil : attributions.joined(separator: " | ")
        tiles = [tilesURL]
        minzoom = layers.map(\.minzoom).min() ?? 0
        maxzoom = layers.map(\.maxzoom).max() ?? 16
        let box = layers.compactMap(\.bounds).reduce(BBox.empty) { $0.union($1) }
        if box.isEmpty {
            bounds = [-180, -85.05112877980659, 180, 85.05112877980659]
            center = [0, 0, Double(minzoom)]
        } else {
            bounds = box.array
            // Centre on the most detailed layer's data (a city rather than the province).
            let focus = layers.filter { $0.bounds != nil }.max(by: { $0.minzoom < $1.minzoom })?.bounds ?? box
            center = [(focus.minX + focus.maxX) / 2, (focus.minY + focus.maxY) / 2, Double(max(minzoom, min(maxzoom, 14)))]
        }
        vector_layers = layers.map { l in
            var fields: [String: String] = [:]
            for f in l.fields { fields[f.name] = Self.tileJSONType(f.type) }
            return VectorLayer(id: l.id, description: l.title, minzoom: l.minzoom, maxzoom: l.maxzoom, fields: fields)
        }
    }

    /// TileJSON field types are free text; use the MVT/MapLibre vocabulary.
    static func tileJSONType(_ t: String) -> String {
        switch t {
        case "integer", "number": "Number"
        case "boolean": "Boolean"
        default: "String"
        }
    }
}
