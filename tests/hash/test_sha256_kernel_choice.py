"""The SHA-256 batch kernel choice (issue 17): calibration, its per-machine cache, the
``ZKVM_SHA_KERNEL`` override, identical outputs whichever kernel runs, and the
``vzeroupper`` that must precede the legacy-SSE SHA instructions when the target has AVX."""

import importlib
import json
import os
import platform
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from zkvm.merkle import MerkleTree

S = importlib.import_module("zkvm.hash.sha256")

x86 = pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86 only")


@pytest.fixture
def restore_kernel():
    saved, info = S._kernel, dict(S._kernel_info)
    yield
    S._kernel = saved
    S._kernel_info.clear()
    S._kernel_info.update(info)


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_every_kernel_gives_the_same_merkle_roots(restore_kernel):
    """Kernel choice never changes outputs: the same mixed-height commitments (natural
    and bit-reversed leaf order, heights above and below the parallel threshold) have the
    same roots and openings with every kernel this host can run."""
    rng = np.random.default_rng(17)
    mats = [rng.integers(0, 2**31, (1 << 12, 24), dtype=np.uint32),
            rng.integers(0, 2**31, (1 << 9, 5), dtype=np.uint32),
            rng.integers(0, 2**31, (1 << 3, 40), dtype=np.uint32)]
    roots = {}
    for name in S.available_kernels():
        S.set_kernel(name)
        assert S.kernel() == name
        out = []
        for bitrev in (False, True):
            t = MerkleTree(mats, bit_reversed_rows=bitrev)
            out.append((t.root, t.open(1234)[1]))
        roots[name] = out
    ref = roots["portable"]
    for name, got in roots.items():
        assert got == ref, name


def test_env_override(monkeypatch, restore_kernel):
    monkeypatch.setenv("ZKVM_SHA_KERNEL", "portable")
    S.set_kernel(None)
    assert S.kernel() == "portable"
    assert S.kernel_info()["source"] == "ZKVM_SHA_KERNEL"
    monkeypatch.setenv("ZKVM_SHA_KERNEL", "bogus")
    S.set_kernel(None)
    monkeypatch.setenv("ZKVM_CACHE_DIR", "/nonexistent/zkvm-cache-test")
    with pytest.warns(RuntimeWarning, match="ZKVM_SHA_KERNEL"):
        assert S.kernel() in S.available_kernels()


def test_env_ni_without_sha_falls_back(monkeypatch, restore_kernel):
    monkeypatch.setattr(S, "HAVE_SHA_NI", False)
    monkeypatch.setenv("ZKVM_SHA_KERNEL", "ni")
    S.set_kernel(None)
    with pytest.warns(RuntimeWarning, match="no SHA extensions"):
        assert S.kernel() == "portable"
    with pytest.raises(ValueError, match="not available"):
        S.set_kernel("ni")


def test_legacy_env_disables_ni(monkeypatch):
    monkeypatch.setenv("ZKVM_SHA_NI", "0")
    assert S._detect_sha_ni() is False


@pytest.mark.skipif(not S.HAVE_SHA_NI, reason="host has no SHA-NI: nothing to calibrate")
def test_calibration_is_cached_per_machine(tmp_path, monkeypatch, restore_kernel):
    monkeypatch.setenv("ZKVM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ZKVM_SHA_KERNEL", raising=False)
    S.set_kernel(None)
    first = S.kernel()
    info = S.kernel_info()
    assert info["source"] == "calibrated" and set(info["timings"]) == {"ni", "portable"}
    path = tmp_path / "sha256-kernel" / f"{S.machine_key()}.json"
    assert json.loads(path.read_text())["kernel"] == first
    # the next process (here: the next choice) reads the cache, without measuring
    path.write_text(json.dumps({"kernel": "portable" if first == "ni" else "ni"}))
    S.set_kernel(None)
    assert S.kernel() != first and S.kernel_info()["source"] == "cache"
    # an unreadable cache entry is measured again
    path.write_text("{not json")
    S.set_kernel(None)
    assert S.kernel() in S.SHA_KERNELS and S.kernel_info()["source"] == "calibrated"


