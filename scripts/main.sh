#!/usr/bin/env bash
# The main job: set up, build examples/fibonacci, run it on a private input, prove the
# run, and verify the receipt against the program's image ID -- on the default STARK
# parameters (zero-knowledge on, >= 100 bits conjectured security).
# Extra arguments go to `zkvm prove` (e.g. --params testing for a quick try).
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

echo "==> zkvm prove out/fibonacci.elf --input examples/fibonacci/input.bin -o out/fibonacci.receipt"
"$ZKVM" prove "$OUT/fibonacci.elf" --input examples/fibonacci/input.bin -o "$OUT/fibonacci.receipt" "$@"

PARAMS=default
for ((i = 1; i <= $#; i++)); do
    if [[ "${!i}" == "--params" ]]; then j=$((i + 1)); PARAMS="${!j}"; fi
done
IMAGE_ID="$("$ZKVM" image-id "$OUT/fibonacci.elf" --params "$PARAMS" | awk '/^image id/ {print $3}')"
echo "==> zkvm verify out/fibonacci.receipt --image-id $IMAGE_ID"
"$ZKVM" verify "$OUT/fibonacci.receipt" --image-id "$IMAGE_ID"
