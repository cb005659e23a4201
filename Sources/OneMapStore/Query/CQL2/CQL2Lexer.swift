/// One token of CQL2 Text, with the 1-based character column where it starts.
struct CQL2Token: Equatable {
    enum Kind: Equatable {
        /// A bare word: a keyword or a property name (case kept).
        case word(String)
        /// A "double-quoted" property name, `""` unescaped.
        case quoted(String)
        /// A 'single-quoted' string literal, `''` unescaped.
        case string(String)
        /// A numeric literal as written, sign included.
        case number(String)
        /// ( ) , = <> < <= > >=
        case symbol(String)
        case end
    }

    let kind: Kind
    let position: Int

    /// How an error message names the token.
    var described: String {
        switch kind {
        case .word(let w): "'\(w)'"
        case .quoted(let q): "\"\(Self.shorten(q))\""
        case .string(let s): "the string '\(Self.shorten(s))'"
        case .number(let n): "the number \(n)"
        case .symbol(let s): "'\(s)'"
        case .end: "the end of the filter"
        }
    }

    static func shorten(_ s: String) -> String { s.count > 24 ? s.prefix(24) + "…" : s }
}

/// Splits CQL2 Text into tokens. Works on Characters, so positions count what a
/// person sees (名称 is two characters) and Unicode letters can form names.
enum CQL2Lexer {
    static func tokenize(_ text: String) throws(CQL2Error) -> [CQL2Token] {
        let c = Array(text)
        var tokens: [CQL2Token] = []
        var i = 0

        func isDigit(_ k: Int) -> Bool { k < c.count && c[k].isASCII && c[k].isNumber }
        func isNameStart(_ ch: Character) -> Bool { ch.isLetter || ch == "_" || ch == ":" }
        func isNamePart(_ ch: Character) -> Bool { isNameStart(ch) || ch.isNumber || ch == "." }

        while i < c.count {
            let ch = c[i]
            let start = i
            if ch.isWhitespace { i += 1; continue }

            if ch == "'" || ch == "\"" {
                // Quoted text; a doubled quote stands for one.
                var value = ""
                i += 1
                while true {
                    guard i < c.count else {
                        let what = ch == "'" ? "string" : "quoted property name"
                        throw CQL2Error("unterminated \(what): missing closing \(ch)", position: start + 1)
                    }
                    if c[i] == ch {
                        if i + 1 < c.count, c[i + 1] == ch { value.append(ch); i += 2; continue }
                        i += 1
                        break
                    }
                    value.append(c[i])
                    i += 1
                }
                if ch == "\"", value.isEmpty { throw CQL2Error("empty property name", position: start + 1) }
                tokens.append(CQL2Token(kind: ch == "'" ? .string(value) : .quoted(value), position: start + 1))
                continue
            }

            let signed = (ch == "-" || ch == "+") && (isDigit(i + 1) || (i + 1 < c.count && c[i + 1] == "." && isDigit(i + 2)))
            if isDigit(i) || signed || (ch == "." && isDigit(i + 1)) {
                if signed { i += 1 }
                while isDigit(i) { i += 1 }
                if i < c.count, c[i] == "." { i += 1; while isDigit(i) { i += 1 } }
                if i < c.count, c[i] == "e" || c[i] == "E" {
                    var k = i + 1
                    if k < c.count, c[k] == "+" || c[k] == "-" { k += 1 }
                    if isDigit(k) { i = k; while isDigit(i) { i += 1 } }
                }
                tokens.append(CQL2Token(kind: .number(String(c[start..<i])), position: start + 1))
                continue
            }

            if isNameStart(ch) {
                while i < c.count, isNamePart(c[i]) { i += 1 }
                tokens.append(CQL2Token(kind: .word(String(c[start..<i])), position: start + 1))
                continue
            }

            let next: Character? = i + 1 < c.count ? c[i + 1] : nil
            let symbol: String
            switch ch {
            case "(", ")", ",", "=": symbol = String(ch)
            case "<": symbol = next == ">" ? "<>" : next == "=" ? "<=" : "<"
            case ">": symbol = next == "=" ? ">=" : ">"
            case "!" where next == "=":
                throw CQL2Error("'!=' is not CQL2; write '<>' for 'not equal'", position: start + 1)
            default:
                throw CQL2Error("unexpected character '\(ch)'", position: start + 1)
            }
            i += symbol.count
            tokens.append(CQL2Token(kind: .symbol(symbol), position: start + 1))
        }
        tokens.append(CQL2Token(kind: .end, position: c.count + 1))
        return tokens
    }
}
