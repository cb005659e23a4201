#!/usr/bin/env bash
# Installs everything OneMap needs on Debian 12: system libraries, test and
# benchmark tools, the Python references used by the tests, and the offline
# MapLibre GL JS copy for the viewer. Idempotent: does nothing when all is there.
#   Scripts/setup.sh            runtime only (server)
#   Scripts/setup.sh --test     plus test references (GDAL, pyproj, Shapely, chromium…)
#   Scripts/setup.sh --bench    plus benchmark tools (nginx, wrk, PostGIS)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0; want_bench=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    --bench) want_bench=1; want_test=1 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done

apt_pkgs=(libgeos-dev libproj-dev proj-data libsqlite3-dev libsqlite3-mod-spatialite zlib1g-dev pkg-config)
[ $want_test = 1 ] && apt_pkgs+=(gdal-bin chromium fonts-noto-cjk sqlite3)
[ $want_bench = 1 ] && apt_pkgs+=(nginx wrk curl postgresql postgis postgresql-15-postgis-3)

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

py_pkgs=(maplibre)
[ $want_test = 1 ] && py_pkgs+=(pytest requests pyproj shapely mapbox-vector-tile playwright owslib coord-convert pypinyin)
need_py=()
for p in "${py_pkgs[@]}"; do
  python3 -m pip show -q "$p" >/dev/null 2>&1 || need_py+=("$p")
done
if [ ${#need_py[@]} -gt 0 ]; then
  echo "setup: pip installing ${need_py[*]}"
  python3 -m pip install -q --disable-pip-version-check "${need_py[@]}"
fi

# Offline MapLibre GL JS for the viewer, copied from the PyPI package (BSD-3).
vendor=Public/vendor/maplibre
if [ ! -f "$vendor/maplibre-gl.js" ]; then
  src=$(python3 -c 'import maplibre, os; print(os.path.join(os.path.dirname(maplibre.__file__), "srcjs"))')
  mkdir -p "$vendor"
  cp "$src/maplibre-gl.js" "$src/maplibre-gl.css" "$vendor/"
  [ -f "$src/LICENSE.txt" ] && cp "$src/LICENSE.txt" "$vendor/" || true
fi
