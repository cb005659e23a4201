#!/usr/bin/env bash
# Search benchmark: GET /search, GET /suggest and GET /reverse (and GET /geocode once it
# exists) on the release build, with wrk at 64 connections cycling over many request paths.
#
#   Scripts/bench/search.sh                 full run (builds .build/release/onemap if missing)
#
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (64), ONEMAP_BIN (release binary),
# ONEMAP_SERVE_ARGS (extra `onemap serve` options, e.g. "--log-level warning").
# Paths (generated from SampleData with a fixed seed, 42, shuffled):
#  search   every name of the poi, buildings, landuse, admin, shelters layers as q; its first two
#           characters; its pinyin in full and by initials (pypinyin, when installed); one-typo
#           variants (a middle character replaced, or deleted) of names of ≥ 4 Han characters;
#           a fifth of them with a filter (layer=poi, near+radius, focus, bbox, admin=440106).
#  suggest  type-ahead prefixes: the first 1–3 characters of names, the first 2–6 letters of
#           their pinyin and their initials.
#  reverse  the path list of Scripts/bench/reverse.sh when it offers one (REVERSE_PATHS=FILE
#           or `reverse.sh --print-paths`), else 50 points inside Guangzhou's districts (ray
#           casting in admin.geojson) and the three sample areas.
#  geocode  GET /geocode?address=… over the sample's addresses (street + house number, with
#           and without city/district) — only when the server answers /geocode (another
#           engineer is adding it); otherwise reported as skipped.
# Every path is requested once with curl-equivalent checks first: all must answer 200.
# Loopback only; everything started here is stopped on exit; every step has a time limit.
# Needs: wrk, curl, python3 (pypinyin optional: pip install pypinyin) (Scripts/setup.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. "$ROOT/Scripts/bench/lib.sh"

bench_start search.sh
: >"$WORK/results.txt"


# ----------------------------------------------------------------------------- server
serve_sample || exit 1

# ----------------------------------------------------------------------------- reverse paths
# Prefer the reverse benchmark's own path list, so both scripts measure the same thing.
REVERSE_FROM="50 points in Guangzhou districts + sample areas (search.sh)"
if [ -n "${REVERSE_PATHS:-}" ] && [ -s "$REVERSE_PATHS" ]; then
  cp "$REVERSE_PATHS" "$WORK/reverse-paths.txt"
  REVERSE_FROM="$REVERSE_PATHS"
elif [ -x "$ROOT/Scripts/bench/reverse.sh" ] && grep -q -- "--print-paths" "$ROOT/Scripts/bench/reverse.sh"; then
  if timeout 120 "$ROOT/Scripts/bench/reverse.sh" --print-paths >"$WORK/reverse-paths.txt" 2>/dev/null \
      && grep -q '^/reverse?' "$WORK/reverse-paths.txt"; then
    REVERSE_FROM="Scripts/bench/reverse.sh --print-paths"
  else
    rm -f "$WORK/reverse-paths.txt"
  fi
fi

# ----------------------------------------------------------------------------- path lists
timeout 120 python3 - "$ROOT/SampleData" "$WORK" <<'PY'
import json, os, random, re, sys, urllib.parse
sample, work = sys.argv[1], sys.argv[2]
rng = random.Random(42)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
try:
    from pypinyin import Style, lazy_pinyin
except ImportError:
    lazy_pinyin = None
    print("search.sh: pypinyin not installed — no pinyin paths (pip install pypinyin)", file=sys.stderr)

def feats(file):
    return json.load(open(os.path.join(sample, file)))["features"]

names = []
for file in ("poi.geojson", "buildings.geojson", "landuse.geojson", "admin.geojson", "emergency_shelters.geojson"):
    names += [f["properties"]["name"] for f in feats(file) if f["properties"].get("name")]
names = sorted(set(n for n in names if re.search(r"[\w]", n) and (HAN.search(n) or re.search(r"[A-Za-z0-9]", n))))

