//! Safe wrappers for the zkvm precompiles (docs/abi.md, "Precompiles"): hash
//! permutations the zkvm executes and proves with dedicated circuits instead of
//! thousands of RV32IM instructions.
//!
//! | # | precompile | wrapper |
//! |---|---|---|
//! | `0x5A00` | SHA256_COMPRESS | [`sha256_compress`], [`Sha256`], [`sha256`] |
//! | `0x5A01` | KECCAK_F1600 | [`keccakf`], [`Keccak256`], [`keccak256`] (Ethereum) |
//!
//! Under Linux/qemu the numbers are unknown (the call returns `-ENOSYS`); the wrappers
//! then compute the same function in plain Rust, so the same ELF runs there too. The
//! Cargo feature `no-precompiles` always uses the plain Rust code (same results, every
//! round proved as RV32IM instructions), like `ZKVM_NO_PRECOMPILES` in C.
//!
//! The precompiles need 4-byte aligned buffers: the wrappers copy the block into an
//! aligned buffer when needed, and `[u32; 8]` / `[u64; 25]` states are aligned by type.

#[cfg(not(feature = "no-precompiles"))]
use crate::sys::{syscall3, SYS_KECCAK_F1600, SYS_SHA256_COMPRESS};

/// SHA-256 compression (FIPS 180-4 §6.2.2) of one 64-byte block into `state` (H0..H7).
/// Padding is the caller's job; see [`Sha256`] for the whole hash.
pub fn sha256_compress(state: &mut [u32; 8], block: &[u8; 64]) {
    #[cfg(not(feature = "no-precompiles"))]
    {
        let mut aligned = [0u32; 16];
        let mut blk = block.as_ptr();
        if blk as usize % 4 != 0 {
            for (i, w) in aligned.iter_mut().enumerate() {
                *w = u32::from_ne_bytes([block[4 * i], block[4 * i + 1], block[4 * i + 2], block[4 * i + 3]]);
            }
            blk = aligned.as_ptr() as *const u8;
        }
        // SAFETY: `state` is 32 writable bytes and `blk` 64 readable bytes, both 4-byte
        // aligned, live across the call.
        let r = unsafe { syscall3(SYS_SHA256_COMPRESS, state.as_mut_ptr() as usize, blk as usize, 0) };
        if r == 0 {
            return;
        }
    }
    sha256_compress_soft(state, block);
}

