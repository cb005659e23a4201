#!/usr/bin/env bash
# Reverse-geocoding benchmark: GET /reverse on the release build, with wrk at 64 connections.
# Target (docs: DESIGN.md "Performance targets"): search, suggest, geocode, reverse p95 ≤ 10 ms.
#
#   Scripts/bench/reverse.sh                        full run (builds .build/release/onemap if missing)
#   ONEMAP_BIN=/path/to/onemap Scripts/bench/reverse.sh   another binary (e.g. a before/after pair)
#
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (64), ONEMAP_BIN (release binary),
# ONEMAP_SERVE_ARGS (extra `onemap serve` options), POINTS (50).
# Points (fixed seed 42), all inside Guangzhou's 11 districts (SampleData/admin.geojson, tested
# with an even-odd ray cast here, no Shapely needed): half in the two areas holding the sample
# roads, buildings and POIs (Huacheng Square in Tianhe 113.3110–113.3195 E, 23.1205–23.1240 N;
# Shamian in Liwan 113.2345–113.2450 E, 23.1078–23.1122 N), where every answer carries a road,
# addresses and POIs; half spread over the districts (one district after another), where the
# answer is the admin chain alone. Every path is checked once with the server before wrk runs:
# 200, a chain 440000 / 440100 / 4401xx matching the district the point was drawn in.
# Loopback only; everything started here is stopped on exit; every step has a time limit.
# Needs: wrk, curl, python3 (Scripts/setup.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. "$ROOT/Scripts/bench/lib.sh"

bench_start reverse.sh
POINTS=${POINTS:-50}


serve_sample || exit 1

# The points, then one check of every path against the district it was drawn in.
timeout 120 python3 - "$BASE" "$WORK" "$ROOT/SampleData/admin.geojson" "$POINTS" <<'PY'
import json, random, sys, urllib.request
base, work, admin, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
DATA_AREAS = [(113.3110, 23.1205, 113.3195, 23.1240), (113.2345, 23.1078, 113.2450, 23.1122)]
rng = random.Random(42)
districts = [f for f in json.load(open(admin))["features"]
             if f["properties"]["level"] == "district" and f["properties"]["parent_adcode"] == "440100"]
districts.sort(key=lambda f: f["properties"]["adcode"])
if len(districts) != 11:
    sys.exit(f"expected Guangzhou's 11 districts in {admin}, found {len(districts)}")

def polygons(g):
    return [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]

def inside(lon, lat, g):  # even-odd over every ring of every polygon
    hit = False
    for poly in polygons(g):
        for ring in poly:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
                if (y0 > lat) != (y1 > lat) and x0 + (lat - y0) * (x1 - x0) / (y1 - y0) > lon:
                    hit = not hit
    return hit

def district_of(lon, lat):
    found = [f["properties"]["adcode"] for f in districts if inside(lon, lat, f["geometry"])]
    return found[0] if len(found) == 1 else None

points = []
while len(points) < count // 2:
    w, s, e, n = rng.choice(DATA_AREAS)
    lon, lat = rng.uniform(w, e), rng.uniform(s, n)
    d = district_of(lon, lat)
    if d:
        points.append((lon, lat, d))
i = 0
while len(points) < count:
    f = districts[i % len(districts)]
    xs = [c[0] for p in polygons(f["geometry"]) for c in p[0]]
    ys = [c[1] for p in polygons(f["geometry"]) for c in p[0]]
    for _ in range(1000):
        lon, lat = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        if district_of(lon, lat) == f["properties"]["adcode"]:
            points.append((lon, lat, f["properties"]["adcode"]))
            break
    i += 1
with open(f"{work}/reverse-paths.txt", "w") as out:
    for lon, lat, _ in points:
        out.write(f"/reverse?lon={lon:.6f}&lat={lat:.6f}\n")
roads = pois = 0
for lon, lat, d in points:
    with urllib.request.urlopen(f"{base}/reverse?lon={lon:.6f}&lat={lat:.6f}", timeout=10) as r:
        a = json.load(r)
    chain = [(x["level"], x["adcode"]) for x in a["admin"]]
    if chain != [("province", "440000"), ("city", "440100"), ("district", d)]:
        sys.exit(f"/reverse at {lon:.6f},{lat:.6f}: chain {chain}, expected district {d}")
    roads += a["road"] is not None
    pois += bool(a["pois"])
print(f"reverse.sh: {len(points)} points in {len({d for _, _, d in points})} Guangzhou districts; "
      f"every chain checked; {roads} answers with a road, {pois} with POIs")
PY

echo "reverse.sh: wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
run_wrk reverse "$WORK/reverse-paths.txt"
kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

echo
printf "%-9s %10s %9s %9s %9s %7s %7s %9s\n" query "queries/s" "p50 ms" "p95 ms" "p99 ms" errors non2xx requests
while read -r name qps p50 p95 p99 err n2 req; do
  printf "%-9s %10s %9s %9s %9s %7s %7s %9s\n" "$name" "$qps" "$p50" "$p95" "$p99" "$err" "$n2" "$req"
done <"$WORK/results.txt"
python3 - "$WORK/results.txt" <<'PY'
import sys
rows = {l.split()[0]: l.split() for l in open(sys.argv[1]) if l.strip()}
if "reverse" in rows:
    p95 = float(rows["reverse"][3])
    print(f"\nreverse p95 {p95:.2f} ms (target <= 10 ms: {'met' if p95 <= 10 else 'NOT met'})")
bad = [n for n, r in rows.items() if r[5] != "0" or r[6] != "0"]
if bad:
    print(f"warning: errors or non-2xx answers in: {', '.join(bad)}")
PY
