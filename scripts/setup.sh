#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs before gazecoder builds and tests; idempotent, and a
# second run takes seconds: apt only for missing packages, npm ci only when the lockfile changed,
# and turbo/cmake rebuild only what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build libgtest-dev   # toolchain and the core's C++ tests
  libtorch-dev libopenblas0-openmp                 # LibTorch 1.13 and a fast BLAS for it
  libgloo-dev                                      # gloo headers for c10d data-parallel training (--nproc)
  python3-torch python3-torchvision python3-numpy  # the PyTorch reference used by the tests
  libopencv-dev opencv-data python3-opencv ffmpeg  # video and face preprocessing
  python3-pil                                      # PIL's resize: the reference for face crops
  python3-sklearn python3-scipy python3-pandas     # reference values for the evaluation metrics
  chromium                                         # renders the HTML report in its test (headless)
)

log() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  # Another apt may hold the dpkg lock (unattended upgrades, a parallel job): wait instead of failing.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 install -y -q --no-install-recommends "${missing[@]}"
fi

# Real faces for the preprocessing tests, extracted from Debian packages (cached, idempotent).
bash scripts/fetch-test-media.sh

# opencv4nodejs must build against Debian's OpenCV: its own auto-build would clone OpenCV from the net.
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.gazecoder-lock-sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  log "npm ci"
  JOBS=$(nproc) npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi

log "building (turbo)"
npx turbo run build --output-logs=errors-only
log "ready"
