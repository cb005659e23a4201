#!/usr/bin/env bash
# Features benchmark: OGC API Features bbox queries returning 100 features, and nearest-k
# queries, on the release build, with wrk at 64 connections; optionally the same bbox queries
# answered by PostGIS in SQL (pgbench) as the reference.
# Targets (docs: DESIGN.md "Performance targets"): bbox query ≥ PostGIS queries/s, p95 ≤ 5 ms.
#
#   Scripts/bench/features.sh               full run (builds .build/release/onemap if missing)
#   POSTGIS=0 Scripts/bench/features.sh     without the PostGIS reference
#
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (64), ONEMAP_BIN (release binary),
# ONEMAP_SERVE_ARGS (extra `onemap serve` options), POSTGIS (1: also run the PostGIS reference).
# Queries:
#  (a) /collections/{buildings|roads}/items?bbox=…&limit=100 over bboxes centred on fixed
#      pseudo-random points (seed 42) in Huacheng Square (113.3110–113.3195 E, 23.1205–23.1240 N)
#      and Shamian (113.2345–113.2450 E, 23.1078–23.1122 N), each grown until it meets 100–115
#      features (so every answer holds exactly 100);
#  (b) /query/nearest?lon&lat&k=5&layers=poi,shelters at 200 fixed pseudo-random places there.
# PostGIS: a private cluster (initdb in the work directory, its own loopback port, run as the
# `postgres` user), the two layers loaded with ogr2ogr, pgbench -M prepared with the same bboxes
# and the same answer (a GeoJSON FeatureCollection of the 100 features, fid order).
# Loopback only; everything started here is stopped on exit; every step has a time limit.
# Needs: wrk, curl, python3; for the reference: postgresql, postgresql-15-postgis-3, gdal-bin
# (Scripts/setup.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. "$ROOT/Scripts/bench/lib.sh"

bench_start features.sh
POSTGIS=${POSTGIS:-1}
PG_STARTED=""
PG_CTL=""
bench_teardown() {
  if [ -n "$PG_STARTED" ]; then
    timeout 30 runuser -u postgres -- "$PG_CTL" -D "$WORK/pg/data" -m fast stop >/dev/null 2>&1 || true
  fi
}



# ----------------------------------------------------------------------------- OneMap
serve_sample || exit 1

# Bboxes meeting 100–115 features (found by asking the server for numberMatched while growing
# the box around each centre), nearest-k places; both from a fixed seed.
timeout 120 python3 - "$BASE" "$WORK" <<'PY'
import json, random, sys, urllib.request
base, work = sys.argv[1], sys.argv[2]
AREAS = [(113.3110, 23.1205, 113.3195, 23.1240), (113.2345, 23.1078, 113.2450, 23.1122)]
rng = random.Random(42)

def matched(layer, b):
    url = f"{base}/collections/{layer}/items?limit=1&bbox=" + ",".join(f"{v:.7f}" for v in b)
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)["numberMatched"]

bboxes = []
attempts = 0
while len(bboxes) < 40 and attempts < 400:
    attempts += 1
    w, s, e, n = rng.choice(AREAS)
    lon, lat = rng.uniform(w, e), rng.uniform(s, n)
    layer = rng.choice(["buildings", "roads"])
    lo, hi = 0.0002, 0.02
    if matched(layer, (lon - hi, lat - hi * 0.9, lon + hi, lat + hi * 0.9)) < 100:
        continue
    for _ in range(30):
        mid = (lo + hi) / 2
        m = matched(layer, (lon - mid, lat - mid * 0.9, lon + mid, lat + mid * 0.9))
        if 100 <= m <= 115:
            bboxes.append((layer, (lon - mid, lat - mid * 0.9, lon + mid, lat + mid * 0.9), m))
            break
        lo, hi = (mid, hi) if m < 100 else (lo, mid)
if len(bboxes) < 10:
    sys.exit(f"only {len(bboxes)} bboxes with 100–115 features found")
ids = {}
with open(f"{work}/bbox-paths.txt", "w") as f, open(f"{work}/bboxes.tsv", "w") as t:
    for layer, b, m in bboxes:
        ids[layer] = ids.get(layer, 0) + 1
        f.write(f"/collections/{layer}/items?bbox=" + ",".join(f"{v:.7f}" for v in b) + "&limit=100\n")
        t.write(f"{layer}\t{ids[layer]}\t" + "\t".join(f"{v:.7f}" for v in b) + "\n")
with open(f"{work}/nearest-paths.txt", "w") as f:
    for _ in range(200):
        w, s, e, n = rng.choice(AREAS)
        f.write(f"/query/nearest?lon={rng.uniform(w, e):.6f}&lat={rng.uniform(s, n):.6f}&k=5&layers=poi,shelters\n")
