#!/usr/bin/env bash
# One call on a GPU machine with a Python PyTorch (CUDA), CMake and ninja — no Node, no network:
# builds the native core, its tests and gazecoder_step_bench against the Python package's LibTorch
# (torch.utils.cmake_prefix_path), runs the C++ parity tests, then the training-step matrix (fp32,
# AMP fp16/bf16, channels_last off/on, CUDA graphs off/on; regnet_y_16gf, batch 64) for ours and the
# Python reference side by side, and prints samples/s and the ratios. About 8 minutes on a GPU.
#
#   scripts/gpu-check.sh [--cpu] [--python PY] [--build-dir DIR] [--batch N] [--arch A] [--jobs N]
#
# --cpu (automatic without CUDA) runs a reduced matrix on the CPU (fp32 and bf16, channels_last off/on,
# a tiny RegNet at batch 4) so that the script itself can be tested on a machine without a GPU.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
BUILD=""
MODE=auto
BATCH=""
ARCH=""
JOBS="$(nproc)"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) MODE=cpu ;;
    --python) PY="$2"; shift ;;
    --build-dir) BUILD="$2"; shift ;;
    --batch) BATCH="$2"; shift ;;
    --arch) ARCH="$2"; shift ;;
    --jobs) JOBS="$2"; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

start_all=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - start_all ))"; }

step "Python PyTorch"
"$PY" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available())'
if [ "$MODE" = auto ]; then
  MODE=$("$PY" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
fi
if [ "$MODE" = cuda ]; then
  DEVICE=cuda; ARCH="${ARCH:-regnet_y_16gf}"; BATCH="${BATCH:-64}"; REPEATS=5; WARMUP=3
  "$PY" -c 'import torch; p = torch.cuda.get_device_properties(0); print("GPU", p.name, f"{p.total_memory / 2**30:.0f} GiB", f"sm_{p.major}{p.minor}")'
else
  DEVICE=cpu; ARCH="${ARCH:-regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25}"; BATCH="${BATCH:-4}"; REPEATS=2; WARMUP=1
  echo "no CUDA: reduced CPU matrix"
fi
grep -m1 'model name' /proc/cpuinfo || true

step "build (CMake, LibTorch from torch.utils.cmake_prefix_path)"
PREFIX=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')
# A wheel's torch/ is a whole LibTorch: point LIBTORCH at it so that no system LibTorch shadows it.
if [ -f "$PREFIX/Torch/TorchConfig.cmake" ]; then
  export LIBTORCH; LIBTORCH="$(cd "$PREFIX/../.." && pwd)"
  echo "LIBTORCH=$LIBTORCH"
else
  echo "no TorchConfig.cmake under $PREFIX: CMake's default search finds the system LibTorch"
fi
BUILD="${BUILD:-$ROOT/native/build-gpu-check}"
mkdir -p "$BUILD"
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
TESTS=ON
if ! cmake -S "$ROOT/native" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" \
     -DGAZECODER_TESTS=ON -DGAZECODER_BENCH=ON > "$BUILD/gpu-check-configure.log" 2>&1; then
  echo "configure with the tests failed (GoogleTest missing?); building without them:"; tail -5 "$BUILD/gpu-check-configure.log"
  TESTS=OFF
  cmake -S "$ROOT/native" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DGAZECODER_TESTS=OFF -DGAZECODER_BENCH=ON
fi
grep 'gazecoder: LibTorch' "$BUILD/gpu-check-configure.log" || true
targets=(gazecoder_step_bench)
[ "$TESTS" = ON ] && targets+=(gazecoder_core_tests)
cmake --build "$BUILD" --parallel "$JOBS" --target "${targets[@]}"

step "C++ parity tests against this PyTorch"
if [ "$TESTS" = ON ]; then
  # Fixtures from this Python (ctest's own entry would use /usr/bin/python3).
  "$PY" "$ROOT/test/python/make_core_fixtures.py" "$BUILD/fixtures"
  FILTER='Models.*:ModelEmbeddings.*:StateDict.*:CheckpointLoad.*:Optimizer.*:GradScaler.*:Precision.*:ColorJitter.*'
  [ "$MODE" = cpu ] && FILTER='StateDict.*:CheckpointLoad.*:Optimizer.*:GradScaler.*:ColorJitter.*'
  GAZECODER_FIXTURES="$BUILD/fixtures" OMP_WAIT_POLICY=PASSIVE "$BUILD/core/tests/gazecoder_core_tests" --gtest_filter="$FILTER" --gtest_brief=1
else
  echo "skipped: built without GoogleTest"
fi

step "training step, ours vs PyTorch: $ARCH, batch $BATCH windows, $DEVICE"
RESULTS="$BUILD/step-matrix.jsonl"
: > "$RESULTS"
if [ "$MODE" = cuda ]; then
  # bf16 needs Ampere or newer; on older GPUs the row says so instead of failing.
  AMPS=(off fp16 bf16); GRAPHS=(0 1)
else
  AMPS=(off bf16); GRAPHS=(0)
fi
for amp in "${AMPS[@]}"; do
  for cl in 0 1; do
    for graphs in "${GRAPHS[@]}"; do
      # CUDA graphs: one row per precision is enough to show they are not implemented.
      if [ "$graphs" = 1 ] && [ "$cl" = 1 ]; then continue; fi
      echo "-- amp $amp, channels_last $cl, CUDA graphs $graphs"
      if ! OMP_WAIT_POLICY=PASSIVE "$PY" "$ROOT/scripts/reference/step_bench.py" --bench-exe "$BUILD/bench/gazecoder_step_bench" \
          --arch "$ARCH" --batch "$BATCH" --device "$DEVICE" --amp "$amp" --channels-last "$cl" --cuda-graphs "$graphs" \
          --warmup "$WARMUP" --repeats "$REPEATS" >> "$RESULTS"; then
        echo "   failed (see above); going on"
      fi
    done
  done
done

step "results"
"$PY" "$ROOT/scripts/reference/step_bench.py" --table "$RESULTS"
echo
echo "ours ÷ PyTorch > 1: ours is faster. Parity: one step from the same weights and batch, dropout off."
echo "total $(( $(date +%s) - start_all )) s; raw results in $RESULTS"
