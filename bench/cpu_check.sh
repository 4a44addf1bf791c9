#!/usr/bin/env bash
# Issue 17's "done means" on another CPU, in one run: the figures docs/benchmarks.md asks
# for, measured on 2 pinned cores of whatever machine this runs on (meant for a lent
# machine with an Intel host, where nothing was measured yet: `run` with this script).
#
#   [PY=python3] [OUT=dir] [CORES=0,1] bash bench/cpu_check.sh
#
# Needs Python >= 3.11 with numpy, numba, pytest and hypothesis (a device machine's image
# has them); wheels in .whl/ are installed into /tmp/site first.  For a device machine
# (Python 3.12, no pyelftools, typer/rich of other versions), here, once:
#   echo /.whl/ >> .git/info/exclude; for p in pyelftools==0.33 typer==0.29.2 rich==15.0.0; do
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux2014_x86_64 -d .whl $p; done
# then `run` "OUT=$OUT bash bench/cpu_check.sh" with carry [".whl", "out"] (3-4 min here
# on a cold numba cache; numba, llvmlite and numpy wheels would not fit the 64 MiB trip).  The guest is the main job's prebuilt
# out/fibonacci.elf (build it here first: `zkvm build examples/fibonacci -o
# out/fibonacci.elf`; it is reproducible, and zig does not fit the trip), so the main
# job's figure is run + prove + image-id + verify; add the build time measured here.
# Likewise the real C program of step 7: `zkvm build tests/guests/programs/csvstats -o
# out/csvstats.elf`.
# Writes the log and a summary under $OUT.  Steps: environment; a 2^12 proof on a cold
# numba cache (compiles the kernels); the SHA-256 kernel the calibration picks, with its
# timings; the SHA kernel tests (assembly: vzeroupper before the first sha256rnds2);
# the main job's steps three times, warm; bench_prove at 2^20, two proofs in a process,
# for the fibonacci guest and for the load/store walker; csvstats' continuation segments.
set -uo pipefail

PY=${PY:-python3}
OUT=${OUT:-/tmp/zkvm-cpu-check}
CORES=${CORES:-0,1}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p "$OUT"
LOG="$OUT/cpu_check.log"
: >"$LOG"

if compgen -G ".whl/*.whl" >/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl >>"$LOG" 2>&1 || echo "wheel install failed" | tee -a "$LOG"
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$ROOT/src:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export NUMBA_CACHE_DIR=${NUMBA_CACHE_DIR:-/tmp/zkvm-cpu-check-numba}
export PYTHONUNBUFFERED=1
PIN=(taskset -c "$CORES")
ZKVM=("${PIN[@]}" "$PY" -m zkvm.cli)

say() { echo "$*" | tee -a "$LOG"; }
timed() {  # label, command...: wall seconds to the log and to $OUT/times.txt
    local label=$1; shift
    local t0 t1 rc
    t0=$(date +%s.%N)
    "$@" >>"$LOG" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    printf '%-28s %6.2f s  rc %d\n' "$label" "$(awk "BEGIN {print $t1 - $t0}")" "$rc" | tee -a "$LOG" "$OUT/times.txt"
}

say "== environment ($(date -u +%FT%TZ))"
{ lscpu | grep -E "Model name|^CPU\(s\)|Thread\(s\) per core|L2 cache|L3 cache"
  grep -o -w -E "sha_ni|avx2|avx512f|avx512vl" /proc/cpuinfo | sort | uniq -c
  echo "pinned to cores $CORES; load: $(cat /proc/loadavg)"
  "$PY" -c "import sys, numpy, numba; print('python', sys.version.split()[0], 'numpy', numpy.__version__, 'numba', numba.__version__)"
} 2>&1 | tee -a "$LOG"

say "== 1. cold numba cache: a 2^12 proof compiles the prover's kernels"
timed "compile + 2^12 proof" "${PIN[@]}" "$PY" bench/bench_prove.py --only 12

say "== 2. SHA-256 kernel choice"
"${PIN[@]}" "$PY" -c "
import importlib
print(importlib.import_module('zkvm.hash.sha256').kernel_info())" 2>&1 | tee -a "$LOG"

say "== 3. SHA kernel tests (same roots with every kernel; vzeroupper before sha256rnds2)"
timed "tests/hash kernel choice" "${PIN[@]}" "$PY" -m pytest -q -p no:cacheprovider \
    tests/hash/test_sha256_kernel_choice.py
tail -3 "$LOG" | grep -E "passed|failed|error" || true

say "== 4. the main job's steps (out/fibonacci.elf, default params), warm, 3 times"
if [[ -f out/fibonacci.elf ]]; then
    "${ZKVM[@]}" prove out/fibonacci.elf --input examples/fibonacci/input.bin \
        -o "$OUT/fib.receipt" >>"$LOG" 2>&1  # warm-up (kernels of the C guest's tables)
    for i in 1 2 3; do
        t0=$(date +%s.%N)
        timed "run #$i" "${ZKVM[@]}" run out/fibonacci.elf --input examples/fibonacci/input.bin
        timed "prove #$i" "${ZKVM[@]}" prove out/fibonacci.elf --input examples/fibonacci/input.bin \
            -o "$OUT/fib.receipt"
        timed "image-id #$i" "${ZKVM[@]}" image-id out/fibonacci.elf --params default
        ID=$(awk '/^image id/ {id = $3} END {print id}' "$LOG")
        timed "verify #$i" "${ZKVM[@]}" verify "$OUT/fib.receipt" --image-id "$ID"
        t1=$(date +%s.%N)
        printf '%-28s %6.2f s\n' "main job without build #$i" "$(awk "BEGIN {print $t1 - $t0}")" | tee -a "$LOG" "$OUT/times.txt"
    done
    ls -l "$OUT/fib.receipt" | tee -a "$LOG"
else
    say "out/fibonacci.elf missing: skipped (build it here and carry out/)"
fi

say "== 5. bench_prove at 2^20 cycles, 2 proofs in one process (>= 100 kHz, <= 300 KiB, <= 3 GiB)"
"${PIN[@]}" "$PY" bench/bench_prove.py --only 20 --repeat 2 2>&1 | tee -a "$LOG" "$OUT/bench_prove.txt"

say "== 6. the same with loads and stores (--program walker)"
"${PIN[@]}" "$PY" bench/bench_prove.py --only 20 --repeat 2 --program walker 2>&1 | tee -a "$LOG" "$OUT/bench_prove_walker.txt"

say "== 7. a real C program in continuations: csvstats on 130 rows, 2^20-step segments, one process each (<= 3 GiB)"
if [[ -f out/csvstats.elf ]]; then
    "${PIN[@]}" "$PY" bench/bench_segment_cost.py --rows 130 --rss --elf out/csvstats.elf 2>&1 \
        | tee -a "$LOG" "$OUT/bench_segment_cost.txt"
else
    say "out/csvstats.elf missing: skipped (build it here and carry out/)"
fi

say "== done ($(date -u +%FT%TZ))"
