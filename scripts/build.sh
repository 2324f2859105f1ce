#!/usr/bin/env bash
# npm run build: the BPF object, the native addon, then TypeScript. Each step skips when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

make -s -C xdp
addon=native/build/Release/libbpf_ts.node
if [ ! -f "$addon" ] || [ -n "$(find native/src native/binding.gyp -newer "$addon" 2>/dev/null | head -1)" ]; then
  npx --no-install node-gyp rebuild --directory native --nodedir=/usr >&2
fi
npx --no-install tsc -p tsconfig.json
