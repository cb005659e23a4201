"""`onemap pinyin` against pypinyin, an independent reference (our table comes from Unihan).

The CLI runs once with every sample name on stdin; each output line is
"tokens joined by spaces<TAB>initials". pypinyin's `lazy_pinyin(style=NORMAL)` returns Han syllables
and non-Han runs unchanged; both sides are tokenised the same way (runs of ASCII letters/digits,
lower-cased, full-width folded) before comparing. A short list of pypinyin's known errors in
Guangdong place names (REFERENCE_ERRATA) is loaded into pypinyin first; the thresholds fail when the
converter's own overrides (Sources/GeoCore/Text/Pinyin.swift, PinyinOverrides) are removed.
"""
from __future__ import annotations

import csv
import json
import re

import pytest
from pypinyin import Style, lazy_pinyin, load_phrases_dict

from helpers import SAMPLE, run_cli

HAN_RUN = re.compile(r"([\u3400-\u9fff\uf900-\ufaff\U00020000-\U000323af]+)")
WORD = re.compile(r"[a-z0-9]+")

# Known errors of the reference in Guangdong place names, loaded into pypinyin as phrases (this
# process only): pypinyin reads these characters with their general default, while the places are
# officially and locally read otherwise (花都 Huadu, 佛冈 Fogang, 长洲 Changzhou, 东涌 Dongchong,
# 麻涌 Machong, 塘厦 Tangxia; in Guangdong 涌 chōng is a creek and 圩 xū a market town). Only whole
# place names are listed, so every other use of these characters is still compared as pypinyin reads it.
REFERENCE_ERRATA = {
    # 都 dū in place names
    "花都": "hua du", "井都": "jing du", "隆都": "long du", "都斛": "du hu", "玉都": "yu du",
    "莲都": "lian du", "都平": "du ping", "星都": "xing du", "义都": "yi du", "四都": "si du",
    "六都": "liu du", "都杨": "du yang", "地都": "di du",
    # 长 cháng in place names
    "长洲": "chang zhou", "长岭": "chang ling", "长来": "chang lai", "长山": "chang shan",
    "长岐": "chang qi", "长坡": "chang po", "长岗": "chang gang", "长宁": "chang ning",
    "长布": "chang bu", "长田": "chang tian", "长潭": "chang tan", "长塘": "chang tang",
    # 佛 fó
    "佛冈": "fo gang", "九佛": "jiu fo",
    # 涌 chōng (creek) and 圩 xū (market) in Guangdong
    "东涌": "dong chong", "葵涌": "kui chong", "霞涌": "xia chong", "铁涌": "tie chong",
    "麻涌": "ma chong", "大涌": "da chong", "沙基涌": "sha ji chong",
    "宝圩": "bao xu", "新圩": "xin xu", "官圩": "guan xu", "马圩": "ma xu", "桂圩": "gui xu",
    # 厦 xià in 塘厦 (Tangxia, Dongguan); 调 tiáo in 调压 (pressure regulating)
    "塘厦": "tang xia", "调压站": "tiao ya zhan",
    # 行 háng: a bank branch
    "支行": "zhi hang",
}
load_phrases_dict({w: [[s] for s in r.split()] for w, r in REFERENCE_ERRATA.items()})

PER_CHAR_MIN = 0.995
PER_NAME_MIN = 0.97

# Well-known place and POI words that must read exactly as pypinyin reads them.
WELL_KNOWN = [
    "天河", "越秀", "番禺", "花城大道", "珠江新城", "银行", "重庆路", "厦门", "长沙", "广州塔",
    "天河体育中心", "海珠区", "荔湾区", "黄埔区", "佛山", "深圳", "东莞", "中山大学", "白云机场",
    "招商银行", "中国工商银行", "地铁站", "体育西路", "音乐厅", "便利店", "宿舍", "学校", "广场",
    "药房", "六榕街道", "北京路步行街", "大厦", "乐园",
]


def sample_names() -> list[str]:
    names: list[str] = []
    for f in sorted(SAMPLE.glob("*.geojson")):
        for feat in json.loads(f.read_text(encoding="utf-8"))["features"]:
            props = feat.get("properties") or {}
            for key in ("name", "addr_street", "short_name"):
                v = props.get(key)
                if isinstance(v, str) and v.strip():
                    names.append(v)
    with open(SAMPLE / "guangdong_streets_nbs2023.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for key in ("street_name", "district_name", "city_name", "province_name"):
                if row.get(key):
                    names.append(row[key])
    seen: set[str] = set()
    out = []
    for n in names:
        n = " ".join(n.split())                # one line each
        if n and n not in seen:
            seen.add(n)
            out.append(n)
    return out


def fold(s: str) -> str:
    """Full-width ASCII forms to ASCII, lower-case."""
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in s).lower()


