//! Raw system calls of the zkvm guest ABI (docs/abi.md): Linux riscv32 numbers, so the
//! same ELF runs under `qemu-riscv32`.

/// `read(fd, buf, n)`.
pub const SYS_READ: usize = 63;
/// `write(fd, buf, n)`.
pub const SYS_WRITE: usize = 64;
/// `exit_group(code)`.
pub const SYS_EXIT_GROUP: usize = 94;
/// `brk(addr)`: the heap.
pub const SYS_BRK: usize = 214;
/// Precompile: SHA-256 compression (`a0` = `[u32; 8]` state, `a1` = 64-byte block).
pub const SYS_SHA256_COMPRESS: usize = 0x5A00;
/// Precompile: Keccak-f[1600] (`a0` = `[u64; 25]` state).
pub const SYS_KECCAK_F1600: usize = 0x5A01;

/// File descriptor of the private input.
pub const FD_INPUT: usize = 0;
/// stdout.
pub const FD_STDOUT: usize = 1;
/// stderr.
pub const FD_STDERR: usize = 2;
/// The journal: public output bound into the proof.
pub const FD_JOURNAL: usize = 3;

/// A raw three-argument system call: `a7` = number, `a0..a2` = arguments; returns `a0`
/// (a negative errno on failure, Linux convention).
///
/// # Safety
/// The arguments must be valid for the system call (pointers to live memory of the
/// sizes the call reads or writes).
#[inline(always)]
pub unsafe fn syscall3(number: usize, arg0: usize, arg1: usize, arg2: usize) -> isize {
    let ret: isize;
    // No `nomem`/`readonly`: the call may read and write memory through its pointer
    // arguments, so the compiler must not keep such memory in registers across it.
    core::arch::asm!(
        "ecall",
        inlateout("a0") arg0 => ret,
        in("a1") arg1,
        in("a2") arg2,
        in("a7") number,
        options(nostack),
    );
    ret
}

/// End the program now with exit code `code & 0xff` (`exit_group`). The exit code is
/// public: it is part of what the proof states.
pub fn exit(code: i32) -> ! {
    loop {
        // SAFETY: exit_group takes no pointers.
        unsafe { syscall3(SYS_EXIT_GROUP, code as usize, 0, 0) };
    }
}

/// `write(fd, buf)` until every byte is written. Returns the negative errno of a failed
/// write (or `-EIO` if a write made no progress).
pub fn write_all(fd: usize, mut buf: &[u8]) -> Result<(), isize> {
    while !buf.is_empty() {
        // SAFETY: `buf` is a live slice of `buf.len()` readable bytes.
        let n = unsafe { syscall3(SYS_WRITE, fd, buf.as_ptr() as usize, buf.len()) };
        if n < 0 {
            return Err(n);
        }
        if n == 0 {
            return Err(-5);
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}

/// Print `msg` on stderr (unbuffered) and exit with `code`.
pub fn fail(code: i32, msg: &str) -> ! {
    let _ = write_all(FD_STDERR, msg.as_bytes());
    exit(code)
}

/// `brk(addr)`: set the program break; returns the new break (the old one on failure;
/// `brk(0)` returns the current break).
pub fn brk(addr: usize) -> usize {
    // SAFETY: brk takes no pointers it dereferences.
    unsafe { syscall3(SYS_BRK, addr, 0, 0) as usize }
}
