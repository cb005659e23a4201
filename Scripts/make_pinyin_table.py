#!/usr/bin/env python3
"""Generate Sources/GeoCore/Text/PinyinTable.swift from Unicode's Unihan database.

Input: Unihan_Readings.txt.bz2 (Debian package `unicode-data`, /usr/share/unicode/) and, for the
CJK compatibility ideographs, UnicodeData.txt (their canonical decompositions).

Per code point: the first value of kMandarin (the customary reading; when two are given the first
is the zh-Hans one), else the first reading of kHanyuPinyin, kXHC1983 or kTGHZ2013. Tones are
stripped, ü becomes "v", everything is lower-cased.

Output: the sorted list of toneless syllables (one string) and one string literal giving, for each
code point of a few ranges, the 1-based index of its syllable (0 = no reading), encoded as two
characters of the URL-safe base64 alphabet per code point; "~" followed by two such characters
skips that many code points without a reading. Pinyin.swift decodes it once into [UInt16].

Deterministic: the same input files give the same output byte for byte.

Usage: python3 Scripts/make_pinyin_table.py [--unihan PATH] [--unicode-data PATH] [--out PATH]
"""
from __future__ import annotations

import argparse
import bz2
import re
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_UNIHAN = "/usr/share/unicode/Unihan_Readings.txt.bz2"
DEFAULT_UCD = "/usr/share/unicode/UnicodeData.txt"
DEFAULT_OUT = REPO / "Sources/GeoCore/Text/PinyinTable.swift"

# Dense ranges of the generated table (must match PinyinTable.ranges in the output).
RANGES = [
    (0x3400, 0x9FFF),    # CJK Extension A + CJK Unified Ideographs
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs (through their canonical decompositions)
    (0x20000, 0x323AF),  # Extensions B–H and CJK Compatibility Ideographs Supplement
]
FIELDS = ("kMandarin", "kHanyuPinyin", "kXHC1983", "kTGHZ2013")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
GAP = "~"
LINE = 128


def toneless(reading: str) -> str | None:
    """'lǜ' -> 'lv', 'zhuàng' -> 'zhuang', 'ḿ' -> 'm'. None when nothing Latin is left."""
    out = []
    for ch in unicodedata.normalize("NFD", reading.strip().lower()):
        if ch == "\u0308":                      # diaeresis: u + ¨ = ü
            if out and out[-1] == "u":
                out[-1] = "v"
            continue
        if unicodedata.combining(ch):
            continue                            # tone marks, ê's circumflex
        if ch == "ü":
            ch = "v"
        out.append(ch)
    s = "".join(out)
    return s if re.fullmatch(r"[a-z]+", s) else None


def first_reading(field: str, value: str) -> str | None:
    if field == "kMandarin":
        first = value.split()[0]
    else:
        # kHanyuPinyin "10019.020:tiàn,tiǎn 10020.030:..."; kXHC1983 "1000.010:zhōng 1001.020*:zhòng";
        # kTGHZ2013 "482.140:zhōng"
        entry = value.split()[0]
        first = entry.split(":", 1)[1].split(",")[0] if ":" in entry else entry
    return toneless(first)


def read_unihan(path: str) -> dict[int, str]:
    by_field: dict[str, dict[int, str]] = {f: {} for f in FIELDS}
    with bz2.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cp, field, value = line.rstrip("\n").split("\t", 2)
            if field in by_field:
                r = first_reading(field, value)
                if r:
                    by_field[field][int(cp[2:], 16)] = r
    readings: dict[int, str] = {}
    for field in reversed(FIELDS):              # later writes win: kMandarin last
        readings.update(by_field[field])
    return readings


def add_compatibility(readings: dict[int, str], ucd_path: str) -> None:
    """CJK compatibility ideographs take the reading of their canonical decomposition."""
    with open(ucd_path, encoding="utf-8") as f:
        for line in f:
            parts = line.split(";")
            if len(parts) < 6 or "CJK COMPATIBILITY IDEOGRAPH" not in parts[1]:
                continue
            cp = int(parts[0], 16)
            dec = parts[5].split()
            if cp in readings or len(dec) != 1 or dec[0].startswith("<"):
                continue
            target = int(dec[0], 16)
            if target in readings:
                readings[cp] = readings[target]


