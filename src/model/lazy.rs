//! Per-sensor state that only some sensors use, in memory the system gives lazily.
//!
//! Sensors are numbered class by class, so the sensors of the classes that use a piece
//! of state (a LoRa device's queue, an NB-IoT device, a mobile sensor's leg, a mesh
//! sensor's parent) fill whole stretches of a per-sensor vector. Allocated zeroed, the
//! pages of a vector that are never written are never given memory by the system (it
//! maps them on the first write): only the stretches of the classes that use the state,
//! written with its starting value, take memory. The other sensors' entries are never
//! read.

use std::alloc::Layout;
use std::ops::Range;

/// Plain values whose all-zero bits are a valid value of the type.
///
/// # Safety
///
/// Implement it only for types made of integers, floats, bools and other such types: no
/// references, no boxes or vectors, no enums, no `NonZero` integers.
pub(crate) unsafe trait Zeroable: Copy {}

// SAFETY: an integer.
unsafe impl Zeroable for u32 {}

/// `n` values: `value` for the sensors in `ranges`, all-zero bits for the others.
/// The stretches are mapped with huge pages where the system allows. With `n` = 0,
/// nothing is kept (an empty vector, whatever the ranges).
pub(crate) fn per_sensor<T: Zeroable>(n: usize, ranges: &[Range<usize>], value: T) -> Vec<T> {
    let mut v = zeroed(n);
    if n == 0 {
        // Nothing is kept.
        return v;
    }
    for r in ranges {
        let stretch = &mut v[r.clone()];
        huge_pages(
            stretch.as_mut_ptr().cast::<u8>(),
            std::mem::size_of_val(stretch),
        );
        stretch.fill(value);
    }
    v
}

/// `n` values of all-zero bits, in zeroed memory (pages the system maps when written).
pub(crate) fn zeroed<T: Zeroable>(n: usize) -> Vec<T> {
    // The C allocator gives zeroed memory lazily only at its own alignment (16 B on
    // 64-bit systems): a more aligned type's memory would be written with zeros page
    // by page, every sensor's.
    const { assert!(std::mem::align_of::<T>() <= 16) };
    let layout = Layout::array::<T>(n).expect("a per-sensor vector fits in memory");
    if layout.size() == 0 {
        return Vec::new();
    }
    // SAFETY: the layout's size is not zero; the global allocator's zeroed memory holds
    // `n` valid values of `T` (all-zero bits, by `Zeroable`), and the vector takes
    // ownership of it with the layout it was allocated with (that of `n` values).
    unsafe {
        let p = std::alloc::alloc_zeroed(layout).cast::<T>();
        if p.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        Vec::from_raw_parts(p, n, n)
    }
}

/// Asks the system to map the 2 MiB-aligned stretches of the `len` bytes at `p` with
/// huge pages where it can: a reading of one of a million sensors then misses no
/// address translation (a 4 KiB page per sensor's state otherwise). Only memory that
/// will be written is asked for: a huge page is mapped whole on its first write.
fn huge_pages(p: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(HUGE);
        let end = (p as usize + len) / HUGE * HUGE;
        if end > start {
            // SAFETY: advice on memory this allocation owns; it changes no contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}

/// The stretches of sensors (classes ending at `class_end`) of the classes `pick` takes,
/// neighbouring stretches joined.
pub(crate) fn class_ranges(class_end: &[u32], pick: impl Fn(usize) -> bool) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    for (c, &end) in class_end.iter().enumerate() {
        let end = end as usize;
        if pick(c) && start < end {
            match out.last_mut() {
                Some(last) if last.end == start => last.end = end,
                _ => out.push(start..end),
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_picked_stretches_hold_the_value() {
        // Classes of 2, 0, 3, 1 and 4 sensors; the first, third, fourth and fifth picked.
        let ends = [2, 2, 5, 6, 10];
        let r = class_ranges(&ends, |c| c != 1);
        assert_eq!(r, vec![0..10]);
        let r = class_ranges(&ends, |c| c == 0 || c == 3);
        assert_eq!(r, vec![0..2, 5..6]);
        let v = per_sensor(10, &r, 7u32);
        assert_eq!(v, [7, 7, 0, 0, 0, 7, 0, 0, 0, 0]);
        assert!(zeroed::<u32>(0).is_empty());
    }
}
