"""ELFs the tests build with the pinned toolchain, cached on disk in ``.zkvm-cache/elf/``
keyed by ``source_digest`` (compiler version, flags, SDK headers, sources), so a stale
ELF is never reused."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tests.support.paths import ELF_CACHE, EXAMPLES

#: the C examples most tests use
BASIC_EXAMPLES = ("fibonacci", "sha256", "battleship")


def build_cached(source: Path, name: str | None = None, **kwargs) -> Path:
    """``zkvm.toolchain.cached_build`` into the suite's ELF cache."""
    from zkvm.toolchain import cached_build

    return cached_build(Path(source), ELF_CACHE, name=name or Path(source).name, **kwargs)


def example_elf(name: str, **kwargs) -> Path:
    """The ELF of ``examples/<name>``."""
    return build_cached(EXAMPLES / name, name=name, **kwargs)


def example_elfs(names=BASIC_EXAMPLES) -> dict[str, Path]:
    return {name: example_elf(name) for name in names}


def load_example_modules(example: str, *names: str):
    """Load the Python helpers ``examples/<example>/<name>.py`` in order, registered under
    their plain names (the example's scripts import each other that way, as when run
    from their directory); returns the modules."""
    out = []
    for name in names:
        mod = sys.modules.get(name)
        path = EXAMPLES / example / f"{name}.py"
        if mod is None or Path(getattr(mod, "__file__", "")).resolve() != path.resolve():
            spec = importlib.util.spec_from_file_location(name, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod  # dataclasses need the module registered
            spec.loader.exec_module(mod)
        out.append(mod)
    return out[0] if len(out) == 1 else tuple(out)
