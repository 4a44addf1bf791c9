"""The compiled on-chain verifier contracts.

Sources: ``contracts/src/*.sol`` in the repository.  They are compiled by solc-js at the
exact version pinned in ``contracts/package.json`` (installed by ``scripts/setup.sh
--test-deps``: ``npm ci`` in ``contracts/``) with ``contracts/compile.mjs``; the output
(``abi``, bytecode, method identifiers) is committed here as package data, so using the
contracts needs neither node nor a Solidity compiler.  :func:`compile_contracts`
recompiles them (tests check the committed JSON equals a fresh compile)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Artifact", "load", "names", "contracts_dir", "compile_contracts", "solc_js_available",
           "SOLC_VERSION", "MAX_CODE_SIZE"]

#: The pinned solc-js version (contracts/package.json).
SOLC_VERSION = "0.8.28"
#: EIP-170: the largest deployable runtime code.
MAX_CODE_SIZE = 24_576

_HERE = Path(__file__).resolve().parent
ARTIFACTS_DIR = _HERE / "artifacts"


class ArtifactError(RuntimeError):
    """A compiled contract is missing or malformed, or the compiler failed (one line)."""


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list
    bytecode: bytes
    deployed_bytecode: bytes
    selectors: dict  # signature -> 4 bytes
    compiler: str

    def selector(self, name: str) -> bytes:
        """The selector of the (unique) function called ``name``."""
        hits = [s for sig, s in self.selectors.items() if sig.split("(")[0] == name]
        if len(hits) != 1:
            raise ArtifactError(f"{self.name}: no unique function {name!r}")
        return hits[0]


def names(directory: Path | None = None) -> list[str]:
    d = directory or ARTIFACTS_DIR
    return sorted(p.stem for p in d.glob("*.json"))


def load(name: str, directory: Path | None = None) -> Artifact:
    """The compiled contract ``name`` (from the committed artifacts by default)."""
    path = (directory or ARTIFACTS_DIR) / f"{name}.json"
    try:
        j = json.loads(path.read_text())
        return Artifact(name=j["contract"], abi=j["abi"], bytecode=bytes.fromhex(j["bytecode"][2:]),
                        deployed_bytecode=bytes.fromhex(j["deployedBytecode"][2:]),
                        selectors={k: bytes.fromhex(v) for k, v in j["methodIdentifiers"].items()},
                        compiler=j["compiler"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ArtifactError(f"contract artifact {path}: {e}") from None


def contracts_dir() -> Path | None:
    """``contracts/`` of the source tree (None in an installed wheel)."""
    d = _HERE.parents[2] / "contracts"
    return d if (d / "compile.mjs").is_file() else None


def solc_js_available() -> str | None:
    """None if node and the pinned solc-js are installed, else why not (one line)."""
    d = contracts_dir()
    if d is None:
        return "no contracts/ source tree"
    if shutil.which("node") is None:
        return "node is not installed (scripts/setup.sh --test-deps installs it)"
    pkg = d / "node_modules" / "solc" / "package.json"
    if not pkg.is_file():
        return "solc-js is not installed (run: cd contracts && npm ci)"
    v = json.loads(pkg.read_text()).get("version")
    if v != SOLC_VERSION:
        return f"solc-js {v} installed, {SOLC_VERSION} pinned (run: cd contracts && npm ci)"
    return None


def compile_contracts(out_dir: Path) -> list[str]:
    """Compile ``contracts/src`` into ``out_dir`` with the pinned solc-js; returns the
    contract names.  Raises :class:`ArtifactError` (one line) if it cannot."""
    why = solc_js_available()
    if why:
        raise ArtifactError(f"cannot compile the contracts: {why}")
    d = contracts_dir()
    out_dir = Path(out_dir)
    r = subprocess.run(["node", str(d / "compile.mjs"), str(out_dir)], capture_output=True, text=True,
                       timeout=600)
    if r.returncode != 0:
        raise ArtifactError("solc-js failed: " + (r.stderr.strip().splitlines() or ["?"])[0])
    return names(out_dir)
