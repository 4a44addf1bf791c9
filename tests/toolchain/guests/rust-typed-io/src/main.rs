//! Test guest: the typed encoding. Reads, in order: u8, i8, bool, u16, i16, u32, i32,
//! u64, i64, u128, i128, bytes, str, [u8; 4]; commits them back in the same order and
//! then derived values: u32 len(str), bool (i64 < 0), i32 (i32 value - 1).
#![no_std]
#![no_main]

use zkvm_guest as z;

z::entry!(main);

fn main() {
    let a = z::read_u8();
    let b = z::read_i8();
    let c = z::read_bool();
    let d = z::read_u16();
    let e = z::read_i16();
    let f = z::read_u32();
    let g = z::read_i32();
    let h = z::read_u64();
    let i = z::read_i64();
    let j = z::read_u128();
    let k = z::read_i128();
    let l = z::read_bytes();
    let m = z::read_str();
    let n: [u8; 4] = z::read_array();

    z::commit_u8(a);
    z::commit_i8(b);
    z::commit_bool(c);
    z::commit_u16(d);
    z::commit_i16(e);
    z::commit_u32(f);
    z::commit_i32(g);
    z::commit_u64(h);
    z::commit_i64(i);
    z::commit_u128(j);
    z::commit_i128(k);
    z::commit_bytes(&l);
    z::commit_str(&m);
    z::commit_array(&n);
    z::commit_u32(m.chars().count() as u32);
    z::commit_bool(i < 0);
    z::commit_i32(g.wrapping_sub(1));
}
