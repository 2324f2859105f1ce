#!/usr/bin/env bash
# One idempotent set-up for `npm start`, `npm test` and `npm run bench` on Debian 12 as root:
# Debian packages, npm packages, the build, and a bpf filesystem. Fast when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "warning: not root; package installs, BPF loading and network tests need root"
fi

# Debian packages: the BPF toolchain, libbpf, and the tools tests and benchmarks drive.
PACKAGES=(clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config bpftool iproute2 xdp-tools
          netsniff-ng nftables iptables tcpdump iputils-ping ethtool make g++ python3)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -q >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# npm packages: `npm ci` when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-fund --no-audit >&2
fi

bash scripts/build.sh

# bpffs: pins live there; mount it when /sys/fs/bpf is not one.
if [ "$(id -u)" -eq 0 ] && [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != "bpf_fs" ]; then
  log "mounting bpffs on /sys/fs/bpf"
  mkdir -p /sys/fs/bpf
  mount -t bpf bpf /sys/fs/bpf
fi
