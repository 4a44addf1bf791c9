//! `zkvm-guest`: the Rust guest SDK of the zkvm (docs/toolchain.md, "Rust guests").
//!
//! A Rust guest is a `no_std` + `alloc` program for `riscv32im-unknown-none-elf`, built by
//! `zkvm build <crate dir>` with the pinned Debian Rust toolchain. It talks to the zkvm
//! through the same Linux system calls as a C guest (docs/abi.md), so the same ELF runs
//! unchanged under `qemu-riscv32 prog.elf < input 3> journal` and under the zkvm:
//!
//! | what | how |
//! |---|---|
//! | private input | file descriptor 0: [`read`], [`read_exact`], [`read_vec`], typed [`read_u32`] ... |
//! | journal (public output) | file descriptor 3: [`commit`], typed [`commit_u32`] ... |
//! | stdout / stderr | [`print!`], [`println!`], [`eprint!`], [`eprintln!`] (not part of the proof) |
//! | exit code (public) | returning from `main` is 0; [`exit`] for any other code |
//! | heap | a global allocator on the `brk` system call (same heap rules as C's malloc) |
//! | panics | message on stderr, exit code [`EXIT_PANIC`] (101, like Rust's std) |
//! | precompiles | [`sha256`], [`Sha256`], [`keccak256`], [`Keccak256`], [`sha256_compress`], [`keccakf`] |
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use zkvm_guest::prelude::*;
//!
//! zkvm_guest::entry!(main);
//!
//! fn main() {
//!     let n = zkvm_guest::read_u32();         // private input
//!     zkvm_guest::commit_u32(n.wrapping_mul(n)); // journal: public output
//!     println!("done");                       // stdout: not part of the proof
//! }                                           // exit code 0
//! ```
//!
//! The typed helpers use the zkvm's typed encoding, shared with the C SDK and the Python
//! decoder `zkvm.api.Journal`: values concatenated, no header, no padding, little-endian;
//! `u8`/`i8`/`bool` 1 byte (bool 0 or 1), `u16`/`i16` 2, `u32`/`i32` 4, `u64`/`i64` 8,
//! `u128`/`i128` 16 (two's complement); `bytes`/`str` = `u32` length then the raw bytes
//! (UTF-8 for `str`); a fixed array `[u8; N]` = its N bytes.
#![no_std]

extern crate alloc;

mod heap;
pub mod io;
mod panic;
pub mod precompiles;
#[doc(hidden)]
pub mod print;
pub mod sys;

pub use io::{
    commit, commit_array, commit_bool, commit_bytes, commit_i128, commit_i16, commit_i32, commit_i64,
    commit_i8, commit_str, commit_u128, commit_u16, commit_u32, commit_u64, commit_u8, read, read_array,
    read_bool, read_bytes, read_exact, read_i128, read_i16, read_i32, read_i64, read_i8, read_str,
    read_u128, read_u16, read_u32, read_u64, read_u8, read_vec,
};
pub use precompiles::{keccak256, keccakf, sha256, sha256_compress, Keccak256, Sha256};
pub use sys::exit;

/// Exit code of a panicking guest (Rust's std uses 101 too). Also used when the heap is
/// exhausted (the allocation failure is reported as a panic).
pub const EXIT_PANIC: i32 = 101;
/// The private input ended before a `read_exact`/typed read was satisfied (C SDK: same).
pub const EXIT_INPUT_SHORT: i32 = 250;
/// `read(0)` returned an error (C SDK: same).
pub const EXIT_INPUT_ERROR: i32 = 251;
/// Writing the journal (fd 3) failed (C SDK: same).
pub const EXIT_COMMIT_ERROR: i32 = 252;
/// A typed read found an invalid value: a `bool` byte other than 0/1, or a `str` that is
/// not UTF-8.
pub const EXIT_INPUT_INVALID: i32 = 253;

/// Declare the guest's entry point: `zkvm_guest::entry!(main);` where `main` is a
/// `fn()`. The SDK's `_start` calls it and then exits with code 0; use [`exit`] (or
/// panic) for other codes. The crate must be `#![no_std]` and `#![no_main]`.
#[macro_export]
macro_rules! entry {
    ($path:path) => {
        #[doc(hidden)]
        #[export_name = "__zkvm_guest_main"]
        pub extern "Rust" fn __zkvm_guest_main() {
            let f: fn() = $path;
            f()
        }
    };
}

/// Everything a typical guest needs from `alloc`, plus the print macros.
pub mod prelude {
    pub use crate::{eprint, eprintln, print, println};
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

// The program entry: the loader (zkvm or Linux/qemu) starts here with `sp` 16-byte
// aligned, argc/argv/envp/auxv on the stack (docs/abi.md "Initial state"); a Rust guest
// needs none of them.
core::arch::global_asm!(
    ".section .text._start,\"ax\",@progbits",
    ".globl _start",
    ".type _start,@function",
    "_start:",
    "    call {start}",
    "1:  j 1b",
    start = sym start,
);

extern "Rust" {
    fn __zkvm_guest_main();
}

extern "C" fn start() -> ! {
    // SAFETY: `__zkvm_guest_main` is the function `entry!` defines (a link error names
    // it if the guest forgot `entry!`).
    unsafe { __zkvm_guest_main() };
    sys::exit(0)
}
