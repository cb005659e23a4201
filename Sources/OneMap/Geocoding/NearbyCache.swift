import Foundation
import GeoCore
import OneMapStore
import Synchronization

extension ReverseGeocoder {
    /// In-memory copies of the features /reverse can answer with: per layer and data
    /// version, the features passing its checks (named roads, POIs; buildings and POIs
    /// with an address), with a packed R-tree over their bounding boxes. Searching them
    /// costs no store read, no SQL and no JSON.
    ///
    /// A copy is made in the background the first time a layer (or a new data version of
    /// it) is asked for; until it is there the caller searches the store, so an answer
    /// never waits for a copy, nor comes from a data version older than the catalogue's
    /// (which follows the store within a second, and at once after writes through the
    /// API). Large layers (more than `maxFeatures` features, or more than `maxBytes` of
    /// matching features) are not copied: they are always searched in the store.
    final class NearbyCache: Sendable {
        static let maxFeatures = 250_000
        static let maxBytes = 48 << 20

        /// One layer at one data version: the copied features by number, their WKB in one buffer.
        final class Snapshot: Sendable {
            let properties: [String]
            let fids: [Int64]
            /// Bit i: the feature passes check i of the snapshot.
            let flags: [UInt32]
            let texts: [String]
            let boxes: [BBox]
            private let wkb: [UInt8]
            private let starts: [Int]
            private let tree: PackedRTree

            init(properties: [String], fids: [Int64], flags: [UInt32], texts: [String], boxes: [BBox], wkb: [UInt8], starts: [Int]) {
                self.properties = properties
                self.fids = fids
                self.flags = flags
                self.texts = texts
                self.boxes = boxes
                self.wkb = wkb
                self.starts = starts
                tree = PackedRTree(boxes)
            }

            func bit(of property: String) -> Int? { properties.firstIndex(of: property) }

            /// Visits the features whose bounding box meets `box`, by number.
            func search(_ box: BBox, _ visit: (Int) -> Void) { tree.search(box, visit) }

