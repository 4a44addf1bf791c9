"""The verifier's start-up cost: verifying a receipt must not start numba (issue 17: the
main job's `zkvm verify`)."""
def test_verifier_starts_no_numba_kernel(tmp_path, example_elfs):
    """Verifying a receipt with a journal (its public LogUp batch is summed with a batch
    inverse) runs no numba kernel: numba's target-context start-up alone costs ~0.6 s of
    a `zkvm verify`.  Checked in a fresh process."""
    import subprocess
    import sys
    from pathlib import Path

    from zkvm import api

    code = (
        "import sys\n"
        "from numba.core import dispatcher\n"
        "calls = []\n"
        "orig = dispatcher.Dispatcher._compile_for_args\n"
        "def hook(self, *a, **k):\n"
        "    calls.append(self.py_func.__qualname__)\n"
        "    return orig(self, *a, **k)\n"
        "dispatcher.Dispatcher._compile_for_args = hook\n"
        "from zkvm import api\n"
        "code, journal = api.verify(open(sys.argv[1], 'rb').read(), sys.argv[2])\n"
        "print('journal', len(journal), 'calls', calls)\n"
    )
    elf = Path(example_elfs["fibonacci"]).read_bytes()
    inp = (Path(__file__).resolve().parents[2] / "examples/fibonacci/input.bin").read_bytes()
    path = tmp_path / "r.bin"
    path.write_bytes(api.prove(elf, inp, params="testing").to_bytes())
    out = subprocess.run([sys.executable, "-c", code, str(path), api.image_id(elf, "testing").hex()],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "journal 4 calls []", out.stdout
