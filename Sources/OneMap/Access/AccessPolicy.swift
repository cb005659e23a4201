import Foundation
import OneMapStore

/// Who is asking: the clearance of their API key (public without one) and their department.
public struct Caller: Sendable, Equatable {
    public let clearance: AccessLevel
    public let department: String?
    /// Whether the key may write (create, replace, update, delete features; register layers).
    public let canWrite: Bool

    public init(clearance: AccessLevel, department: String? = nil, canWrite: Bool = false) {
        self.clearance = clearance
        self.department = department
        self.canWrite = canWrite
    }

    public static let anonymous = Caller(clearance: .public)
}

/// The one access rule every data endpoint goes through: a caller reads a layer
/// when their clearance reaches the layer's access level, or the layer belongs to
/// their department. A layer they may not read does not exist for them (404, not
/// 403: its name does not leak either).
///
/// Keys come from a file, one per line: `KEY LEVEL [DEPARTMENT] [rw]`
/// (LEVEL: public | internal | restricted; `#` starts a comment).
public struct AccessPolicy: Sendable {
    private let keys: [String: Caller]

    public init(keys: [String: Caller] = [:]) { self.keys = keys }

    public init(file path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ServiceError.badRequest(parameter: nil, detail: "cannot read the keys file \(path)")
        }
        var keys: [String: Caller] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if parts.isEmpty { continue }
            guard parts.count >= 2, let level = AccessLevel(rawValue: parts[1]), parts[0].count >= 16 else {
                throw ServiceError.badRequest(parameter: nil, detail: "\(path):\(n + 1): expected `KEY LEVEL [DEPARTMENT] [rw]` with a key of 16+ characters and LEVEL public|internal|restricted")
            }
            let rest = parts.dropFirst(2)
            let canWrite = rest.last == "rw"
            let department = rest.first.flatMap { $0 == "rw" ? nil : $0 }
            keys[parts[0]] = Caller(clearance: level, department: department, canWrite: canWrite)
        }
        self.keys = keys
    }

    /// The caller for a presented key: anonymous without one, nil for a key we do not know.
    public func caller(key: String?) -> Caller? {
        guard let key, !key.isEmpty else { return .anonymous }
        return keys[key]
    }

    public static func canRead(_ caller: Caller, _ layer: LayerInfo) -> Bool {
        layer.access <= caller.clearance || (layer.owner != nil && layer.owner == caller.department)
    }

    /// Writes: a write key that can read the layer, on a thematic layer, of the
    /// caller's own department unless the caller has restricted clearance.
    public static func canWrite(_ caller: Caller, _ layer: LayerInfo) -> Bool {
        guard caller.canWrite, canRead(caller, layer), layer.kind == .thematic else { return false }
        return caller.clearance == .restricted || layer.owner == nil || layer.owner == caller.department
    }
}
