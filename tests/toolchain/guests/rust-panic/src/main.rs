//! Test guest: the panic handler and exit codes. Input: one mode byte.
//! 0: commit 1 byte and return (exit 0); 1: `panic!` with a formatted message (exit 101)
//! after committing; 2: index out of bounds (a panic inside core); 3: heap exhaustion
//! (a 1 GiB allocation: exit 101, "memory allocation of ... failed"); 4: exit(7).
#![no_std]
#![no_main]

use zkvm_guest::prelude::*;

zkvm_guest::entry!(main);

fn main() {
    let mode = zkvm_guest::read_u8();
    zkvm_guest::commit_u8(mode);
    match mode {
        0 => println!("no panic"),
        1 => panic!("guest gave up: mode {} of {}", mode, 4),
        2 => {
            let v: Vec<u32> = (0..3).collect();
            let i = core::hint::black_box(mode as usize + 5);
            println!("{}", v[i]);
        }
        3 => {
            let mut big: Vec<u8> = Vec::with_capacity(core::hint::black_box(1usize << 30));
            big.push(1);
            core::hint::black_box(&big); // keep LLVM from eliding the allocation
            println!("{}", big.capacity());
        }
        4 => zkvm_guest::exit(7),
        _ => println!("unknown mode"),
    }
}