def test_machine_key_depends_on_version(monkeypatch):
    import zkvm

    k = S.machine_key()
    monkeypatch.setattr(zkvm, "__version__", zkvm.__version__ + ".test")
    assert S.machine_key() != k


# ----------------------------------------------------------------------------- assembly

_ASM_PROBE = textwrap.dedent("""
    import importlib, json, sys
    from numba import njit, types
    S = importlib.import_module("zkvm.hash.sha256")
    u32 = types.uint32
    sigs = {
        "_hash_pairs_range_ni": (types.Array(u32, 2, "A"), types.Array(u32, 2, "A"), types.int64,
                                 types.Array(u32, 2, "C"), types.int64, types.int64),
        "_hash_rows_range_ni": (types.Array(u32, 2, "C"), types.Array(u32, 2, "C"), types.int64,
                                types.Array(types.int64, 1, "C"),
                                types.Array(u32, 2, "C"), types.int64, types.int64),
    }
    out = {}
    for name, sig in sigs.items():
        f = njit(getattr(S, name).py_func)  # a fresh, uncached compile: inspectable
        f.compile(sig)
        out[name] = f.inspect_asm(sig)
    json.dump(out, sys.stdout)
""")


def _asm(tmp_path, cpu=None, features=None) -> dict:
    """Assembly of the two SHA-NI range kernels, compiled (not run) in a subprocess for
    the host or for ``cpu``/``features`` (numba's cross-target settings)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    if cpu is not None:
        env.update(NUMBA_CPU_NAME=cpu, NUMBA_CPU_FEATURES=features)
    res = subprocess.run([sys.executable, "-c", _ASM_PROBE], env=env, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout)


def _check_vzeroupper_first(asm: str) -> None:
    """The first ``sha256rnds2`` is preceded by a ``vzeroupper`` with no YMM/ZMM register
    used in between (else the SHA instructions run with dirty upper halves)."""
    lines = [ln.strip() for ln in asm.splitlines()]
    first = next(i for i, ln in enumerate(lines) if ln.startswith("sha256rnds2"))
    vz = [i for i, ln in enumerate(lines[:first]) if ln.startswith("vzeroupper")]
    assert vz, "no vzeroupper before the first sha256rnds2"
    between = lines[vz[-1] + 1:first]
    dirty = [ln for ln in between if "%ymm" in ln or "%zmm" in ln]
    assert not dirty, f"wide registers between vzeroupper and sha256rnds2: {dirty[:3]}"


_ICELAKE = ("+64bit,+sse,+sse2,+sse3,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16,+avx,+avx2,+fma,"
            "+bmi,+bmi2,+avx512f,+avx512bw,+avx512dq,+avx512vl,+sha")
_GOLDMONT = "+64bit,+sse,+sse2,+sse3,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16,+sha,-avx,-avx2"


@x86
@pytest.mark.slow
def test_vzeroupper_before_sha_on_avx512_target(tmp_path):
    """An Intel AVX-512 target (where the transition penalty was measured): both kernels
    clear the upper halves before their first SHA round instruction."""
    for name, asm in _asm(tmp_path, "icelake-server", _ICELAKE).items():
        assert "sha256rnds2" in asm, name
        _check_vzeroupper_first(asm)


@x86
@pytest.mark.slow
def test_no_vzeroupper_without_avx(tmp_path):
    """SHA without AVX (Goldmont-class): no vzeroupper at all (it would be illegal)."""
    for name, asm in _asm(tmp_path, "goldmont", _GOLDMONT).items():
        assert "sha256rnds2" in asm, name
        assert "vzeroupper" not in asm, name


@x86
@pytest.mark.skipif(not S.HAVE_SHA_NI, reason="host has no SHA-NI")
def test_vzeroupper_before_sha_on_host(tmp_path):
    import llvmlite.binding as llb

    asm = _asm(tmp_path)
    for name, text in asm.items():
        if llb.get_host_cpu_features().get("avx", False):
            _check_vzeroupper_first(text)
        else:
            assert "vzeroupper" not in text, name
