import ArgumentParser
import Foundation
import GeoCore

/// `onemap pinyin`: the pinyin reading the search index uses, one line in, one line out.
struct PinyinTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pinyin",
        abstract: "Pinyin readings of Chinese text: prints \"tokens joined by spaces<TAB>initials\" per line.",
        discussion: """
            Reads the texts from the arguments, or one per line from stdin when there are none.
            Han characters become toneless syllables (ü as v), runs of ASCII letters and digits
            (full-width ones folded) stay whole and lower-cased, everything else is dropped.
            Example: echo 天河体育中心 | onemap pinyin  →  tian he ti yu zhong xin<TAB>thtyzx
            """)

    @Argument(help: "Texts to read (default: lines of stdin).") var texts: [String] = []

    func run() throws {
        var out = ""
        func emit(_ line: String) {
            let r = Pinyin.reading(of: line)
            out += r.tokens.joined(separator: " ")
            out += "\t"
            out += r.initials
            out += "\n"
            if out.utf8.count >= 1 << 16 { flush() }
        }
        func flush() {
            FileHandle.standardOutput.write(Data(out.utf8))
            out = ""
        }
        if texts.isEmpty {
            while let line = readLine(strippingNewline: true) { emit(line) }
        } else {
            texts.forEach(emit)
        }
        flush()
    }
}