def reference(name: str) -> tuple[list[str], list[bool]]:
    """pypinyin's reading as (tokens, is_han), tokenised like ours. pypinyin splits its input into
    runs of Han and other characters itself (its phrase matching never crosses a run), so reading
    each Han run on its own gives what lazy_pinyin gives for the whole name, without having to guess
    which of its output items were passed through unchanged."""
    tokens: list[str] = []
    is_han: list[bool] = []
    for i, part in enumerate(HAN_RUN.split(name)):
        if not part:
            continue
        if i % 2:
            for p in lazy_pinyin(part, style=Style.NORMAL, v_to_u=False):
                p = p.lower().replace("ü", "v")
                if re.fullmatch(r"[a-z]+", p):          # a Han character pypinyin does not know stays as is
                    tokens.append(p)
                    is_han.append(True)
        else:
            for w in WORD.findall(fold(part)):
                tokens.append(w)
                is_han.append(False)
    return tokens, is_han


def run_pinyin(lines: list[str]) -> list[tuple[list[str], str]]:
    assert all("\n" not in l for l in lines)
    r = run_cli(["pinyin"], input="\n".join(lines) + "\n", timeout=120)
    assert r.returncode == 0, f"onemap pinyin failed ({r.returncode}): {r.stderr[-2000:]}"
    out = r.stdout.split("\n")
    assert out[-1] == "", "output must end with a newline"
    out = out[:-1]
    assert len(out) == len(lines), f"{len(lines)} lines in, {len(out)} out"
    parsed = []
    for line in out:
        tokens, _, initials = line.partition("\t")
        parsed.append((tokens.split(), initials))
    return parsed


@pytest.fixture(scope="module")
def readings(onemap):
    names = sample_names()
    return names, run_pinyin(names)


def test_sample_names_agree_with_pypinyin(readings):
    names, ours = readings
    assert len(names) > 1000
    chars = char_agree = 0
    name_agree = 0
    diffs = []
    for name, (tokens, initials) in zip(names, ours):
        ref, ref_han = reference(name)
        assert initials == "".join(t[0] for t in tokens), f"{name}: initials {initials!r} for {tokens}"
        n = sum(len(run) for run in HAN_RUN.findall(name))
        chars += n
        if tokens == ref:
            name_agree += 1
            char_agree += n
            continue
        if len(tokens) == len(ref):            # else a character one side cannot read: all count as wrong
            char_agree += sum(a == b for a, b, h in zip(tokens, ref, ref_han) if h)
        diffs.append(f"{name}: ours {' '.join(tokens)} | pypinyin {' '.join(ref)}")
    per_char = char_agree / chars
    per_name = name_agree / len(names)
    report = (f"per-character {per_char:.4f} over {chars} Han characters, per-name {per_name:.4f} over "
              f"{len(names)} names; {len(diffs)} names differ:\n" + "\n".join(diffs[:200]))
    print(report)
    assert per_char >= PER_CHAR_MIN, report
    assert per_name >= PER_NAME_MIN, report


def test_well_known_words_agree_exactly(onemap):
    ours = run_pinyin(WELL_KNOWN)
    diffs = []
    for word, (tokens, initials) in zip(WELL_KNOWN, ours):
        ref, _ = reference(word)
        if tokens != ref or initials != "".join(t[0] for t in ref):
            diffs.append(f"{word}: ours {' '.join(tokens)} ({initials}) | pypinyin {' '.join(ref)}")
    assert not diffs, "\n".join(diffs)


def test_tokenisation_of_mixed_text(onemap):
    lines = ["天河体育中心", "Ｔ３航站楼", "K11购物中心 (B1层)", "广州塔😀", "", "，。、", "绿道", "Café 花城"]
    got = run_pinyin(lines)
    assert got[0] == (["tian", "he", "ti", "yu", "zhong", "xin"], "thtyzx")
    assert got[1] == (["t3", "hang", "zhan", "lou"], "thzl")
    assert got[2] == (["k11", "gou", "wu", "zhong", "xin", "b1", "ceng"], "kgwzxbc")
    assert got[3] == (["guang", "zhou", "ta"], "gzt")
    assert got[4] == ([], "")
    assert got[5] == ([], "")
    assert got[6] == (["lv", "dao"], "ld")
    assert got[7] == (["caf", "hua", "cheng"], "chc")


def test_arguments_instead_of_stdin(onemap):
    r = run_cli(["pinyin", "银行", "番禺区"], timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "yin hang\tyh\npan yu qu\tpyq\n"
