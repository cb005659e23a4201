import GeoCore

/// How names, addresses and queries are cut into index tokens.
///
/// FTS5's unicode61 tokenizer keeps a run of Chinese characters as one token, so
/// 天河体育中心 would only match itself. We index every Han character as its own
/// token (space-separated) and every run of ASCII letters/digits as one word; a
/// query becomes a phrase of the same tokens, so any substring of a name (one or
/// two characters included) is an indexed phrase lookup rather than a scan.
public enum SearchText {
    /// Full-width ASCII folded, letters lower-cased, runs of spaces kept as one.
    public static func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var lastSpace = true
        for var s in text.unicodeScalars {
            if s.value == 0x3000 { s = " " }
            if (0xFF01...0xFF5E).contains(s.value), let f = Unicode.Scalar(s.value - 0xFEE0) { s = f }
            if s.properties.isWhitespace || s.properties.generalCategory == .control {
                if !lastSpace { out.append(" ") }
                lastSpace = true
                continue
            }
            if ("A"..."Z").contains(s) { s = Unicode.Scalar(s.value + 32)! }
            out.append(s)
            lastSpace = false
        }
        if out.last == " " { out.removeLast() }
        return String(out)
    }

    /// The normalised text without spaces: what exact and prefix matches compare.
    public static func key(_ text: String) -> String {
        String(normalize(text).unicodeScalars.filter { $0 != " " })
    }

    /// Index tokens: each Han character, each run of letters and digits of any other
    /// script (lower-cased: Latin, Cyrillic, …); punctuation, symbols and emoji drop out.
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var word = String.UnicodeScalarView()
        func flush() {
            if !word.isEmpty { out.append(String(word).lowercased()); word.removeAll() }
        }
        for s in normalize(text).unicodeScalars {
            if isHan(s) {
                flush()
                out.append(String(s))
            } else if s.properties.isAlphabetic || s.properties.numericType == .decimal {
                word.append(s)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    public static func isHan(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F: true
        default: false
        }
    }

    /// Levenshtein distance between two scalar arrays, giving up above `limit`.
    public static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            var rowMin = cur[0]
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                rowMin = min(rowMin, cur[j])
            }
            if rowMin > limit { return limit + 1 }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// True when some substring of `text` is within one edit of `query`
    /// (one wrong, missing or extra character).
    public static func containsWithinOneEdit(_ text: [Unicode.Scalar], _ query: [Unicode.Scalar]) -> Bool {
        let n = query.count
        guard n > 0 else { return true }
        for len in max(1, n - 1)...(n + 1) where len <= text.count {
            for start in 0...(text.count - len) {
                if editDistance(Array(text[start..<start + len]), query, limit: 1) <= 1 { return true }
            }
        }
        return false
    }
}
