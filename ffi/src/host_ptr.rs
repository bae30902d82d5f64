//! Pointers the host hands us (`user_data`, token requests) to be passed back from library threads.

/// A host pointer that may cross threads. The library never dereferences it; it only passes it back to
/// the host's own functions.
pub(crate) struct HostPtr<T>(*mut T);

impl<T> HostPtr<T> {
    pub fn new(pointer: *mut T) -> HostPtr<T> {
        HostPtr(pointer)
    }

    pub fn get(self) -> *mut T {
        self.0
    }
}

impl<T> Clone for HostPtr<T> {
    fn clone(&self) -> HostPtr<T> {
        *self
    }
}

impl<T> Copy for HostPtr<T> {}

// SAFETY: the pointer is only handed back to the host, which promised (in the documentation of every
// function that takes one) that it may be used from the library's threads.
unsafe impl<T> Send for HostPtr<T> {}
// SAFETY: as for Send; the library shares it between threads only to pass it back.
unsafe impl<T> Sync for HostPtr<T> {}
