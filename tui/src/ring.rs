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

    /// Adds `items` to a ring kept sorted by `key` (smallest first) and
    /// returns what no longer fits: the smallest items, which may include
    /// some of `items`. Items that sort after everything held (a live tail)
    /// are appended; others are merged in one pass, so a batch costs
    /// O(held + batch) however it interleaves with what is held.
    pub fn merge_sorted_by_key<K: Ord>(
        &mut self,
        mut items: Vec<T>,
        key: impl Fn(&T) -> K,
    ) -> Vec<T> {
        // Stable, so equal keys keep their arrival order.
        items.sort_by(|a, b| key(a).cmp(&key(b)));
        let appends = match (self.items.back(), items.first()) {
            (Some(last), Some(first)) => key(last) <= key(first),
            _ => true,
        };
        if !appends {
            let held = std::mem::take(&mut self.items);
            let mut merged = VecDeque::with_capacity(held.len() + items.len());
            let mut held = held.into_iter().peekable();
            let mut new = items.into_iter().peekable();
            while let (Some(h), Some(n)) = (held.peek(), new.peek()) {
                let next = if key(h) <= key(n) {
                    held.next()
                } else {
                    new.next()
                };
                merged.extend(next);
            }
            merged.extend(held);
            merged.extend(new);
            let excess = merged.len().saturating_sub(self.capacity);
            let dropped = merged.drain(..excess).collect();
            self.items = merged;
            return dropped;
        }
        let mut dropped = Vec::new();
        for item in items {
            if self.items.len() == self.capacity {
                dropped.extend(self.items.pop_front());
            }
            self.items.push_back(item);
        }
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

    proptest::proptest! {
        /// However batches interleave, the ring holds the largest
        /// `capacity` items seen, in order, and hands back all the others.
        #[test]
        fn merged_batches_keep_the_largest_in_order(
            capacity in 1usize..20,
            batches in proptest::collection::vec(proptest::collection::vec(0u32..1_000, 0..15), 0..10),
        ) {
            let mut ring = Ring::new(capacity);
            let mut dropped = Vec::new();
            for batch in &batches {
                dropped.extend(ring.merge_sorted_by_key(batch.clone(), |x| *x));
            }
            let mut all: Vec<u32> = batches.concat();
            all.sort_unstable();
            let kept = all.split_off(all.len().saturating_sub(capacity));
            proptest::prop_assert_eq!(ring.iter().copied().collect::<Vec<_>>(), kept);
            dropped.sort_unstable();
            proptest::prop_assert_eq!(dropped, all);
        }
    }

    #[test]
    fn merge_keeps_order_and_drops_the_smallest() {
        let mut ring = Ring::new(4);
        assert!(ring.merge_sorted_by_key(vec![5, 1, 3], |x| *x).is_empty());
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![1, 3, 5]);
        // Interleaved: merged, and the smallest two no longer fit.
        assert_eq!(ring.merge_sorted_by_key(vec![4, 2, 0], |x| *x), vec![0, 1]);
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4, 5]);
        // After everything held: appended, pushing out the oldest.
        assert_eq!(ring.merge_sorted_by_key(vec![7, 6], |x| *x), vec![2, 3]);
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![4, 5, 6, 7]);
        // Older than everything held: dropped on arrival.
        assert_eq!(ring.merge_sorted_by_key(vec![1], |x| *x), vec![1]);
        assert_eq!(ring.len(), 4);
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
