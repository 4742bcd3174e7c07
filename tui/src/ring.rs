//! A bounded FIFO: every window and sparkline history in this crate has a
//! fixed size, so a long-running dashboard does not grow.

use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> Ring<T> {
    /// # Panics
    /// If `capacity` is 0: a window that holds nothing is a configuration
    /// bug, and every caller passes a constant or a validated setting.
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a ring needs room for at least one item");
        Self {
            items: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Appends, dropping the oldest item when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    /// Inserts `item` where `key` keeps the ring sorted (oldest/smallest
    /// first) and returns what no longer fits: the smallest item when the
    /// ring was full, which is `item` itself if it sorts before everything
    /// held. Items arriving in order go to the back in O(1).
    pub fn insert_ordered_by_key<K: Ord>(&mut self, item: T, key: impl Fn(&T) -> K) -> Option<T> {
        let item_key = key(&item);
        let at = if self.items.back().is_none_or(|last| key(last) <= item_key) {
            self.items.len()
        } else {
            self.items.partition_point(|held| key(held) <= item_key)
        };
        if self.items.len() < self.capacity {
            self.items.insert(at, item);
            return None;
        }
        if at == 0 {
            return Some(item);
        }
        let dropped = self.items.pop_front();
        self.items.insert(at - 1, item);
        dropped
    }

    /// Replaces the newest item; pushes when empty.
    pub fn replace_last(&mut self, item: T) {
        match self.items.back_mut() {
            Some(last) => *last = item,
            None => self.items.push_back(item),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.items.len() == self.capacity
    }

    pub fn first(&self) -> Option<&T> {
        self.items.front()
    }

    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    /// The item before the newest one.
    pub fn second_last(&self) -> Option<&T> {
        self.items
            .len()
            .checked_sub(2)
            .and_then(|i| self.items.get(i))
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        self.items.get(index)
    }

    /// The index of the first item for which `pred` is false, in a ring
    /// ordered so that `pred` holds for a prefix (binary search).
    pub fn partition_point(&self, pred: impl FnMut(&T) -> bool) -> usize {
        self.items.partition_point(pred)
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_drops_the_oldest_when_full() {
        let mut ring = Ring::new(3);
        for i in 0..5 {
            ring.push(i);
        }
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert!(ring.is_full());
        assert_eq!(ring.first(), Some(&2));
        assert_eq!(ring.second_last(), Some(&3));
    }

    #[test]
    fn ordered_insert_keeps_order_and_drops_the_smallest() {
        let mut ring = Ring::new(3);
        assert_eq!(ring.insert_ordered_by_key(5, |x| *x), None);
        assert_eq!(ring.insert_ordered_by_key(1, |x| *x), None);
        assert_eq!(ring.insert_ordered_by_key(3, |x| *x), None);
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![1, 3, 5]);
        assert_eq!(ring.insert_ordered_by_key(4, |x| *x), Some(1));
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(ring.insert_ordered_by_key(9, |x| *x), Some(3));
        assert_eq!(ring.insert_ordered_by_key(2, |x| *x), Some(2), "too old");
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![4, 5, 9]);
    }

    #[test]
    fn replace_last_keeps_length() {
        let mut ring = Ring::new(2);
        ring.replace_last(1);
        assert_eq!(ring.len(), 1);
        ring.push(2);
        ring.replace_last(9);
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![1, 9]);
    }
}
