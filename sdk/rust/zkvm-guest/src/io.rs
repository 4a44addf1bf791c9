//! Private input (fd 0) and the journal (fd 3), raw and typed.
//!
//! Typed encoding (shared with the C SDK and `zkvm.api.Journal` in Python): values are
//! concatenated with no header and no padding, little-endian. `u8`/`i8`/`bool` take 1
//! byte (`bool` is 0 or 1), `u16`/`i16` 2, `u32`/`i32` 4, `u64`/`i64` 8, `u128`/`i128`
//! 16 (two's complement); `bytes` and `str` are a `u32` length followed by the raw bytes
//! (UTF-8 for `str`); a fixed array `[u8; N]` is its N bytes. The same encoding is used
//! for the private input (`read_*`) and the journal (`commit_*`).
//!
//! Errors end the guest with a documented exit code and a one-line message on stderr:
//! input too short [`crate::EXIT_INPUT_SHORT`], `read` failed [`crate::EXIT_INPUT_ERROR`],
//! journal write failed [`crate::EXIT_COMMIT_ERROR`], invalid `bool`/`str`
//! [`crate::EXIT_INPUT_INVALID`].

use alloc::string::String;
use alloc::vec::Vec;

use crate::sys::{self, fail, syscall3, FD_INPUT, FD_JOURNAL, SYS_READ};

/// Read up to `buf.len()` bytes of private input. Loops until the buffer is full or the
/// input ends; returns the number of bytes read (less than `buf.len()` only at the end
/// of the input).
pub fn read(buf: &mut [u8]) -> usize {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is a live, writable slice of `rest.len()` bytes.
        let n = unsafe { syscall3(SYS_READ, FD_INPUT, rest.as_mut_ptr() as usize, rest.len()) };
        if n < 0 {
            fail(crate::EXIT_INPUT_ERROR, "zkvm: reading the private input failed\n");
        }
        if n == 0 {
            break;
        }
        done += n as usize;
    }
    done
}

/// Fill `buf` from the private input, or print `zkvm: private input too short` on
/// stderr and exit with [`crate::EXIT_INPUT_SHORT`] (250) if it ends first.
pub fn read_exact(buf: &mut [u8]) {
    if read(buf) != buf.len() {
        fail(crate::EXIT_INPUT_SHORT, "zkvm: private input too short\n");
    }
}

/// All the remaining private input (untyped; see [`read_bytes`] for a length-prefixed
/// byte string).
pub fn read_vec() -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = read(&mut chunk);
        out.extend_from_slice(&chunk[..n]);
        if n < chunk.len() {
            return out;
        }
    }
}

/// `N` raw bytes (the typed encoding of `[u8; N]`).
pub fn read_array<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    read_exact(&mut b);
    b
}

macro_rules! read_int {
    ($($(#[$doc:meta])* $name:ident: $t:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name() -> $t {
            <$t>::from_le_bytes(read_array::<{ core::mem::size_of::<$t>() }>())
        }
    )*};
}

read_int! {
    /// A `u8` (1 byte).
    read_u8: u8;
    /// A little-endian `u16`.
    read_u16: u16;
    /// A little-endian `u32`.
    read_u32: u32;
    /// A little-endian `u64`.
    read_u64: u64;
    /// A little-endian `u128`.
    read_u128: u128;
    /// An `i8` (1 byte, two's complement).
    read_i8: i8;
    /// A little-endian `i16`.
    read_i16: i16;
    /// A little-endian `i32`.
    read_i32: i32;
    /// A little-endian `i64`.
    read_i64: i64;
    /// A little-endian `i128`.
    read_i128: i128;
}

/// A `bool`: one byte, 0 or 1; any other value exits with
/// [`crate::EXIT_INPUT_INVALID`].
pub fn read_bool() -> bool {
    match read_u8() {
        0 => false,
        1 => true,
        _ => fail(crate::EXIT_INPUT_INVALID, "zkvm: invalid bool in the private input\n"),
    }
}

/// A byte string: `u32` length, then that many bytes. The buffer grows as bytes arrive,
/// so a bogus length in a short input exits with [`crate::EXIT_INPUT_SHORT`] instead of
/// allocating it.
pub fn read_bytes() -> Vec<u8> {
    let len = read_u32() as usize;
    let mut out = Vec::new();
    let mut chunk = [0u8; 1024];
    while out.len() < len {
        let take = core::cmp::min(chunk.len(), len - out.len());
        read_exact(&mut chunk[..take]);
        out.extend_from_slice(&chunk[..take]);
    }
    out
}

/// A UTF-8 string: `u32` length, then the bytes. Not UTF-8: exits with
/// [`crate::EXIT_INPUT_INVALID`].
pub fn read_str() -> String {
    match String::from_utf8(read_bytes()) {
        Ok(s) => s,
        Err(_) => fail(crate::EXIT_INPUT_INVALID, "zkvm: invalid UTF-8 string in the private input\n"),
    }
}

/// Append `data` to the journal (the public output). Exits with
/// [`crate::EXIT_COMMIT_ERROR`] if the journal cannot be written.
pub fn commit(data: &[u8]) {
    if sys::write_all(FD_JOURNAL, data).is_err() {
        fail(crate::EXIT_COMMIT_ERROR, "zkvm: writing the journal (fd 3) failed\n");
    }
}

/// Append `N` raw bytes (the typed encoding of `[u8; N]`; same as [`commit`]).
pub fn commit_array<const N: usize>(data: &[u8; N]) {
    commit(data)
}

macro_rules! commit_int {
    ($($(#[$doc:meta])* $name:ident: $t:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(value: $t) {
            commit(&value.to_le_bytes())
        }
    )*};
}

commit_int! {
    /// A `u8` (1 byte).
    commit_u8: u8;
    /// A little-endian `u16`.
    commit_u16: u16;
    /// A little-endian `u32`.
    commit_u32: u32;
    /// A little-endian `u64`.
    commit_u64: u64;
    /// A little-endian `u128`.
    commit_u128: u128;
    /// An `i8` (1 byte, two's complement).
    commit_i8: i8;
    /// A little-endian `i16`.
    commit_i16: i16;
    /// A little-endian `i32`.
    commit_i32: i32;
    /// A little-endian `i64`.
    commit_i64: i64;
    /// A little-endian `i128`.
    commit_i128: i128;
}

/// A `bool`: one byte, 0 or 1.
pub fn commit_bool(value: bool) {
    commit(&[value as u8])
}

/// A byte string: `u32` length (little-endian), then the bytes. Panics if it is 4 GiB
/// or longer.
pub fn commit_bytes(data: &[u8]) {
    let len = u32::try_from(data.len()).expect("commit_bytes: longer than u32::MAX");
    commit(&len.to_le_bytes());
    commit(data);
}

/// A string: `u32` length of its UTF-8 bytes, then the bytes.
pub fn commit_str(s: &str) {
    commit_bytes(s.as_bytes())
}
