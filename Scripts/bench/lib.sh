# Shared by the benchmark scripts (sourced, not run). Loopback only.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {  # URL, seconds
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# wrk Lua into FILE: cycle through the paths in $WRK_PATHS, each thread from its own offset;
# one RESULT line with requests, duration, errors, non-2xx and latency percentiles (µs).
write_cycle_lua() {  # FILE
  cat >"$1" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
local i = 0
function init(args)
  i = (tid * 7919) % #paths
end
function request()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "identity" })
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d errors=%d non2xx=%d p50_us=%d p95_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
LUA
}

cpu_busy() {  # percent of CPU time not idle over one second
  local a b
  a=($(head -n1 /proc/stat)); sleep 1; b=($(head -n1 /proc/stat))
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 - 100 * idle / total : 0 ))
}

# wrk over the request paths in PATHS-FILE against $BASE: a 2 s warm-up (discarded), then
# $DURATION at $THREADS/$CONNECTIONS. Appends "name qps p50 p95 p99 errors non2xx requests"
# (plus the number of paths with `count`) to $WORK/results.txt. $BENCH names the script.
run_wrk() {  # NAME PATHS-FILE [count]
  local name=$1 paths=$2 out load npaths=""
  [ "${3:-}" = count ] && npaths=$(wc -l <"$paths")
  load=$(cpu_busy)
  if [ "$load" -gt 20 ]; then
    echo "$BENCH: warning: CPU ${load}% busy before the $name run — other work on this machine skews the figures" >&2
  fi
  WRK_PATHS="$paths" timeout 30 wrk -t"$THREADS" -c"$CONNECTIONS" -d2s --timeout 5s \
    -s "$WORK/cycle.lua" "$BASE" >/dev/null  # warm-up, discarded
  out=$(WRK_PATHS="$paths" timeout $((${DURATION%s} + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
    --timeout 5s -s "$WORK/cycle.lua" "$BASE")
  echo "$out" >"$WORK/wrk-$name.txt"
  python3 - "$name" "$WORK/wrk-$name.txt" $npaths >>"$WORK/results.txt" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
m = re.search(r"RESULT (.*)", open(path).read())
if not m:
    sys.exit(f"no RESULT line from wrk for {name}")
d = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
qps = d["requests"] / (d["duration_us"] / 1e6)
print(f"{name} {qps:.0f} {d['p50_us']/1000:.3f} {d['p95_us']/1000:.3f} {d['p99_us']/1000:.3f} "
      f"{d['errors']} {d['non2xx']} {d['requests']}" + (f" {sys.argv[3]}" if len(sys.argv) > 3 else ""))
PY
}

# The release binary $BIN (built if missing) serving a fresh sample database from $WORK on
# a free loopback port: sets BASE and SERVER_PID (the caller's cleanup stops it).
serve_sample() {
  if [ ! -x "$BIN" ]; then
    echo "$BENCH: building release binary (swift build -c release)…"
    timeout 3000 swift build -c release >/dev/null
  fi
  echo "$BENCH: building the sample database…"
  timeout 600 "$BIN" build-sample --db "$WORK/sample.sqlite" >"$WORK/build-sample.log" 2>&1 || {
    cat "$WORK/build-sample.log" >&2; return 1; }
  local port
  port=$(free_port)
  BASE="http://127.0.0.1:$port"
  # shellcheck disable=SC2086
  "$BIN" serve --db "$WORK/sample.sqlite" --host 127.0.0.1 --port "$port" ${ONEMAP_SERVE_ARGS:-} \
    >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_http "$BASE/health" 60 || { echo "onemap serve did not start:" >&2; tail -50 "$WORK/server.log" >&2; return 1; }
}

# The common start of a benchmark script (after sourcing this file, with ROOT set):
# defaults for DURATION/THREADS/CONNECTIONS/BIN, the tools checked, a scratch $WORK with
# the wrk Lua script, removed on exit with the server ($SERVER_PID) stopped. A script
# with more to stop (PostgreSQL, nginx) defines bench_teardown.
bench_start() {  # SCRIPT-NAME
  BENCH=$1
  DURATION=${DURATION:-10s}
  THREADS=${THREADS:-2}
  CONNECTIONS=${CONNECTIONS:-64}
  BIN=${ONEMAP_BIN:-$ROOT/.build/release/onemap}
  SECS=${DURATION%s}
  local tool
  for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "$BENCH: $tool not found (Scripts/setup.sh --bench)" >&2; exit 2; }
  done
  WORK=$(mktemp -d "/tmp/onemap-${BENCH%.sh}.XXXXXX")
  chmod 755 "$WORK"
  SERVER_PID=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  write_cycle_lua "$WORK/cycle.lua"
}

bench_cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; fi
  if declare -F bench_teardown >/dev/null; then bench_teardown; fi
  rm -rf "$WORK"
  exit $rc
}
