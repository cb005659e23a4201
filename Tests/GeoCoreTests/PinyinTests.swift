import Testing
@testable import GeoCore

@Suite struct PinyinTests {
    private func tokens(_ s: String) -> [String] { Pinyin.reading(of: s).tokens }

    @Test func tianheSportsCentre() {
        let r = Pinyin.reading(of: "天河体育中心")
        #expect(r.tokens == ["tian", "he", "ti", "yu", "zhong", "xin"])
        #expect(r.isHan == [true, true, true, true, true, true])
        #expect(r.full == "tianhetiyuzhongxin")
        #expect(r.initials == "thtyzx")
    }

    @Test func knownReadings() {
        #expect(tokens("广州") == ["guang", "zhou"])
        #expect(tokens("广州市越秀区") == ["guang", "zhou", "shi", "yue", "xiu", "qu"])
        #expect(tokens("绿") == ["lv"])
        #expect(tokens("女") == ["nv"])
        #expect(tokens("略") == ["lve"])
    }

    @Test func phraseOverrides() {
        #expect(tokens("银行") == ["yin", "hang"])
        #expect(tokens("招商银行") == ["zhao", "shang", "yin", "hang"])
        #expect(tokens("步行街") == ["bu", "xing", "jie"])
        #expect(tokens("重庆路") == ["chong", "qing", "lu"])
        #expect(tokens("重点") == ["zhong", "dian"])
        #expect(tokens("厦门") == ["xia", "men"])
        #expect(tokens("保利大厦") == ["bao", "li", "da", "sha"])
        #expect(tokens("番禺区") == ["pan", "yu", "qu"])
        #expect(tokens("番茄") == ["fan", "qie"])
        #expect(tokens("音乐厅") == ["yin", "yue", "ting"])
        #expect(tokens("乐园") == ["le", "yuan"])
        #expect(tokens("长沙") == ["chang", "sha"])
        #expect(tokens("校长") == ["xiao", "zhang"])
        #expect(tokens("黄埔") == ["huang", "pu"])
        #expect(tokens("大埔县") == ["da", "bu", "xian"])
        #expect(tokens("地铁站") == ["di", "tie", "zhan"])
        #expect(tokens("佛山") == ["fo", "shan"])
        #expect(tokens("湾仔") == ["wan", "zai"])
        #expect(tokens("花都区") == ["hua", "du", "qu"])
        #expect(tokens("会计") == ["kuai", "ji"])
        #expect(tokens("蚌埠") == ["beng", "bu"])
        #expect(tokens("六安") == ["lu", "an"])
        #expect(tokens("西藏") == ["xi", "zang"])
        #expect(tokens("银行行长") == ["yin", "hang", "hang", "zhang"])
        // Longest match, left to right: 进行 is read before 行业 can claim 行.
        #expect(tokens("进行业务") == ["jin", "xing", "ye", "wu"])
    }

    @Test func everyOverrideIsUsable() {
        #expect(PinyinData.shared.rejectedOverrides == [])
    }

    @Test func asciiRunsAndFullWidth() {
        let r = Pinyin.reading(of: "T3航站楼")
        #expect(r.tokens == ["t3", "hang", "zhan", "lou"])
        #expect(r.isHan == [false, true, true, true])
        #expect(r.initials == "thzl")
        #expect(tokens("３号楼") == ["3", "hao", "lou"])
        #expect(tokens("ＡＢＣ１２３") == ["abc123"])
        #expect(tokens("Ｋ１１购物中心") == ["k11", "gou", "wu", "zhong", "xin"])
        #expect(Pinyin.reading(of: "3号楼").initials == "3hl")
    }

    @Test func mixedScriptsPunctuationAndEmoji() {
        #expect(tokens("广州塔 Canton Tower") == ["guang", "zhou", "ta", "canton", "tower"])
        #expect(tokens("（示例）花城广场，A区") == ["shi", "li", "hua", "cheng", "guang", "chang", "a", "qu"])
        #expect(tokens("天河😀城") == ["tian", "he", "cheng"])
        #expect(tokens("café") == ["caf"])
        #expect(tokens("中山路-12号") == ["zhong", "shan", "lu", "12", "hao"])
    }

    @Test func emptyAndNothingReadable() {
        let r = Pinyin.reading(of: "")
        #expect(r.tokens.isEmpty && r.isHan.isEmpty)
        #expect(r.full == "" && r.initials == "")
        #expect(Pinyin.reading(of: " ，。😀").tokens.isEmpty)
    }