def encode(readings: dict[int, str], index: dict[str, int]) -> list[str]:
    chunks: list[str] = []

    def two(v: int) -> str:
        assert 0 <= v < 64 * 64
        return ALPHABET[v >> 6] + ALPHABET[v & 63]

    for lo, hi in RANGES:
        gap = 0
        for cp in range(lo, hi + 1):
            r = readings.get(cp)
            if r is None:
                gap += 1
                continue
            while gap:
                n = min(gap, 64 * 64 - 1)
                chunks.append(GAP + two(n))
                gap -= n
            chunks.append(two(index[r]))
        while gap:
            n = min(gap, 64 * 64 - 1)
            chunks.append(GAP + two(n))
            gap -= n
    return chunks


def render(readings: dict[int, str], unihan_path: str) -> str:
    syllables = sorted(set(readings.values()))
    index = {s: i + 1 for i, s in enumerate(syllables)}
    body = "".join(encode(readings, index))
    # A line never starts with whitespace or a quote and never contains a backslash.
    lines = [body[i:i + LINE] for i in range(0, len(body), LINE)]
    header = ""
    with bz2.open(unihan_path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            m = re.match(r"# (Date|Unicode version): (.*)", line)
            if m:
                header += f"//   {m.group(1)}: {m.group(2).strip()}\n"
    counted = sum(1 for cp in readings if any(lo <= cp <= hi for lo, hi in RANGES))
    ranges = ", ".join(f"(0x{lo:X}, 0x{hi:X})" for lo, hi in RANGES)
    syl_lines = []
    cur = ""
    for s in syllables:
        if len(cur) + len(s) + 1 > 100:
            syl_lines.append(cur.rstrip())
            cur = ""
        cur += s + " "
    syl_lines.append(cur.rstrip())
    return (
        "// GENERATED by Scripts/make_pinyin_table.py — do not edit by hand.\n"
        "//\n"
        "// Derived from the Unicode Han Database (Unihan), Unihan_Readings.txt:\n"
        f"{header}"
        "//   fields: kMandarin (first value), else the first reading of kHanyuPinyin, kXHC1983, kTGHZ2013;\n"
        "//   tones stripped, ü written v.\n"
        "// Unihan data © Unicode, Inc., distributed under the Unicode License v3\n"
        "// (https://www.unicode.org/license.txt); the derived table below is covered by the same licence.\n"
        "//\n"
        f"// {len(syllables)} syllables; {counted} code points with a reading.\n"
        "\n"
        "enum PinyinTable {\n"
        "    /// Toneless syllables, sorted, separated by single spaces. Index i + 1 in `encoded` is syllables[i].\n"
        "    static let syllables: String = \"\"\"\n"
        + "".join(f"        {l}\n" for l in syl_lines) +
        "        \"\"\"\n"
        "\n"
        "    /// Code-point ranges covered by `encoded`, in order (inclusive bounds).\n"
        f"    static let ranges: [(lo: UInt32, hi: UInt32)] = [{ranges}]\n"
        "\n"
        f"    /// Two characters of \"{ALPHABET}\" per code point\n"
        "    /// (the syllable's index, 0 = none); \"~\" + two characters skips that many code points. Newlines are ignored.\n"
        "    static let encoded: String = \"\"\"\n"
        + "".join(f"        {l}\n" for l in lines) +
        "        \"\"\"\n"
        "}\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unihan", default=DEFAULT_UNIHAN)
    ap.add_argument("--unicode-data", default=DEFAULT_UCD)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    a = ap.parse_args()
    for p in (a.unihan, a.unicode_data):
        if not Path(p).exists():
            print(f"{p} not found (apt-get install -y unicode-data)", file=sys.stderr)
            return 1
    readings = read_unihan(a.unihan)
    add_compatibility(readings, a.unicode_data)
    text = render(readings, a.unihan)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text.encode())} bytes, {len(set(readings.values()))} syllables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
