//! Test guest: the precompile wrappers. Input: any bytes. Journal: sha256(input),
//! keccak256(input), the streaming SHA-256 of the input fed in odd-sized chunks from an
//! unaligned offset, and the raw compression / permutation of fixed states.
#![no_std]
#![no_main]

use zkvm_guest::prelude::*;
use zkvm_guest::{Keccak256, Sha256};

zkvm_guest::entry!(main);

fn main() {
    let data = zkvm_guest::read_vec();
    zkvm_guest::commit(&zkvm_guest::sha256(&data));
    zkvm_guest::commit(&zkvm_guest::keccak256(&data));

    // streaming, chunk sizes 1, 2, 3, ... from a buffer offset by one byte (unaligned)
    let mut shifted = vec![0u8; data.len() + 1];
    shifted[1..].copy_from_slice(&data);
    let mut s = Sha256::new();
    let mut k = Keccak256::new();
    let (mut pos, mut step) = (1, 1);
    while pos < shifted.len() {
        let end = (pos + step).min(shifted.len());
        s.update(&shifted[pos..end]);
        k.update(&shifted[pos..end]);
        pos = end;
        step += 1;
    }
    zkvm_guest::commit(&s.finalize());
    zkvm_guest::commit(&k.finalize());

    // raw primitives on fixed inputs
    let mut state = [0x6a09e667u32, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut block = [0u8; 64];
    block[0] = 0x80; // sha256("") as one block
    zkvm_guest::sha256_compress(&mut state, &block);
    for w in state {
        zkvm_guest::commit(&w.to_be_bytes());
    }
    let mut lanes = [0u64; 25];
    zkvm_guest::keccakf(&mut lanes);
    zkvm_guest::commit_u64(lanes[0]);
    println!("hashed {} bytes", data.len());
}