def pinyin(name):
    """Syllables of the Han characters, Latin words (lower-cased) kept in place: 学勤书院A座 → xueqinshuyuanazuo."""
    syl = lazy_pinyin(name, style=Style.NORMAL, errors=lambda s: [w.lower() for w in re.findall(r"[A-Za-z]+", s)])
    syl = [s.replace("ü", "v") for s in syl]
    syl = [s for s in syl if s.isascii() and s.isalpha()]
    return "".join(syl), "".join(s[0] for s in syl)

COMMON = "的一是在不了有和人这大为上个我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过说产种而方后多定行学法所民得经"
queries = []
for n in names:
    queries.append(n)
    if HAN.match(n) and len(n) >= 3:
        queries.append(n[:2])
    if lazy_pinyin and HAN.search(n):
        full, ini = pinyin(n)
        if len(ini) >= 2:
            queries += [full, ini]
    han = [i for i, c in enumerate(n) if HAN.match(c)]
    if len(han) >= 4:
        i = rng.choice(han[1:-1])
        queries.append(n[:i] + rng.choice([c for c in COMMON if c not in n]) + n[i + 1:])
        j = rng.choice(han[1:-1])
        queries.append(n[:j] + n[j + 1:])
queries = [q for q in queries if 0 < len(q) <= 100]
FILTERS = ["layer=poi", "near=113.3190,23.1214&radius=2000", "near=113.2400,23.1100&radius=1000",
           "focus=114.2000,22.6900", "focus=113.2400,23.1100", "bbox=113.3110,23.1205,113.3195,23.1240",
           "admin=440106", "layer=poi,buildings&limit=20"]
search = []
for q in queries:
    p = "/search?q=" + urllib.parse.quote(q)
    if rng.random() < 0.2:
        p += "&" + rng.choice(FILTERS)
    search.append(p)
rng.shuffle(search)

suggest = []
for n in names:
    if HAN.match(n):
        for k in (1, 2, 3):
            if len(n) > k:
                suggest.append(n[:k])
    if lazy_pinyin and HAN.search(n):
        full, ini = pinyin(n)
        for k in (2, 4, 6):
            if len(full) > k:
                suggest.append(full[:k])
        if len(ini) >= 2:
            suggest.append(ini[:rng.randint(2, len(ini))])
suggest = sorted(set(suggest))
suggest = ["/suggest?q=" + urllib.parse.quote(q) for q in suggest]
rng.shuffle(suggest)

# Reverse: points inside Guangzhou's district polygons (ray casting), plus the sample areas.
if not os.path.exists(f"{work}/reverse-paths.txt"):
    def inside(x, y, rings):
        c = False
        for ring in rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                    c = not c
        return c
    districts = []
    for f in feats("admin.geojson"):
        p = f["properties"]
        if p["level"] == "district" and p["parent_adcode"] == "440100":
            g = f["geometry"]
            polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
            districts.append((p["name"], polys))
    pts = []
    for name, polys in districts:
        xs = [c[0] for poly in polys for c in poly[0]]
        ys = [c[1] for poly in polys for c in poly[0]]
        got, tries = 0, 0
        while got < 4 and tries < 2000:
            tries += 1
            x, y = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
            if any(inside(x, y, poly) for poly in polys):
                pts.append((x, y))
                got += 1
    areas = [(113.3110, 23.1205, 113.3195, 23.1240), (113.2345, 23.1078, 113.2450, 23.1122),
             (114.1900, 22.6800, 114.2100, 22.6900)]  # Huacheng, Shamian, Longgang (Shenzhen)
    k = 0
    while len(pts) < 50:
        w, s, e, n = areas[k % 3]
        pts.append((rng.uniform(w, e), rng.uniform(s, n)))
        k += 1
    with open(f"{work}/reverse-paths.txt", "w") as f:
        for x, y in pts[:50]:
            f.write(f"/reverse?lon={x:.6f}&lat={y:.6f}\n")

# Geocode: the sample's addresses, bare and with city/district in front.
addresses = set()
for file in ("poi.geojson", "buildings.geojson"):
    for f in feats(file):
        p = f["properties"]
        if p.get("addr_street") and re.search(r"[\u4e00-\u9fff]", p["addr_street"]):
            n = p.get("addr_housenumber") or ""
            a = p["addr_street"] + (n + "号" if n.isdigit() else n.split(";")[0] + ("号" if n.split(";")[0].isdigit() else ""))
            addresses.add(a)
            area = p.get("area")
            prefix = {"huacheng": "广州市天河区", "shamian": "广州市荔湾区", "longgang": "深圳市龙岗区"}.get(area)
            if prefix:
                addresses.add(prefix + a)
