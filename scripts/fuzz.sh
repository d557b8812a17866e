#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the given time each (default 30s).
set -euo pipefail
t=${1:-30s}
cd "$(dirname "$0")/.."
found=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -l '^func Fuzz' "$dir"/*_test.go 2>/dev/null); do
    for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
      found=1
      echo "== $pkg $target ($t)"
      go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg"
    done
  done
done
[ $found = 1 ] || echo "no fuzz targets found"
