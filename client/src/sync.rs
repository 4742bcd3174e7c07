//! Poison-tolerant locking: the one way the client takes its std locks.
//!
//! A std `Mutex` or `RwLock` is poisoned when a thread panics while holding
//! it. These helpers take the guard anyway (`PoisonError::into_inner`), the
//! same rule broker-lite's `state::lock` follows. Panicking again instead
//! would turn one bug (in a user callback or in the client) into a panic in
//! every task and every application thread that touches the client later,
//! including `close()` and `Drop`. Why recovering is sound for each kind of
//! state the client locks is argued in `docs/reliability.md`, section 9.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Locks `mutex`, taking the guard even if an earlier holder panicked.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Read-locks `lock`, taking the guard even if an earlier writer panicked.
pub(crate) fn read<T: ?Sized>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Write-locks `lock`, taking the guard even if an earlier holder panicked.
pub(crate) fn write<T: ?Sized>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_mutex_still_yields_its_value() {
        let mutex = std::sync::Arc::new(Mutex::new(7));
        let poisoner = std::sync::Arc::clone(&mutex);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.lock().unwrap_or_else(PoisonError::into_inner);
            panic!("poison it");
        })
        .join();
        assert!(mutex.is_poisoned());
        *lock(&mutex) += 1;
        assert_eq!(*lock(&mutex), 8);
    }

    #[test]
    fn a_poisoned_rwlock_still_reads_and_writes() {
        let rw = std::sync::Arc::new(RwLock::new(String::from("a")));
        let poisoner = std::sync::Arc::clone(&rw);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.write().unwrap_or_else(PoisonError::into_inner);
            panic!("poison it");
        })
        .join();
        assert!(rw.is_poisoned());
        write(&rw).push('b');
        assert_eq!(*read(&rw), "ab");
    }
}
