//! A slab: values stored by a reusable `u32` slot, freed slots handed out again first,
//! so steady-state work allocates nothing.

/// Values in reusable slots.
#[derive(Debug, Clone)]
pub(crate) struct Slab<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// Stores `value` in a free slot (or a new one) and returns the slot.
    #[inline]
    pub fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.items[i as usize] = value;
                i
            }
            None => {
                self.items.push(value);
                (self.items.len() - 1) as u32
            }
        }
    }

    /// Frees slot `i` (its value stays readable until the slot is reused).
    #[inline]
    pub fn free(&mut self, i: u32) {
        self.free.push(i);
    }
}

impl<T> std::ops::Index<u32> for Slab<T> {
    type Output = T;
    #[inline]
    fn index(&self, i: u32) -> &T {
        &self.items[i as usize]
    }
}

impl<T> std::ops::IndexMut<u32> for Slab<T> {
    #[inline]
    fn index_mut(&mut self, i: u32) -> &mut T {
        &mut self.items[i as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_slots_are_reused_first() {
        let mut s = Slab::default();
        let a = s.insert('a');
        let b = s.insert('b');
        s.free(a);
        let c = s.insert('c');
        assert_eq!((a, b, c), (0, 1, 0));
        assert_eq!((s[b], s[c]), ('b', 'c'));
        assert_eq!(s.insert('d'), 2);
    }
}