counts = sorted(m for _, _, m in bboxes)
by = {l: sum(1 for x in bboxes if x[0] == l) for l in ("buildings", "roads")}
print(f"features.sh: {len(bboxes)} bboxes ({by['buildings']} buildings, {by['roads']} roads), "
      f"numberMatched {counts[0]}–{counts[-1]}; 200 nearest-k places")
PY

# Verify once with curl: every bbox path answers 100 features, every nearest path 5.
first=$(head -n1 "$WORK/bbox-paths.txt")
echo "features.sh: curl $first"
curl -sS --max-time 10 "$BASE$first" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("  numberMatched=%d numberReturned=%d" % (d["numberMatched"], d["numberReturned"]))'
timeout 120 python3 - "$BASE" "$WORK" <<'PY'
import json, sys, urllib.request
base, work = sys.argv[1], sys.argv[2]
for name, want in (("bbox", 100), ("nearest", 5)):
    got = []
    for p in open(f"{work}/{name}-paths.txt").read().split():
        with urllib.request.urlopen(base + p, timeout=10) as r:
            got.append(json.load(r)["numberReturned"])
    if any(g != want for g in got):
        sys.exit(f"{name}: numberReturned {sorted(set(got))}, expected {want} for every path")
    print(f"  {name}: every path returns {want} features")
PY

echo "features.sh: wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
run_wrk bbox "$WORK/bbox-paths.txt"
run_wrk nearest "$WORK/nearest-paths.txt"
kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

# ----------------------------------------------------------------------------- PostGIS reference
postgis_reference() {
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] || { echo "no PostgreSQL server installed"; return 1; }
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || {
    echo "the PostGIS extension is not installed (postgresql-15-postgis-3)"; return 1; }
  command -v pgbench >/dev/null && command -v ogr2ogr >/dev/null && command -v psql >/dev/null || {
    echo "pgbench, psql or ogr2ogr missing"; return 1; }
  id postgres >/dev/null 2>&1 || { echo "no postgres user"; return 1; }
  PG_CTL=$pgbin/pg_ctl
  local pgport data=$WORK/pg/data
  pgport=$(free_port)
  mkdir -p "$WORK/pg"
  chown postgres "$WORK/pg"
  timeout 120 runuser -u postgres -- "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
    --locale=C >"$WORK/pg/initdb.log" 2>&1 || { tail -5 "$WORK/pg/initdb.log"; return 1; }
  timeout 60 runuser -u postgres -- "$pgbin/pg_ctl" -D "$data" -l "$WORK/pg/server.log" -w -t 30 \
    -o "-p $pgport -c listen_addresses=127.0.0.1 -k $WORK/pg -c max_connections=200 -c fsync=off" start \
    >/dev/null || { tail -5 "$WORK/pg/server.log"; return 1; }
  PG_STARTED=1
  local psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U postgres)
  timeout 30 "${psql[@]}" -d postgres -c "CREATE DATABASE bench" >/dev/null || return 1
  timeout 30 "${psql[@]}" -d bench -c "CREATE EXTENSION postgis" >/dev/null || return 1
  local layer
  for layer in buildings roads; do
    timeout 120 ogr2ogr -f PostgreSQL "PG:host=127.0.0.1 port=$pgport user=postgres dbname=bench" \
      "$ROOT/SampleData/$layer.geojson" -nln "$layer" -lco GEOMETRY_NAME=geom -lco FID=fid \
      -lco SPATIAL_INDEX=GIST -nlt GEOMETRY -a_srs EPSG:4326 >/dev/null 2>"$WORK/pg/ogr-$layer.log" || {
      tail -5 "$WORK/pg/ogr-$layer.log"; return 1; }
  done
  # The same bboxes, numbered per layer.
  timeout 30 "${psql[@]}" -d bench >/dev/null <<SQL || return 1
CREATE TABLE bboxes (layer text, id int, w float8, s float8, e float8, n float8, PRIMARY KEY (layer, id));
\copy bboxes FROM '$WORK/bboxes.tsv'
VACUUM ANALYZE;
SQL
  local nb nr check
  nb=$("${psql[@]}" -d bench -At -c "SELECT count(*) FROM bboxes WHERE layer = 'buildings'") || return 1
  nr=$("${psql[@]}" -d bench -At -c "SELECT count(*) FROM bboxes WHERE layer = 'roads'") || return 1
  for layer in buildings roads; do
    local n=$nb; [ $layer = roads ] && n=$nr
    [ "$n" -gt 0 ] || continue
    # The answer: a GeoJSON FeatureCollection of the first 100 features (fid order) meeting the bbox.
    cat >"$WORK/pg/$layer.sql" <<SQL