            func withWKB<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
                try wkb.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[starts[i]..<starts[i + 1]])) }
            }
        }

        private struct Slot {
            let version: Int
            let checks: [String]
            var snapshot: Snapshot?
        }

        private let store: any FeatureStore
        private let slots = Mutex<[String: Slot]>([:])

        init(store: any FeatureStore) { self.store = store }

        /// The copy of `layer` at its data version with these checks; nil while it is being
        /// made (the first call starts that) or when the layer is too large to copy.
        func snapshot(of layer: LayerInfo, checks: [NonNull]) -> Snapshot? {
            let key = checks.map(\.property)
            return slots.withLock { slots -> Snapshot? in
                if let s = slots[layer.id], s.version == layer.dataVersion, s.checks == key { return s.snapshot }
                slots[layer.id] = Slot(version: layer.dataVersion, checks: key, snapshot: nil)
                guard layer.featureCount <= Self.maxFeatures else { return nil }
                let store = self.store
                Task { [weak self] in
                    guard let snap = try? await Self.copy(layer, checks: checks, store: store) else { return }
                    self?.slots.withLock { slots in
                        if let s = slots[layer.id], s.version == layer.dataVersion, s.checks == key { slots[layer.id]?.snapshot = snap }
                    }
                }
                return nil
            }
        }

        /// Reads the features of `layer` passing any of `checks`; nil when over budget.
        private static func copy(_ layer: LayerInfo, checks: [NonNull], store: any FeatureStore) async throws -> Snapshot? {
            let parts: [(Int64, [UInt8], String, UInt32, BBox)]? = try await store.withReader { reader in
                var index: [Int64: Int] = [:]
                var out: [(Int64, [UInt8], String, UInt32, BBox)] = []
                var bytes = 0
                for pass in passes(checks) {
                    var q = FeatureQuery()
                    q.filter = pass.filter
                    q.limit = maxFeatures + 1
                    var over = false
                    var rows = 0
                    try reader.items(of: layer, q) { item in
                        rows += 1
                        if rows > maxFeatures { over = true }
                        guard !over else { return }
                        var flags: UInt32 = 0
                        for (i, c) in checks.enumerated() where pass.checks.contains(where: { $0.property == c.property }) {
                            if pass.exact || c.accepts(properties: item.properties) { flags |= 1 << UInt32(i) }
                        }
                        guard flags != 0 else { return }
                        if let j = index[item.fid] {
                            out[j].3 |= flags
                            return
                        }
                        bytes += item.wkb.count + item.properties.utf8.count + 96
                        if bytes > maxBytes { over = true; return }
                        index[item.fid] = out.count
                        out.append((item.fid, Array(item.wkb), item.properties, flags, Frame.bbox(wkb: item.wkb)))
                    }
                    if over { return nil }
                }
                return out
            }
            guard let parts else { return nil }
            var wkb: [UInt8] = []
            var starts = [0]
            wkb.reserveCapacity(parts.reduce(0) { $0 + $1.1.count })
            for p in parts {
                wkb += p.1
                starts.append(wkb.count)
            }
            return Snapshot(properties: checks.map(\.property), fids: parts.map(\.0), flags: parts.map(\.3), texts: parts.map(\.2),
                            boxes: parts.map(\.4), wkb: wkb, starts: starts)
        }

        /// Store reads for checks: one for the properties of the schema (any of them not
        /// null; `exact` when there is one, so every row passes it), one per column check.
        static func passes(_ checks: [NonNull]) -> [(filter: CQL2Expression, checks: [NonNull], exact: Bool)] {
            var out: [(filter: CQL2Expression, checks: [NonNull], exact: Bool)] = []
            var inJSON: [NonNull] = []
            for c in checks where c.inProperties && !inJSON.contains(where: { $0.property == c.property }) { inJSON.append(c) }
            if !inJSON.isEmpty {
                let f = inJSON.map { CQL2Expression.not(.isNull(.property($0.property))) }
                out.append((f.count == 1 ? f[0] : .or(f), inJSON, inJSON.count == 1))
            }
            var columns: [NonNull] = []
            for c in checks where !c.inProperties && !columns.contains(where: { $0.property == c.property }) { columns.append(c) }
            for c in columns { out.append((.not(.isNull(.property(c.property))), [c], true)) }
            return out
        }
    }

    /// A static R-tree packed by Sort-Tile-Recursive over bounding boxes: built once, searched
    /// without allocation. Items are numbered by their position in the array given.
    struct PackedRTree: Sendable {
        private static let fanout = 16
        /// Per level, bottom up: node boxes (4 doubles each) and the first child of each node
        /// (an item index at level 0, a node of the level below above it).
        private var boxes: [[Double]] = []
        private var firsts: [[Int]] = []
        /// Items in packed order, and their boxes.
        private var items: [Int] = []
        private var itemBoxes: [Double] = []

        init(_ input: [BBox]) {
            let n = input.count
            guard n > 0 else { return }
            // Leaves: sort by x centre, cut into vertical slices, sort each by y centre.
            let f = Self.fanout
            var order = Array(0..<n)
            func cx(_ i: Int) -> Double { (input[i].minX + input[i].maxX) / 2 }
            func cy(_ i: Int) -> Double { (input[i].minY + input[i].maxY) / 2 }
            order.sort { cx($0) < cx($1) }
            let leaves = (n + f - 1) / f
            let slices = Int(Double(leaves).squareRoot().rounded(.up))
            let perSlice = slices * f
            var packed: [Int] = []
            packed.reserveCapacity(n)
            var start = 0
            while start < n {
                let end = min(n, start + perSlice)
                packed += order[start..<end].sorted { cy($0) < cy($1) }
                start = end
            }
            items = packed
            itemBoxes = packed.flatMap { [input[$0].minX, input[$0].minY, input[$0].maxX, input[$0].maxY] }
            // Level 0 nodes over runs of items, then levels over runs of nodes.
            var levelBoxes: [Double] = []
            var levelFirsts: [Int] = []
            stride(from: 0, to: n, by: f).forEach { s in
                var b = BBox.empty
                for i in s..<min(n, s + f) { b = b.union(input[packed[i]]) }
                levelBoxes += [b.minX, b.minY, b.maxX, b.maxY]
                levelFirsts.append(s)
            }
            boxes.append(levelBoxes)
            firsts.append(levelFirsts)
            while levelFirsts.count > 1 {
                let below = boxes[boxes.count - 1], count = levelFirsts.count
                var nb: [Double] = [], nf: [Int] = []
                stride(from: 0, to: count, by: f).forEach { s in
                    var b = BBox.empty
                    for i in s..<min(count, s + f) {
                        b = b.union(BBox(minX: below[4 * i], minY: below[4 * i + 1], maxX: below[4 * i + 2], maxY: below[4 * i + 3]))
                    }
                    nb += [b.minX, b.minY, b.maxX, b.maxY]
                    nf.append(s)
                }
                boxes.append(nb)
                firsts.append(nf)
                levelFirsts = nf
            }
        }

        /// Calls `visit` with every item whose box meets `q`.
        func search(_ q: BBox, _ visit: (Int) -> Void) {
            guard !boxes.isEmpty else { return }
            visitNode(level: boxes.count - 1, node: 0, q, visit)
        }

        private func visitNode(level: Int, node: Int, _ q: BBox, _ visit: (Int) -> Void) {
            let b = boxes[level]
            guard b[4 * node] <= q.maxX, b[4 * node + 2] >= q.minX, b[4 * node + 1] <= q.maxY, b[4 * node + 3] >= q.minY else { return }
            let first = firsts[level][node]
            if level == 0 {
                for i in first..<min(items.count, first + Self.fanout)
                where itemBoxes[4 * i] <= q.maxX && itemBoxes[4 * i + 2] >= q.minX && itemBoxes[4 * i + 1] <= q.maxY && itemBoxes[4 * i + 3] >= q.minY {
                    visit(items[i])
                }
                return
            }
            let below = boxes[level - 1].count / 4
            for child in first..<min(below, first + Self.fanout) { visitNode(level: level - 1, node: child, q, visit) }
        }
    }
}
