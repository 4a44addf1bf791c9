#!/usr/bin/env bash
# Shared set-up for scripts/main.sh and scripts/test.sh (idempotent, safe to re-run).
#
#   scripts/setup.sh              .venv with zkvm installed (pip install -e '.[test]')
#   scripts/setup.sh --test-deps  also the Debian packages the tests use (as root):
#                                 qemu-user gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf csmith,
#                                 and the pinned Rust toolchain for Rust guests (rustc-web cargo-web
#                                 rust-web-src lld at the exact versions of zkvm.toolchain.rust),
#                                 node + npm and solc-js pinned in contracts/package.json (npm ci)
#
# Needs only python3 (>= 3.11). On Debian, python3-venv is installed with apt-get when
# the venv module is missing and we run as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
TEST_DEPS=0
[[ "${1:-}" == "--test-deps" ]] && TEST_DEPS=1

log() { printf '==> %s\n' "$*" >&2; }

APT_UPDATED=0
apt_install() {  # apt_install PKG...: install Debian packages (root only)
    if [[ "$(id -u)" != 0 ]]; then
        log "warning: not root, cannot install missing packages: $*"
        return 1
    fi
    if ! command -v apt-get >/dev/null; then
        log "warning: no apt-get, cannot install missing packages: $*"
        return 1
    fi
    if [[ $APT_UPDATED == 0 ]]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install -y $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    log "error: $PYTHON is older than 3.11 (set PYTHON=/path/to/python3.11)"
    exit 1
fi

# 1. The virtual environment.
if [[ ! -x .venv/bin/python ]]; then
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        apt_install python3-venv || { log "error: install python3-venv first"; exit 1; }
    fi
    log "creating .venv"
    "$PYTHON" -m venv .venv
fi

# 2. zkvm and its pinned dependencies, re-installed only when pyproject.toml changes.
STAMP=.venv/.zkvm-installed
WANT="$(.venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')"
if [[ ! -f $STAMP || "$(cat "$STAMP")" != "$WANT" ]]; then
    log "pip install -e '.[test]'"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
    echo "$WANT" > "$STAMP"
fi

# 3. Test-only system packages.
if [[ $TEST_DEPS == 1 ]]; then
    missing=()
    command -v qemu-riscv32 >/dev/null || missing+=(qemu-user)
    command -v riscv64-unknown-elf-gcc >/dev/null || missing+=(gcc-riscv64-unknown-elf)
    if ! dpkg -s picolibc-riscv64-unknown-elf >/dev/null 2>&1; then missing+=(picolibc-riscv64-unknown-elf); fi
    command -v csmith >/dev/null || missing+=(csmith)
    if (( ${#missing[@]} )); then
        apt_install "${missing[@]}" || log "warning: tests that need ${missing[*]} will be skipped"
    fi
    # node + npm and the pinned solc-js for the on-chain verifier contracts (contracts/package.json).
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm || log "warning: node/npm missing: the contract compilation test will be skipped"
    fi
    if command -v npm >/dev/null && [[ ! -f contracts/node_modules/solc/package.json ||
            "$(node -p 'require("./contracts/node_modules/solc/package.json").version' 2>/dev/null)" != \
            "$(node -p 'require("./contracts/package.json").dependencies.solc' 2>/dev/null)" ]]; then
        log "npm ci (contracts/: solc-js)"
        (cd contracts && npm ci --no-audit --no-fund --loglevel=error) ||
            log "warning: npm ci failed: the contract compilation test will be skipped"
    fi
    # The pinned Rust toolchain (exact Debian versions: zkvm.toolchain.rust.DEBIAN_PACKAGES).
    if ! .venv/bin/python -c 'from zkvm.toolchain.rust import check_rust; check_rust()' 2>/dev/null; then
        read -r -a rust_pkgs <<< "$(.venv/bin/python -m zkvm.toolchain.rust --apt-packages)"
        apt_install "${rust_pkgs[@]}" || log "warning: the Rust guest tests will be skipped (pinned Rust toolchain missing)"
    fi
fi

mkdir -p .zkvm-cache/numba
