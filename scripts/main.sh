#!/usr/bin/env bash
# The main job: set up, build examples/fibonacci, run it on a private input, print the
# guest's output and the run summary (exit code, cycles, journal).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
export NUMBA_CACHE_DIR="$ROOT/.zkvm-cache/numba"
ZKVM="$ROOT/.venv/bin/zkvm"
OUT="$ROOT/out"
mkdir -p "$OUT"

echo "==> zkvm build examples/fibonacci -o out/fibonacci.elf"
"$ZKVM" build examples/fibonacci -o "$OUT/fibonacci.elf"

echo "==> zkvm run out/fibonacci.elf --input examples/fibonacci/input.bin  (private n = 1000)"
"$ZKVM" run "$OUT/fibonacci.elf" --input examples/fibonacci/input.bin --journal "$OUT/fibonacci.journal"
