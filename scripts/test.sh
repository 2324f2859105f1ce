#!/usr/bin/env bash
# npm test: set up (packages, build, bpffs), then every test: unit, BPF, netns.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mapfile -t files < <(find dist/test dist/netns-tests -name '*.test.js' 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