geocode = ["/geocode?address=" + urllib.parse.quote(a) for a in sorted(addresses)]
rng.shuffle(geocode)

for name, paths in (("search", search), ("suggest", suggest), ("geocode", geocode)):
    with open(f"{work}/{name}-paths.txt", "w") as f:
        f.write("".join(p + "\n" for p in paths))
print(f"search.sh: {len(search)} search paths ({len(queries)} queries from {len(names)} names), "
      f"{len(suggest)} suggest paths, {sum(1 for _ in open(f'{work}/reverse-paths.txt'))} reverse paths, "
      f"{len(geocode)} geocode addresses")
PY
echo "search.sh: reverse paths from $REVERSE_FROM"

# /geocode: only when the server has it (GeocodeRoutes.swift is being added by another engineer).
GEOCODE=0
probe=$(head -n1 "$WORK/geocode-paths.txt" || true)
if [ -n "$probe" ]; then
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE$probe" || echo 000)
  [ "$code" = 200 ] && GEOCODE=1
fi

# Check every path once: 200 and JSON; report how many hits the search paths give.
timeout 300 python3 - "$BASE" "$WORK" "$GEOCODE" <<'PY'
import json, sys, urllib.error, urllib.request
base, work, geocode = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
for name in ["search", "suggest", "reverse"] + (["geocode"] if geocode else []):
    bad, empty, total = [], 0, 0
    for p in open(f"{work}/{name}-paths.txt").read().split():
        total += 1
        try:
            with urllib.request.urlopen(base + p, timeout=10) as r:
                d = json.load(r)
        except urllib.error.HTTPError as e:
            bad.append(f"{e.code} {p}")
            continue
        if name == "search" and d["numberReturned"] == 0:
            empty += 1
        if name == "suggest" and not d["suggestions"]:
            empty += 1
    extra = f", {empty} with no hits" if name in ("search", "suggest") else ""
    print(f"  {name}: {total} paths, {total - len(bad)} answer 200{extra}")
    if bad:
        sys.exit(f"{name}: {len(bad)} paths do not answer 200, e.g. {bad[:3]}")
PY

echo "search.sh: wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
run_wrk search "$WORK/search-paths.txt" count
run_wrk suggest "$WORK/suggest-paths.txt" count
run_wrk reverse "$WORK/reverse-paths.txt" count
# ---- /geocode ------------------------------------------------------------------------------
# GET /geocode?address=… over the sample's addresses. Runs once the server answers /geocode
# (Sources/OneMapHTTP/Routes/GeocodeRoutes.swift); until then it is reported as skipped.
if [ "$GEOCODE" = 1 ]; then
  run_wrk geocode "$WORK/geocode-paths.txt" count
else
  echo "search.sh: /geocode not answered by this build (probe: ${probe:-none}) — skipped"
fi
# ---------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------- report
echo
printf "%-8s %10s %9s %9s %9s %7s %7s %9s %6s\n" endpoint "req/s" "p50 ms" "p95 ms" "p99 ms" errors non2xx requests paths
while read -r name qps p50 p95 p99 err n2 req np; do
  printf "%-8s %10s %9s %9s %9s %7s %7s %9s %6s\n" "$name" "$qps" "$p50" "$p95" "$p99" "$err" "$n2" "$req" "$np"
done <"$WORK/results.txt"
echo
while read -r name qps p50 p95 p99 err n2 req np; do
  echo "/$name: $qps req/s, p50 $p50 ms, p95 $p95 ms ($np paths, $err errors, $n2 non-2xx)"
done <"$WORK/results.txt"
[ "$GEOCODE" = 1 ] || echo "/geocode: skipped (not in this build)"
python3 - "$WORK/results.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
bad = [r[0] for r in rows if r[5] != "0" or r[6] != "0"]
if bad:
    print(f"warning: errors or non-2xx answers in: {', '.join(bad)}")
PY
