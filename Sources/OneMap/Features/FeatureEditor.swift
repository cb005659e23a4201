import Foundation
import GeoCore
import OneMapStore

/// Validated writes to thematic layers (OGC API Features Part 4) and layer
/// registration. Input is checked against the layer's schema before anything is
/// written; each write is one transaction and bumps the layer's data version.
public struct FeatureEditor: Sendable {
    let store: SpatialStore
    let catalogue: Catalogue

    public init(store: SpatialStore, catalogue: Catalogue) {
        self.store = store
        self.catalogue = catalogue
    }

    public static let geometryTypes = ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "Geometry"]

    /// POST /layers: a new thematic layer from its JSON description.
    public func registerLayer(_ body: JSONValue, caller: Caller) throws(ServiceError) -> LayerInfo {
        guard caller.canWrite else { throw .forbidden(detail: "registering a layer needs a write key") }
        guard case .object = body else { throw .badRequest(parameter: nil, detail: "the body must be a JSON object: {id, title, geometryType, fields, access, owner}") }
        guard let id = body["id"]?.stringValue, LayerInfo.isValidID(id) else {
            throw .badRequest(parameter: "id", detail: "id: lower-case letters, digits and _, starting with a letter, at most 63 characters")
        }
        let title = body["title"]?.stringValue ?? id
        var info = LayerInfo(id: id, title: title, kind: .thematic)
        info.description = body["description"]?.stringValue
        let gt = body["geometryType"]?.stringValue ?? "Geometry"
        guard Self.geometryTypes.contains(gt) else {
            throw .badRequest(parameter: "geometryType", detail: "geometryType must be one of \(Self.geometryTypes.joined(separator: ", "))")
        }
        info.geometryType = gt
        if let a = body["access"] {
            guard let s = a.stringValue, let level = AccessLevel(rawValue: s) else {
                throw .badRequest(parameter: "access", detail: "access must be public, internal or restricted")
            }
            guard level <= caller.clearance else { throw .forbidden(detail: "your key cannot make a layer more restricted than its own clearance (\(caller.clearance.rawValue))") }
            info.access = level
        }
        info.owner = body["owner"]?.stringValue ?? caller.department
        if caller.clearance != .restricted, let d = caller.department, info.owner != d {
            throw .forbidden(detail: "a layer you register belongs to your department (\(d))")
        }
        if let z = body["minzoom"] { guard case .int(let v) = z, (0...24).contains(v) else { throw .badRequest(parameter: "minzoom", detail: "minzoom must be 0…24") }; info.minzoom = Int(v) }
        if let z = body["maxzoom"] { guard case .int(let v) = z, (0...24).contains(v) else { throw .badRequest(parameter: "maxzoom", detail: "maxzoom must be 0…24") }; info.maxzoom = Int(v) }
        guard info.minzoom <= info.maxzoom else { throw .badRequest(parameter: "minzoom", detail: "minzoom must not exceed maxzoom") }
        var fields: [FieldInfo] = []
        for (i, f) in (body["fields"]?.arrayValue ?? []).enumerated() {
            guard let name = f["name"]?.stringValue, !name.isEmpty, name.count <= 64,
                  !["fid", "geometry", "id"].contains(name), !fields.contains(where: { $0.name == name }) else {
                throw .badRequest(parameter: "fields", detail: "fields[\(i)].name must be a unique name of 1–64 characters other than fid, id and geometry")
            }
            let type = f["type"]?.stringValue ?? "string"
            guard FieldInfo.types.contains(type) else {
                throw .badRequest(parameter: "fields", detail: "fields[\(i)].type must be one of \(FieldInfo.types.sorted().joined(separator: ", "))")
            }
            var required: Bool?
            if case .bool(let b)? = f["required"] { required = b }
            fields.append(FieldInfo(name: name, type: type, required: required, description: f["description"]?.stringValue))
        }
        guard fields.count <= 256 else { throw .badRequest(parameter: "fields", detail: "at most 256 fields") }
        info.fields = fields
        do {
            let created = try store.createLayer(info)
            try? catalogue.reload()
            return created
        } catch let e as StoreError {
            throw .conflict(detail: e.message)
        } catch {
            throw .badRequest(parameter: nil, detail: "\(error)")
        }
    }

    /// The layer `caller` may write, or the right error.
    public func writableLayer(_ id: String, caller: Caller) throws(ServiceError) -> LayerInfo {
        guard let layer = catalogue.layer(id, for: caller) else { throw .notFound(detail: "no collection \"\(id.prefix(64))\"") }
        guard AccessPolicy.canWrite(caller, layer) else {
            throw .forbidden(detail: layer.kind == .thematic
                ? "your key may not write \(layer.id): it needs a write key of the owning department (\(layer.owner ?? "none"))"
                : "\(layer.id) is a \(layer.kind.rawValue) layer: only thematic layers are written through the API")
        }
        return layer
    }

    /// POST …/items: a GeoJSON Feature in `crs`; returns the new feature id.
    public func create(_ layer: LayerInfo, feature: JSONValue, crs: CRS) throws(ServiceError) -> Int64 {
        let (wkb, props) = try validate(layer, feature: feature, crs: crs)
        return try run { try store.insertFeature(layer: layer.id, wkb: wkb, properties: props, name: name(layer, props), code: code(layer, props)) }
    }

    /// PUT …/items/{fid}: replaces the feature.
    public func replace(_ layer: LayerInfo, fid: Int64, feature: JSONValue, crs: CRS) throws(ServiceError) {
        let (wkb, props) = try validate(layer, feature: feature, crs: crs)
        let found = try run { try store.replaceFeature(layer: layer.id, fid: fid, wkb: wkb, properties: props, name: name(layer, props), code: code(layer, props)) }
        guard found else { throw .notFound(detail: "no feature \(fid) in \(layer.id)") }
    }

    /// PATCH …/items/{fid}: a JSON merge patch (RFC 7396) of the feature's geometry and properties.
    public func update(_ layer: LayerInfo, fid: Int64, patch: JSONValue, crs: CRS) throws(ServiceError) {
        guard case .object = patch else { throw .badRequest(parameter: nil, detail: "a PATCH body is a JSON merge patch object: {\"properties\": {…}, \"geometry\": {…}}") }
        guard let current = try run({ try store.feature(layer: layer.id, fid: fid) }) else {
            throw .notFound(detail: "no feature \(fid) in \(layer.id)")
        }
        var props = (try? JSONValue.parse(current.properties)) ?? .object([])
        if let p = patch["properties"] {
            guard case .object = p else { throw .badRequest(parameter: "properties", detail: "properties must be an object") }
            props = Self.mergePatch(props, p)
        }
        if let g = patch["geometry"] {
            try replace(layer, fid: fid, feature: .object([("type", .string("Feature")), ("geometry", g), ("properties", props)]), crs: crs)
            return
        }
        let checked = try validateProperties(layer, props.objectValue ?? [])
        _ = try run { try store.replaceFeature(layer: layer.id, fid: fid, wkb: current.wkb, properties: checked, name: name(layer, checked), code: code(layer, checked)) }
    }

    /// DELETE …/items/{fid}.
    public func delete(_ layer: LayerInfo, fid: Int64) throws(ServiceError) {
        let found = try run { try store.deleteFeature(layer: layer.id, fid: fid) }
        guard found else { throw .notFound(detail: "no feature \(fid) in \(layer.id)") }
    }

    private func run<T>(_ body: () throws -> T) throws(ServiceError) -> T {
        do {
            let out = try body()
            try? catalogue.reload()
            return out
        } catch let e as StoreError {
            throw .badRequest(parameter: nil, detail: e.message)
        } catch {
            throw .badRequest(parameter: nil, detail: "\(error)")
        }
    }

    private func name(_ layer: LayerInfo, _ props: JSONValue) -> String? { Importer.text(props[layer.nameField ?? "name"]) }
    private func code(_ layer: LayerInfo, _ props: JSONValue) -> String? { Importer.text(props[layer.codeField ?? "code"]) }

    /// Checks a GeoJSON Feature against the layer: geometry readable, valid and of
    /// the layer's type, inside the CRS's domain; properties known and typed.
    func validate(_ layer: LayerInfo, feature: JSONValue, crs: CRS) throws(ServiceError) -> ([UInt8], JSONValue) {
        guard case .object = feature, feature["type"]?.stringValue == "Feature" else {
            throw .badRequest(parameter: nil, detail: "the body must be a GeoJSON Feature: {\"type\":\"Feature\",\"geometry\":{…},\"properties\":{…}}")
        }
        guard let geometry = feature["geometry"], !geometry.isNull else {
            throw .badRequest(parameter: "geometry", detail: "the feature needs a geometry")
        }
        let props: [(String, JSONValue)]
        switch feature["properties"] {
        case .object(let p)?: props = p
        case .null?, nil: props = []
        default: throw .badRequest(parameter: "properties", detail: "properties must be an object or null")
        }
        let checked = try validateProperties(layer, props)
        let wkb = try validateGeometry(layer, geometry, crs: crs)
        return (wkb, checked)
    }

    func validateProperties(_ layer: LayerInfo, _ props: [(String, JSONValue)]) throws(ServiceError) -> JSONValue {
        for (k, v) in props {
            guard let field = layer.fields.first(where: { $0.name == k }) else {
                throw .badRequest(parameter: k, detail: "unknown property \"\(k.prefix(64))\"; \(layer.id) has \(layer.fields.map(\.name).joined(separator: ", "))")
            }
            guard Self.matches(v, field.type) else {
                throw .badRequest(parameter: k, detail: "property \(k) must be \(field.type), not \(v.typeName)")
            }
        }
        for f in layer.fields where f.required == true && !props.contains(where: { $0.0 == f.name && !$0.1.isNull }) {
            throw .badRequest(parameter: f.name, detail: "property \(f.name) is required")
        }
        return .object(props)
    }

    func validateGeometry(_ layer: LayerInfo, _ geometry: JSONValue, crs: CRS) throws(ServiceError) -> [UInt8] {
        let wkb: [UInt8]
        do {
            wkb = try GEOSContextPool.shared.withContext { ctx throws -> [UInt8] in
                let g = try GeoJSONGeometryReader.readChecked(geometry, context: ctx) { read in
                    guard Self.accepts(layer.geometryType, read.kind) else {
                        throw GeometryError("\(layer.id) holds \(layer.geometryType) geometries, not \(read.kind.name)")
                    }
                    guard crs != .crs84 else { return read }
                    return try PROJContextPool.shared.withContext { proj in
                        var g = read
                        if proj.isNorthFirst(crs) { g = try g.mapXY { x, y in swap(&x, &y); return true } }
                        if !crs.isGeographicLonLat { g = try proj.transformer(from: crs, to: .storage).transform(g, verify: true) }
                        return g
                    }
                }
                return g.wkb
            }
        } catch let e as GeometryError {
            throw .badRequest(parameter: "geometry", detail: e.message)
        } catch {
            throw .badRequest(parameter: "geometry", detail: "\(error)")
        }
        return wkb
    }

    static func matches(_ v: JSONValue, _ type: String) -> Bool {
        switch (v, type) {
        case (.null, _): true
        case (.string, "string"), (.int, "integer"), (.int, "number"), (.double, "number"), (.bool, "boolean"),
             (.array, "array"), (.object, "object"): true
        case (.double(let d), "integer"): d == d.rounded()
        default: false
        }
    }

    static func accepts(_ layerType: String, _ kind: GeometryKind) -> Bool {
        switch layerType {
        case "Geometry": true
        case "MultiPolygon": kind == .polygon || kind == .multiPolygon
        case "MultiLineString": kind == .lineString || kind == .multiLineString
        case "MultiPoint": kind == .point || kind == .multiPoint
        default: kind.name == layerType
        }
    }

    /// RFC 7396 JSON merge patch.
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var t: [(String, JSONValue)] = target.objectValue ?? []
        for (k, v) in p {
            if v.isNull {
                t.removeAll { $0.0 == k }
            } else if let i = t.firstIndex(where: { $0.0 == k }) {
                t[i].1 = mergePatch(t[i].1, v)
            } else {
                t.append((k, mergePatch(.null, v)))
            }
        }
        return .object(t)
    }
}
