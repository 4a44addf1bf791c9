"""The EVM guest program: its sources (installed with the package), its reproducible
build (cached by input digest), its image ID and a runner.

    from zkvm.evm import guest
    elf = guest.elf_path()                 # builds once, then reuses the cached ELF
    result = guest.run(input_bytes)        # zkvm executor
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .encoding import EXIT_OK, Journal

GUEST_DIR = Path(__file__).resolve().parent / "guest"
"""The C sources (``*.c``, ``*.h``); built with the pinned toolchain at ``OPT_LEVEL``."""

OPT_LEVEL = "2"
DEFAULT_MAX_CYCLES = 1 << 31


def cache_dir() -> Path:
    """Where built guest ELFs are kept: ``$ZKVM_EVM_CACHE``, else
    ``$XDG_CACHE_HOME/zkvm/evm`` (default ``~/.cache/zkvm/evm``)."""
    override = os.environ.get("ZKVM_EVM_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zkvm" / "evm"


def source_digest() -> str:
    from ..toolchain import source_digest as _digest

    return _digest(GUEST_DIR, OPT_LEVEL)


@lru_cache(maxsize=None)
def _elf_path_for(digest: str) -> Path:
    from ..toolchain import cached_build

    d = cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    return cached_build(GUEST_DIR, d, name="evm", opt_level=OPT_LEVEL)


def elf_path() -> Path:
    """The guest ELF, built with the pinned toolchain on first use (a few seconds; the
    first zig build of all also compiles musl) and cached by the sources' digest."""
    return _elf_path_for(source_digest())


def elf_bytes() -> bytes:
    return elf_path().read_bytes()


@lru_cache(maxsize=None)
def _program(digest: str):
    from ..riscv import load_elf

    return load_elf(_elf_path_for(digest).read_bytes())


def program():
    """The loaded guest (``zkvm.riscv.Program``), parsed once per process."""
    return _program(source_digest())


def image_id(params: str = "default") -> bytes:
    """The guest's image ID for a STARK parameter preset."""
    from .. import api

    return api.image_id(elf_path(), params)


@dataclass
class GuestRun:
    """One execution of the guest: its exit code, cycles, journal (decoded when the exit
    code is 0) and stderr (the guest's error message otherwise)."""

    exit_code: int
    cycles: int
    journal: Journal | None
    stderr: str
    keccak_calls: int = 0
    sha256_calls: int = 0
    stdout: bytes = b""

    def post_state(self) -> dict:
        """The post-state the guest wrote to stdout (inputs with ``dump_state=True``)."""
        return self.post_state_and_logs()[0]

    def post_state_and_logs(self) -> tuple[dict, list]:
        """``(post-state, logs)`` from stdout (inputs with ``dump_state=True``). The logs
        are checked against the journal's logs hash (``ValueError`` if they differ), so
        they are as trustworthy as the journal."""
        from .encoding import decode_state, logs_hash

        state, logs = decode_state(self.stdout, with_logs=True)
        if self.journal is not None and logs_hash(logs) != self.journal.logs_hash:
            raise ValueError("the logs on stdout do not match the journal's logs hash")
        return state, logs


def run(input_bytes: bytes, max_cycles: int = DEFAULT_MAX_CYCLES) -> GuestRun:
    """Run the guest in the zkvm executor. Raises ``zkvm.riscv.GuestError`` only if the
    guest faults (a bug in the guest: it never faults on any input by design)."""
    from ..riscv import execute

    r = execute(program(), input=input_bytes, max_cycles=max_cycles)
    journal = Journal.decode(r.journal) if r.exit_code == EXIT_OK else None
    calls = r.precompile_calls or {}
    return GuestRun(r.exit_code, r.cycles, journal, r.stderr.decode("utf-8", "replace"),
                    int(calls.get("keccak_f1600", 0)), int(calls.get("sha256_compress", 0)), bytes(r.stdout))
