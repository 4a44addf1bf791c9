//! The panic handler: print the message on stderr like Rust's std, then exit with
//! [`crate::EXIT_PANIC`] (101). The exit code is public and provable; the message is
//! not part of the proof.
//!
//! Heap exhaustion reaches here too: `alloc` reports a failed allocation as the panic
//! `memory allocation of N bytes failed`.

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    // A panic while printing the first one (a `Display` impl that panics): stop at once.
    if PANICKING.load(Ordering::Relaxed) {
        crate::sys::exit(crate::EXIT_PANIC);
    }
    PANICKING.store(true, Ordering::Relaxed);
    match info.location() {
        Some(loc) => crate::eprintln!(
            "guest panicked at {}:{}:{}:\n{}",
            loc.file(),
            loc.line(),
            loc.column(),
            info.message()
        ),
        None => crate::eprintln!("guest panicked:\n{}", info.message()),
    }
    crate::sys::exit(crate::EXIT_PANIC)
}
