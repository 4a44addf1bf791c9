"""Real guests built with zig (musl libc) against qemu-riscv32, and spec/fast agreement."""

import subprocess

import pytest

from zkvm.riscv import execute, load_elf
from zkvm.riscv.testing import agree


def run_qemu(qemu, elf, input=b""):
    r = subprocess.run([qemu, str(elf)], input=input, capture_output=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def test_libc_program_matches_qemu(guest_elf, qemu):
    elf = guest_elf("libc")
    r = execute(load_elf(elf.read_bytes()))
    code, out, err = run_qemu(qemu, elf)
    assert (r.exit_code, r.stdout, r.stderr) == (code, out, err)
    assert r.exit_code == 7 and b"zkvm-00042-beef-Z" in r.stdout


@pytest.mark.parametrize("data", [b"", b"hello zkvm\n", bytes(range(256)) * 300])
def test_input_and_journal(guest_elf, qemu, data):
    elf = guest_elf("io")
    r = execute(load_elf(elf.read_bytes()), input=data)
    code, out, _ = run_qemu(qemu, elf, data)
    assert r.stdout == out
    assert r.exit_code == len(data) & 0xFF
    h = out.split()[-1].decode()
    assert r.journal == f"journal:{h}".encode()


def test_abort(guest_elf, qemu):
    elf = guest_elf("abort")
    r = execute(load_elf(elf.read_bytes()))
    assert r.exit_code == 134 and r.note == "aborted" and r.stdout == b"about to abort\n"
    code, out, _ = run_qemu(qemu, elf)
    assert code in (-6, 134) and out == r.stdout


def test_spec_and_fast_agree_on_libc_program(guest_elf):
    prog = load_elf(guest_elf("io").read_bytes())
    a = execute(prog, input=b"abc" * 10, record=True, engine="spec")
    b = execute(prog, input=b"abc" * 10, record=True)
    agree(a, b)
    assert len(b.events) == b.cycles and len(b.syscall_accesses) > 0


def test_recording_does_not_change_results(guest_elf):
    prog = load_elf(guest_elf("libc").read_bytes())
    a, b = execute(prog), execute(prog, record=True)
    assert (a.exit_code, a.stdout, a.cycles, a.registers) == (b.exit_code, b.stdout, b.cycles, b.registers)
    ev = b.events
    assert (ev.next_pc[:-1] == ev.pc[1:]).all()  # rows chain
