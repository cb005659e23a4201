#!/usr/bin/env bash
# Set up (when needed), build, and run every test: Swift unit tests (swift test),
# then the integration suite (pytest) against the real server over HTTP, read back
# by GDAL, pyproj, Shapely and a headless browser.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh --test

echo "== build"
swift build --build-tests 2>&1 | grep -vE "^warning: 'swift-distributed-tracing'|CMakeLists.txt$" | tail -5
echo "== swift test"
swift test --skip-build 2>&1 | tail -25
status=${PIPESTATUS[0]}
[ "$status" = 0 ] || { echo "swift test failed" >&2; exit "$status"; }

echo "== integration tests"
export ONEMAP_BIN="$PWD/.build/debug/onemap"
python3 -m pytest Tests/integration -q -p no:cacheprovider "$@"