    @Test func extensionBlocksAndCompatibilityIdeographs() {
        #expect(tokens("\u{3400}\u{4DB5}") == ["qiu", "chi"])  // Extension A
        #expect(tokens("\u{9FFF}\u{4E00}") == ["yi"])           // U+9FFF has no reading: dropped
        #expect(tokens("\u{20000}\u{2B7FC}") == ["he", "da"])   // Extensions B, C
        #expect(tokens("\u{30EDD}") == ["biang"])               // Extension G, the table's last range
        #expect(tokens("\u{F900}") == tokens("\u{8C48}"))       // compatibility ideograph = its unified form
        #expect(tokens("\u{2F800}") == ["li"])                  // compatibility supplement (U+4E3D)
    }

    @Test func segmentTianhe() {
        let s = Pinyin.segmentations(of: "tianhe")
        #expect(s.first == PinyinSegmentation(syllables: ["tian", "he"], lastIsPrefix: false))
    }

    @Test func segmentXian() {
        let s = Pinyin.segmentations(of: "xian")
        #expect(s.first == PinyinSegmentation(syllables: ["xian"], lastIsPrefix: false))
        #expect(s.contains(PinyinSegmentation(syllables: ["xi", "an"], lastIsPrefix: false)))
        #expect(s.count <= 4)
        #expect(Pinyin.segmentations(of: "xi'an").first == PinyinSegmentation(syllables: ["xi", "an"], lastIsPrefix: false))
        #expect(!Pinyin.segmentations(of: "xi'an").contains { $0.syllables == ["xian"] })
    }

    @Test func segmentTypeAhead() {
        let s = Pinyin.segmentations(of: "tianh")
        #expect(s.first == PinyinSegmentation(syllables: ["tian", "h"], lastIsPrefix: true))
        #expect(Pinyin.segmentations(of: "zh").first == PinyinSegmentation(syllables: ["zh"], lastIsPrefix: true))
        #expect(Pinyin.segmentations(of: "TianHe").first?.syllables == ["tian", "he"])
    }

    @Test func segmentFailures() {
        #expect(Pinyin.segmentations(of: "zzz") == [])
        #expect(Pinyin.segmentations(of: "") == [])
        #expect(Pinyin.segmentations(of: "tian1") == [])
        #expect(Pinyin.segmentations(of: "tianhe", limit: 0) == [])
        // An initials query is not a syllable split: "th" has none.
        #expect(Pinyin.segmentations(of: "th") == [])
        #expect(Pinyin.segmentations(of: "tyzx") == [])
    }

    @Test func segmentLongQueries() {
        let s = Pinyin.segmentations(of: "guangzhoushitianhequtiyuzhongxin")
        #expect(s.first?.syllables == ["guang", "zhou", "shi", "tian", "he", "qu", "ti", "yu", "zhong", "xin"])
        #expect(Pinyin.segmentations(of: String(repeating: "a", count: 200), limit: 2).count == 1)   // only a·a·a…
        #expect(Pinyin.segmentations(of: String(repeating: "xian", count: 50)).count == 4)
        #expect(Pinyin.segmentations(of: "lvse").first?.syllables == ["lv", "se"])
    }

    @Test func syllables() {
        #expect(Pinyin.isSyllable("zhuang"))
        #expect(Pinyin.isSyllable("lv"))
        #expect(Pinyin.isSyllable("er"))
        #expect(Pinyin.isSyllable("a"))
        #expect(!Pinyin.isSyllable("zh"))
        #expect(!Pinyin.isSyllable("th"))
        #expect(!Pinyin.isSyllable(""))
        #expect(!Pinyin.isSyllable("ng"))
        let s = "tianhe"
        #expect(Pinyin.isSyllable(s.prefix(4)))
    }

    @Test func readingsAreConsistent() {
        // Every Han token is a syllable the segmenter knows, so a full-pinyin query can match it.
        for name in ["天河体育中心", "广州塔", "番禺区", "银行", "绿道", "珠江新城", "花城大道", "二沙岛"] {
            let r = Pinyin.reading(of: name)
            for (t, han) in zip(r.tokens, r.isHan) where han { #expect(Pinyin.isSyllable(Substring(t)), "\(t)") }
            #expect(Pinyin.segmentations(of: r.full, limit: 4).contains { $0.syllables == r.tokens }, "\(name)")
        }
    }
}
