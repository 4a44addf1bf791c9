//! The global allocator: memory from the `brk` system call, the same heap the C
//! guests' malloc grows (docs/abi.md: the heap starts at the first page boundary after
//! the ELF's segments and grows up to `0x2000_0000`; fresh heap memory is zero).
//!
//! Design (small and predictable, for a single-threaded guest that runs to completion):
//!
//! * Every block has a power-of-two size ("class", 8 bytes to 2 GiB) at least the
//!   request's size and alignment, and is aligned to `min(class, 4096)` (or more if the
//!   request asks for more).
//! * A freed block goes on its class's free list and is reused first by the next
//!   allocation of that class; the block at the top of the heap is instead given back
//!   to the bump pointer, and `realloc` of the top block grows or shrinks it in place (so
//!   a growing `Vec` at the top does not copy).
//! * New blocks come from a bump pointer; when it passes the current break, the break is
//!   raised (`brk`) by at least 64 KiB. The break never shrinks (the zkvm's `brk` never
//!   shrinks either).
//! * `alloc_zeroed` skips the memset for memory that was never handed out before (it is
//!   zero: the zkvm starts all memory at zero and Linux gives zeroed pages).
//!
//! When `brk` refuses to grow, `alloc` returns null and Rust's `alloc` reports the
//! failure as a panic (`memory allocation of N bytes failed`; exit code 101).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

use crate::sys;

const PAGE: usize = 4096;
const MIN_SHIFT: u32 = 3;
const CLASSES: usize = (usize::BITS - MIN_SHIFT) as usize;
const GROW: usize = 64 * 1024;

struct State {
    next: usize,  // bump pointer (0: not initialised yet)
    end: usize,   // current program break
    clean: usize, // everything at or above this address was never handed out (is zero)
    free: [usize; CLASSES],
}

/// The SDK's global allocator (installed by the SDK; see the module docs).
pub struct Heap {
    state: UnsafeCell<State>,
}

// SAFETY: a zkvm guest has one hart and no threads or interrupts, so the state is never
// accessed concurrently.
unsafe impl Sync for Heap {}

#[global_allocator]
static HEAP: Heap = Heap {
    state: UnsafeCell::new(State { next: 0, end: 0, clean: 0, free: [0; CLASSES] }),
};

/// The class (index, size) of a layout, or None if it does not fit in the address space.
fn class_of(layout: &Layout) -> Option<(usize, usize)> {
    let need = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    let size = need.checked_next_power_of_two()?;
    let idx = (size.trailing_zeros() - MIN_SHIFT) as usize;
    if idx >= CLASSES {
        return None;
    }
    Some((idx, size))
}

fn block_align(size: usize, layout: &Layout) -> usize {
    size.min(PAGE).max(layout.align())
}

fn align_up(x: usize, a: usize) -> Option<usize> {
    Some(x.checked_add(a - 1)? & !(a - 1))
}

impl State {
    /// Make sure the break is at least `top`; false if `brk` refuses.
    fn reserve(&mut self, top: usize) -> bool {
        if top <= self.end {
            return true;
        }
        let want = match align_up(top, PAGE).and_then(|t| t.checked_add(GROW - PAGE)) {
            Some(w) => w.max(top),
            None => return false,
        };
        let got = sys::brk(want);
        if got >= top {
            self.end = got;
            return true;
        }
        // The kernel may refuse the generous size but grant the exact one.
        let got = sys::brk(align_up(top, PAGE).unwrap_or(top));
        if got >= top {
            self.end = got;
            true
        } else {
            false
        }
    }

    /// A new block from the bump pointer; returns (pointer, fresh = was never handed out).
    fn bump(&mut self, size: usize, align: usize) -> Option<(usize, bool)> {
        if self.next == 0 {
            let start = sys::brk(0);
            self.next = start;
            self.end = start;
            self.clean = start;
        }
        let start = align_up(self.next, align)?;
        let top = start.checked_add(size)?;
        if !self.reserve(top) {
            return None;
        }
        self.next = top;
        let fresh = start >= self.clean;
        if top > self.clean {
            self.clean = top;
        }
        Some((start, fresh))
    }

    unsafe fn alloc(&mut self, layout: &Layout) -> Option<(usize, bool)> {
        let (idx, size) = class_of(layout)?;
        let align = block_align(size, layout);
        let head = self.free[idx];
        if head != 0 && head % align == 0 {
            // SAFETY: free blocks hold the next pointer in their first word.
            self.free[idx] = unsafe { *(head as *const usize) };
            return Some((head, false));
        }
        self.bump(size, align)
    }

    unsafe fn dealloc(&mut self, p: usize, layout: &Layout) {
        let Some((idx, size)) = class_of(layout) else { return };
        if p + size == self.next {
            self.next = p; // the top block: back to the bump pointer
            return;
        }
        // SAFETY: the block is ours and at least 8 bytes, aligned to 8.
        unsafe { *(p as *mut usize) = self.free[idx] };
        self.free[idx] = p;
    }
}

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded (see `Sync`), and the allocator never re-enters.
        let st = unsafe { &mut *self.state.get() };
        match unsafe { st.alloc(&layout) } {
            Some((p, _)) => p as *mut u8,
            None => ptr::null_mut(),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let st = unsafe { &mut *self.state.get() };
        match unsafe { st.alloc(&layout) } {
            Some((p, fresh)) => {
                if !fresh {
                    unsafe { ptr::write_bytes(p as *mut u8, 0, layout.size()) };
                }
                p as *mut u8
            }
            None => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        let st = unsafe { &mut *self.state.get() };
        unsafe { st.dealloc(p as usize, &layout) }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let st = unsafe { &mut *self.state.get() };
        // SAFETY (caller): `new_size`, rounded up to `layout.align()`, does not overflow.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let (Some((_, size)), Some((_, new_class))) = (class_of(&layout), class_of(&new_layout)) else {
            return ptr::null_mut();
        };
        let addr = p as usize;
        if new_class == size {
            return p; // same class: the block already fits
        }
        if addr + size == st.next && addr % block_align(new_class, &new_layout) == 0 {
            // The top block: grow or shrink in place.
            let Some(top) = addr.checked_add(new_class) else { return ptr::null_mut() };
            if !st.reserve(top) {
                return ptr::null_mut();
            }
            st.next = top;
            if top > st.clean {
                st.clean = top;
            }
            return p;
        }
        let Some((q, _)) = (unsafe { st.alloc(&new_layout) }) else { return ptr::null_mut() };
        unsafe {
            ptr::copy_nonoverlapping(p, q as *mut u8, layout.size().min(new_size));
            st.dealloc(addr, &layout);
        }
        q as *mut u8
    }
}
