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
    fn replace_last_keeps_length() {
        let mut ring = Ring::new(2);
        ring.replace_last(1);
        assert_eq!(ring.len(), 1);
        ring.push(2);
        ring.replace_last(9);
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![1, 9]);
    }
}