/// Keccak-f[1600] (FIPS 202, 24 rounds) of 25 little-endian lanes, lane (x, y) at
/// `state[x + 5y]`.
pub fn keccakf(state: &mut [u64; 25]) {
    #[cfg(not(feature = "no-precompiles"))]
    {
        // SAFETY: `state` is 200 writable bytes, 8-byte aligned, live across the call.
        let r = unsafe { syscall3(SYS_KECCAK_F1600, state.as_mut_ptr() as usize, 0, 0) };
        if r == 0 {
            return;
        }
    }
    keccakf_soft(state);
}

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The plain Rust SHA-256 compression (the precompile's fallback).
pub fn sha256_compress_soft(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut w = [0u32; 64];
    for t in 0..16 {
        w[t] = u32::from_be_bytes([block[4 * t], block[4 * t + 1], block[4 * t + 2], block[4 * t + 3]]);
    }
    for t in 16..64 {
        let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
        let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16].wrapping_add(s0).wrapping_add(w[t - 7]).wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for t in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[t]).wrapping_add(w[t]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

const RC: [u64; 24] = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
    0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
];
const RHO: [u32; 25] = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

/// The plain Rust Keccak-f[1600] (the precompile's fallback).
pub fn keccakf_soft(st: &mut [u64; 25]) {
    for rc in RC {
        let mut c = [0u64; 5];
        for x in 0..5 {
            c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                st[x + 5 * y] ^= d;
            }
        }
        let mut b = [0u64; 25];
        for x in 0..5 {
            for y in 0..5 {
                b[y + 5 * ((2 * x + 3 * y) % 5)] = st[x + 5 * y].rotate_left(RHO[x + 5 * y]);
            }
        }
        for y in 0..5 {
            for x in 0..5 {
                st[x + 5 * y] = b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        st[0] ^= rc;
    }
}

/// Streaming SHA-256 on the SHA256_COMPRESS precompile.
///
/// ```ignore
/// let mut h = Sha256::new();
/// h.update(b"abc");
/// let digest: [u8; 32] = h.finalize();
/// ```
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    block: [u32; 16], // 64 bytes, word aligned for the precompile
    used: usize,
    length: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    /// A fresh hash (FIPS 180-4 initial value).
    pub fn new() -> Self {
        Sha256 {
            state: [
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
            ],
            block: [0; 16],
            used: 0,
            length: 0,
        }
    }

    fn block_bytes(&mut self) -> &mut [u8; 64] {
        // SAFETY: [u32; 16] and [u8; 64] have the same size; u8 has no alignment needs.
        unsafe { &mut *(self.block.as_mut_ptr() as *mut [u8; 64]) }
    }

    fn compress_block(&mut self) {
        // SAFETY: as in `block_bytes`; `state` and `block` are distinct fields.
        let blk = unsafe { &*(self.block.as_ptr() as *const [u8; 64]) };
        sha256_compress(&mut self.state, blk);
    }

    /// Absorb `data` (any number of calls).
    pub fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            if self.used == 0 && data.len() >= 64 {
                let (blk, rest) = data.split_at(64);
                sha256_compress(&mut self.state, blk.try_into().unwrap());
                data = rest;
                continue;
            }
            let used = self.used;
            let take = (64 - used).min(data.len());
            self.block_bytes()[used..used + take].copy_from_slice(&data[..take]);
            self.used += take;
            data = &data[take..];
            if self.used == 64 {
                self.compress_block();
                self.used = 0;
            }
        }
    }

    /// Pad and return the 32-byte digest.
    pub fn finalize(mut self) -> [u8; 32] {
        let bits = self.length.wrapping_mul(8);
        let used = self.used;
        self.block_bytes()[used] = 0x80;
        self.used += 1;
        if self.used > 56 {
            let used = self.used;
            self.block_bytes()[used..].fill(0);
            self.compress_block();
            self.used = 0;
        }
        let used = self.used;
        let b = self.block_bytes();
        b[used..56].fill(0);
        b[56..].copy_from_slice(&bits.to_be_bytes());
        self.compress_block();
        let mut out = [0u8; 32];
        for (i, w) in self.state.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
        }
        out
    }
}

/// SHA-256 of `data` on the precompile.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(data);
    h.finalize()
}

const KECCAK256_RATE: usize = 136;

/// Streaming Keccak-256 as used by Ethereum (rate 136 bytes, padding `0x01 ... 0x80`;
/// not SHA3-256's `0x06`), on the KECCAK_F1600 precompile.
#[derive(Clone, Default)]
pub struct Keccak256 {
    state: [u64; 25],
    used: usize,
}

impl Keccak256 {
    /// A fresh hash (all-zero state).
    pub fn new() -> Self {
        Keccak256 { state: [0; 25], used: 0 }
    }

    fn xor_byte(&mut self, i: usize, v: u8) {
        self.state[i / 8] ^= (v as u64) << (8 * (i % 8));
    }

    /// Absorb `data` (any number of calls).
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.used == 0 && data.len() >= KECCAK256_RATE {
                for i in 0..KECCAK256_RATE / 8 {
                    let lane: [u8; 8] = data[8 * i..8 * i + 8].try_into().unwrap();
                    self.state[i] ^= u64::from_le_bytes(lane);
                }
                keccakf(&mut self.state);
                data = &data[KECCAK256_RATE..];
                continue;
            }
            self.xor_byte(self.used, data[0]);
            self.used += 1;
            data = &data[1..];
            if self.used == KECCAK256_RATE {
                keccakf(&mut self.state);
                self.used = 0;
            }
        }
    }

    /// Pad and return the 32-byte digest.
    pub fn finalize(mut self) -> [u8; 32] {
        self.xor_byte(self.used, 0x01);
        self.xor_byte(KECCAK256_RATE - 1, 0x80);
        keccakf(&mut self.state);
        let mut out = [0u8; 32];
        for i in 0..4 {
            out[8 * i..8 * i + 8].copy_from_slice(&self.state[i].to_le_bytes());
        }
        out
    }
}

/// Keccak-256 (Ethereum) of `data` on the precompile.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(data);
    h.finalize()
}
