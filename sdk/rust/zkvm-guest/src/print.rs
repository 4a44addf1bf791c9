//! `print!`/`println!` (stdout, fd 1) and `eprint!`/`eprintln!` (stderr, fd 2).
//!
//! Each macro call formats into a 256-byte buffer on the stack and writes it with as
//! few `write` system calls as it can (one per 256 bytes), so output is never lost at
//! exit and nothing needs flushing. stdout and stderr are not part of the proof.

use core::fmt::{self, Write};

use crate::sys;

struct FdWriter {
    fd: usize,
    buf: [u8; 256],
    len: usize,
}

impl FdWriter {
    fn flush(&mut self) {
        // Printing is best effort (like Rust's std ignoring a closed stdout is not; but a
        // guest has no way to report it anyway).
        let _ = sys::write_all(self.fd, &self.buf[..self.len]);
        self.len = 0;
    }
}

impl Write for FdWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        while !bytes.is_empty() {
            if self.len == self.buf.len() {
                self.flush();
            }
            let take = core::cmp::min(bytes.len(), self.buf.len() - self.len);
            self.buf[self.len..self.len + take].copy_from_slice(&bytes[..take]);
            self.len += take;
            bytes = &bytes[take..];
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn _print(fd: usize, args: fmt::Arguments) {
    let mut w = FdWriter { fd, buf: [0; 256], len: 0 };
    let _ = w.write_fmt(args);
    w.flush();
}

/// Print to stdout (fd 1), like `std::print!`.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::print::_print($crate::sys::FD_STDOUT, format_args!($($arg)*)) };
}

/// Print to stdout (fd 1) with a newline, like `std::println!`.
#[macro_export]
macro_rules! println {
    () => { $crate::print::_print($crate::sys::FD_STDOUT, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::print::_print($crate::sys::FD_STDOUT, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Print to stderr (fd 2), like `std::eprint!`.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::print::_print($crate::sys::FD_STDERR, format_args!($($arg)*)) };
}

/// Print to stderr (fd 2) with a newline, like `std::eprintln!`.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::print::_print($crate::sys::FD_STDERR, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::print::_print($crate::sys::FD_STDERR, format_args!("{}\n", format_args!($($arg)*))) };
}
