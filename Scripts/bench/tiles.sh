#!/usr/bin/env bash
# Cached-tile benchmark: OneMap (release build) against nginx serving the same tile bytes
# as static files. Target (docs: DESIGN.md "Performance targets"): OneMap ≥ 0.8× nginx req/s.
#
#   Scripts/bench/tiles.sh                 full run (builds .build/release/onemap if missing)
#   Scripts/bench/tiles.sh --nginx-only DIR  only nginx + wrk over DIR/z/x/y.mvt (self-test)
#
# Environment: DURATION (15s), THREADS (2), CONNECTIONS (64), ONEMAP_BIN (release binary),
# ONEMAP_SERVE_ARGS (extra `onemap serve` options, e.g. "--log-level warning").
# Tiles: every tile z10–z16 covering Huacheng Square (113.3110–113.3195 E, 23.1205–23.1240 N)
# and Shamian (113.2345–113.2450 E, 23.1078–23.1122 N), layers admin,landuse,water,roads,
# buildings,poi, in (z, x, y) order. Both servers get the same paths and the same headers
# (Accept-Encoding: identity). Loopback only; everything started here is stopped on exit.
# Needs: nginx, wrk, curl, python3 (Scripts/setup.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. "$ROOT/Scripts/bench/lib.sh"

DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
LAYERS="admin,landuse,water,roads,buildings,poi"
BIN=${ONEMAP_BIN:-$ROOT/.build/release/onemap}

nginx_only=""
if [ "${1:-}" = "--nginx-only" ]; then
  nginx_only=$(cd "${2:?--nginx-only needs a directory of z/x/y.mvt files}" && pwd)
fi

for tool in nginx wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "tiles.sh: $tool not found (Scripts/setup.sh --bench)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/onemap-bench.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=""
NGINX_PID=""
cleanup() {
  local rc=$?
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill -TERM "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

write_cycle_lua "$WORK/cycle.lua"


run_wrk() {  # NAME BASEURL -> appends a summary line to results.txt
  local name=$1 base=$2 out load
  sleep 1
  load=$(cpu_busy)
  if [ "$load" -gt 20 ]; then
    echo "tiles.sh: warning: CPU ${load}% busy before the $name run — other work on this machine skews the figures" >&2
  fi
  WRK_PATHS="$WORK/paths.txt" timeout 30 wrk -t"$THREADS" -c"$CONNECTIONS" -d2s --timeout 5s \
    -s "$WORK/cycle.lua" "$base" >/dev/null  # warm-up, discarded
  out=$(WRK_PATHS="$WORK/paths.txt" timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
    --timeout 5s -s "$WORK/cycle.lua" "$base")
  echo "$out" >"$WORK/wrk-$name.txt"
  python3 - "$name" "$WORK/wrk-$name.txt" >>"$WORK/results.txt" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
m = re.search(r"RESULT (.*)", open(path).read())
if not m:
    sys.exit(f"no RESULT line from wrk for {name}")
d = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
rps = d["requests"] / (d["duration_us"] / 1e6)
print(f"{name} {rps:.0f} {d['p50_us']/1000:.3f} {d['p99_us']/1000:.3f} {d['errors']} {d['non2xx']} {d['requests']}")
PY
}

start_nginx() {  # DIR (holding z/x/y.mvt)
  local dir=$1
  NGINX_PORT=$(free_port)
  mkdir -p "$WORK/nginx"
  chmod -R a+rX "$dir"
  cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
daemon off;
user $(id -un) $(id -gn);
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  open_file_cache max=10000 inactive=60s;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  types { application/vnd.mapbox-vector-tile mvt; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /tiles/$LAYERS/ { alias $dir/; }
  }
}
EOF
  nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" &
  NGINX_PID=$!
  local first
  first=$(head -n1 "$WORK/paths.txt")
  wait_http "http://127.0.0.1:$NGINX_PORT$first" 20 || {
    echo "nginx did not start:" >&2; cat "$WORK/nginx/error.log" >&2; exit 1; }
}

report() {
  echo
  printf "%-8s %12s %10s %10s %8s %8s %10s\n" server "tiles/s" "p50 ms" "p99 ms" errors non2xx requests
  while read -r name rps p50 p99 err n2 req; do
    printf "%-8s %12s %10s %10s %8s %8s %10s\n" "$name" "$rps" "$p50" "$p99" "$err" "$n2" "$req"
  done <"$WORK/results.txt"
  python3 - "$WORK/results.txt" <<'PY'
import sys
rows = {l.split()[0]: l.split() for l in open(sys.argv[1]) if l.strip()}
if "onemap" in rows and "nginx" in rows:
    ratio = float(rows["onemap"][1]) / float(rows["nginx"][1])
    print(f"\nratio OneMap/nginx: {ratio:.2f}  (target >= 0.80: {'met' if ratio >= 0.8 else 'NOT met'})")
bad = [n for n, r in rows.items() if r[4] != "0" or r[5] != "0"]
if bad:
    print(f"warning: errors or non-2xx answers in: {', '.join(bad)}")
PY
}

