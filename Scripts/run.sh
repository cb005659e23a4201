#!/usr/bin/env bash
# Set up (when needed), build and run the OneMap server on the sample database.
#   Scripts/run.sh [serve options, e.g. --port 9000 --host 0.0.0.0]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --product onemap 2>&1 | grep -vE "^warning: 'swift-distributed-tracing'|CMakeLists.txt$" || true
[ -x .build/release/onemap ] || { echo "build failed" >&2; exit 1; }
exec .build/release/onemap serve "$@"