\\set i random(1, $n)
SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(ST_AsGeoJSON(q.*, 'geom', 7)::json))::text
FROM (SELECT t.* FROM $layer t, bboxes b
      WHERE b.layer = '$layer' AND b.id = :i
        AND t.geom && ST_MakeEnvelope(b.w, b.s, b.e, b.n, 4326)
        AND ST_Intersects(t.geom, ST_MakeEnvelope(b.w, b.s, b.e, b.n, 4326))
      ORDER BY t.fid LIMIT 100) q;
SQL
    check=$("${psql[@]}" -d bench -At -c "SELECT count(*) FROM (SELECT 1 FROM $layer t, bboxes b WHERE b.layer = '$layer' AND b.id = 1 AND ST_Intersects(t.geom, ST_MakeEnvelope(b.w, b.s, b.e, b.n, 4326)) LIMIT 100) q")
    echo "  PostGIS $layer bbox 1: $check features"
  done
  local scripts=()
  [ "$nb" -gt 0 ] && scripts+=(-f "$WORK/pg/buildings.sql@$nb")
  [ "$nr" -gt 0 ] && scripts+=(-f "$WORK/pg/roads.sql@$nr")
  chown -R postgres "$WORK/pg"
  (cd "$WORK/pg" && timeout 30 runuser -u postgres -- pgbench -n -M prepared -h 127.0.0.1 -p "$pgport" \
    -U postgres -c "$CONNECTIONS" -j "$THREADS" -T 2 "${scripts[@]}" bench >/dev/null 2>&1) || true  # warm-up
  local out
  out=$(cd "$WORK/pg" && timeout $((SECS + 60)) runuser -u postgres -- pgbench -n -M prepared -h 127.0.0.1 \
    -p "$pgport" -U postgres -c "$CONNECTIONS" -j "$THREADS" -T "$SECS" -l --log-prefix="$WORK/pg/pgb" \
    "${scripts[@]}" bench 2>&1) || { echo "$out" | tail -5; return 1; }
  echo "$out" >"$WORK/pg/pgbench.txt"
  python3 - "$WORK/pg" >>"$WORK/results.txt" <<'PY' || return 1
import glob, re, sys
d = sys.argv[1]
text = open(f"{d}/pgbench.txt").read()
tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", text).group(1))
lat = []
for p in glob.glob(f"{d}/pgb.*"):
    for line in open(p):
        f = line.split()
        if len(f) >= 3:
            lat.append(int(f[2]))
lat.sort()
pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000
failed = re.search(r"number of failed transactions: (\d+)", text)
print(f"postgis {tps:.0f} {pct(0.50):.3f} {pct(0.95):.3f} {pct(0.99):.3f} {failed.group(1) if failed else 0} 0 {len(lat)}")
PY
}

if [ "$POSTGIS" = 1 ]; then
  echo "features.sh: PostGIS reference (private cluster, pgbench -M prepared)…"
  # Not in a subshell: PG_STARTED must reach the cleanup trap.
  if postgis_reference >"$WORK/postgis.out" 2>&1; then
    cat "$WORK/postgis.out"
  else
    echo "features.sh: PostGIS reference skipped: $(tail -n1 "$WORK/postgis.out")" >&2
  fi
fi

# ----------------------------------------------------------------------------- report
echo
printf "%-9s %10s %9s %9s %9s %7s %7s %9s\n" query "queries/s" "p50 ms" "p95 ms" "p99 ms" errors non2xx requests
while read -r name qps p50 p95 p99 err n2 req; do
  printf "%-9s %10s %9s %9s %9s %7s %7s %9s\n" "$name" "$qps" "$p50" "$p95" "$p99" "$err" "$n2" "$req"
done <"$WORK/results.txt"
python3 - "$WORK/results.txt" <<'PY'
import sys
rows = {l.split()[0]: l.split() for l in open(sys.argv[1]) if l.strip()}
if "bbox" in rows:
    p95 = float(rows["bbox"][3])
    print(f"\nbbox p95 {p95:.2f} ms (target <= 5 ms: {'met' if p95 <= 5 else 'NOT met'})")
if "bbox" in rows and "postgis" in rows:
    ratio = float(rows["bbox"][1]) / float(rows["postgis"][1])
    print(f"ratio OneMap bbox / PostGIS: {ratio:.2f}  (target >= 1.00: {'met' if ratio >= 1 else 'NOT met'})")
bad = [n for n, r in rows.items() if r[5] != "0" or r[6] != "0"]
if bad:
    print(f"warning: errors or non-2xx answers in: {', '.join(bad)}")
PY
