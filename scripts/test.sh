#!/usr/bin/env bash
# Run the test suite: set up (including the Debian test packages when root), then pytest.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/cli -x
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh" --test-deps
export NUMBA_CACHE_DIR="$ROOT/.zkvm-cache/numba"
# 2 pytest workers share the cores: numba threads sleep instead of spinning (zkvm.threads)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

args=(-q --durations=25)
if .venv/bin/python -c 'import xdist' 2>/dev/null && (( $(nproc) >= 2 )); then
    args+=(-n 2)
fi

set +e
.venv/bin/python -m pytest "${args[@]}" "$@"
rc=$?
set -e
if (( rc == 5 )); then
    echo "error: pytest collected no tests (exit code 5); treating that as a failure" >&2
    exit 1
fi
exit "$rc"