# ----------------------------------------------------------------------------- nginx-only self-test
if [ -n "$nginx_only" ]; then
  (cd "$nginx_only" && find . -name '*.mvt' | sed 's|^\./||' | sort -t/ -k1,1n -k2,2n -k3,3n) \
    | sed "s|^|/tiles/$LAYERS/|" >"$WORK/paths.txt"
  [ -s "$WORK/paths.txt" ] || { echo "no .mvt files under $nginx_only" >&2; exit 1; }
  echo "nginx-only: $(wc -l <"$WORK/paths.txt") paths from $nginx_only"
  start_nginx "$nginx_only"
  run_wrk nginx "http://127.0.0.1:$NGINX_PORT"
  report
  exit 0
fi

# ----------------------------------------------------------------------------- full run
if [ ! -x "$BIN" ]; then
  echo "tiles.sh: building release binary (swift build -c release)…"
  swift build -c release >/dev/null
fi

echo "tiles.sh: building the sample database…"
timeout 600 "$BIN" build-sample --db "$WORK/sample.sqlite" >"$WORK/build-sample.log" 2>&1 || {
  cat "$WORK/build-sample.log" >&2; exit 1; }

python3 - "$LAYERS" >"$WORK/paths.txt" <<'PY'
import math, sys
layers = sys.argv[1]
areas = [(113.3110, 23.1205, 113.3195, 23.1240),   # Huacheng Square
         (113.2345, 23.1078, 113.2450, 23.1122)]   # Shamian
def tile(lon, lat, z):
    n = 2 ** z
    return (int((lon + 180) / 360 * n),
            int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))
tiles = set()
for z in range(10, 17):
    for w, s, e, n in areas:
        x0, y0 = tile(w, n, z)
        x1, y1 = tile(e, s, z)
        tiles |= {(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
for z, x, y in sorted(tiles):
    print(f"/tiles/{layers}/{z}/{x}/{y}.mvt")
PY
echo "tiles.sh: $(wc -l <"$WORK/paths.txt") tiles z10–z16"

PORT=$(free_port)
# shellcheck disable=SC2086
"$BIN" serve --db "$WORK/sample.sqlite" --host 127.0.0.1 --port "$PORT" ${ONEMAP_SERVE_ARGS:-} \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_http "http://127.0.0.1:$PORT/health" 60 || { echo "onemap serve did not start:" >&2; tail -50 "$WORK/server.log" >&2; exit 1; }

# Warm the cache and keep the exact bytes for nginx.
mkdir -p "$WORK/tiles"
while read -r path; do
  rel=${path#/tiles/$LAYERS/}
  rel=${rel%.mvt}
  mkdir -p "$WORK/tiles/$(dirname "$rel")"
  code=$(curl -sS --max-time 30 -H 'Accept-Encoding: identity' -o "$WORK/tiles/$rel.mvt" \
    -w '%{http_code}' "http://127.0.0.1:$PORT$path" || true)
  [ "$code" = 200 ] || { echo "warm-up: $path answered ${code:-nothing}" >&2; tail -20 "$WORK/server.log" >&2; exit 1; }
done <"$WORK/paths.txt"
echo "tiles.sh: cache warmed, $(du -sk "$WORK/tiles" | cut -f1) KB of tiles"

start_nginx "$WORK/tiles"
# Same bytes from both servers?
while read -r path; do
  cmp -s <(curl -sS --max-time 10 -H 'Accept-Encoding: identity' "http://127.0.0.1:$PORT$path") \
         <(curl -sS --max-time 10 -H 'Accept-Encoding: identity' "http://127.0.0.1:$NGINX_PORT$path") \
    || { echo "bytes differ between OneMap and nginx for $path" >&2; exit 1; }
done < <(awk 'NR % 10 == 1' "$WORK/paths.txt")

echo "tiles.sh: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, identity encoding, same paths"
run_wrk nginx "http://127.0.0.1:$NGINX_PORT"
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  rc=0; wait "$SERVER_PID" || rc=$?; SERVER_PID=""
  echo "onemap serve is gone before its run (exit status $rc; 0 = SIGTERM from outside):" >&2
  tail -20 "$WORK/server.log" >&2; exit 1
fi
run_wrk onemap "http://127.0.0.1:$PORT"
kill -0 "$SERVER_PID" 2>/dev/null || { echo "onemap serve died during its run:" >&2; tail -20 "$WORK/server.log" >&2; }
report
