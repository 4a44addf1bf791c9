//! Test guest: alloc collections, String formatting and u128 arithmetic on the SDK's
//! heap. Input: u32 n (little-endian). Prints a summary on stdout and commits
//! (typed encoding): u128 sum, u64 product mod 2^64, u32 map length, str summary,
//! bytes of a sorted/deduplicated vector, u32 heap checksum.
#![no_std]
#![no_main]

use zkvm_guest::prelude::*;

zkvm_guest::entry!(main);

trait Shape {
    fn area(&self) -> u128;
    fn name(&self) -> String;
}

struct Rect(u64, u64);
struct Square(u64);

impl Shape for Rect {
    fn area(&self) -> u128 {
        self.0 as u128 * self.1 as u128
    }
    fn name(&self) -> String {
        format!("rect {}x{}", self.0, self.1)
    }
}

impl Shape for Square {
    fn area(&self) -> u128 {
        (self.0 as u128).pow(2)
    }
    fn name(&self) -> String {
        format!("square {}", self.0)
    }
}

/// Allocation patterns: many small boxes freed out of order, a vector grown one element
/// at a time (realloc at the top of the heap), zeroed allocations reused after frees.
fn heap_exercise(n: u32) -> u32 {
    let mut boxes: Vec<Box<[u32]>> = Vec::new();
    for i in 0..n {
        boxes.push(vec![i; (i as usize % 13) + 1].into_boxed_slice());
    }
    let mut check = 0u32;
    // free every third box, then allocate zeroed buffers that reuse them
    let mut i = 0;
    boxes.retain(|_| {
        i += 1;
        i % 3 != 0
    });
    for k in 0..n {
        let z = vec![0u32; (k as usize % 13) + 1];
        check = check.wrapping_add(z.iter().sum::<u32>()); // must stay zero
        if z.iter().any(|&x| x != 0) {
            panic!("alloc_zeroed returned dirty memory");
        }
    }
    for b in &boxes {
        for &x in b.iter() {
            check = check.wrapping_mul(31).wrapping_add(x);
        }
    }
    let mut grow: Vec<u8> = Vec::new();
    for k in 0..(n * 100) {
        grow.push(k as u8);
    }
    check.wrapping_add(grow.iter().map(|&b| b as u32).sum::<u32>())
}

fn main() {
    let n = zkvm_guest::read_u32();

    // u128 arithmetic: sum of i * (2^64 - 1) and a 64-bit product via u128 mulmod
    let mut sum: u128 = 0;
    let mut prod: u64 = 1;
    for i in 1..=n as u128 {
        sum = sum.wrapping_add(i * u64::MAX as u128);
        prod = ((prod as u128 * (i * 0x9E37_79B9_7F4A_7C15)) % (1u128 << 64)) as u64;
    }

    // BTreeMap word counts over generated words
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for i in 0..n {
        let word = format!("w{}", (i * 7) % 11);
        *counts.entry(word).or_insert(0) += 1;
    }

    // Vec sort + dedup, trait objects
    let mut v: Vec<u32> = (0..n).map(|i| (i * 2_654_435_761u32.wrapping_mul(i + 1)) % 97).collect();
    v.sort_unstable();
    v.dedup();
    let shapes: Vec<Box<dyn Shape>> = vec![Box::new(Rect(3, n as u64)), Box::new(Square(n as u64 + 1))];
    let areas: u128 = shapes.iter().map(|s| s.area()).sum();
    let names: Vec<String> = shapes.iter().map(|s| s.name()).collect();

    let summary = format!(
        "n={} sum={} prod={:#x} words={:?} distinct={} areas={} shapes={}",
        n,
        sum,
        prod,
        counts,
        v.len(),
        areas,
        names.join(",")
    );
    println!("{}", summary);
    let check = heap_exercise(n);
    println!("heap check {:08x}", check);

    zkvm_guest::commit_u128(sum);
    zkvm_guest::commit_u64(prod);
    zkvm_guest::commit_u32(counts.len() as u32);
    zkvm_guest::commit_str(&summary);
    let bytes: Vec<u8> = v.iter().map(|&x| x as u8).collect();
    zkvm_guest::commit_bytes(&bytes);
    zkvm_guest::commit_u32(check);
}
