//! Linear memory and table limits that remember being hit.
//!
//! A denied `memory.grow` returns -1 to the guest, which may handle it (malloc returns NULL)
//! and exit non-zero; the record of the denial is what lets the run be reported as memory
//! exceeded rather than as the guest's own failure.

use wasmtime::ResourceLimiter;

#[derive(Debug)]
pub(crate) struct Limiter {
    memory_limit_bytes: usize,
    table_limit_elements: usize,
    pub(crate) peak_memory_bytes: usize,
    pub(crate) memory_denied: bool,
    pub(crate) table_denied: bool,
}

impl Limiter {
    pub(crate) fn new(memory_limit_bytes: usize, table_limit_elements: usize) -> Self {
        Self {
            memory_limit_bytes,
            table_limit_elements,
            peak_memory_bytes: 0,
            memory_denied: false,
            table_denied: false,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|maximum| desired > maximum) {
            // Past the guest's own declared maximum: `memory.grow` gives -1, as wasm says, and
            // this is not our limit. Refusing here spares wasmtime building an error for it,
            // which captures a backtrace of the guest's whole stack when RUST_BACKTRACE is
            // set: a deep-recursing guest could make every failed grow cost milliseconds.
            return Ok(false);
        }
        if desired > self.memory_limit_bytes {
            self.memory_denied = true;
            return Ok(false);
        }
        // One memory per instance (see `memories`), so its size is the guest's total.
        self.peak_memory_bytes = self.peak_memory_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|maximum| desired > maximum) {
            return Ok(false);
        }
        if desired > self.table_limit_elements {
            self.table_denied = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        crate::engine::MAX_TABLES as usize
    }

    fn memories(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_peak_and_denial() -> wasmtime::Result<()> {
        let mut limiter = Limiter::new(2 << 16, 10);
        assert!(limiter.memory_growing(0, 1 << 16, None)?);
        assert!(limiter.memory_growing(1 << 16, 2 << 16, None)?);
        assert!(!limiter.memory_denied);
        assert!(!limiter.memory_growing(2 << 16, 3 << 16, None)?);
        assert!(limiter.memory_denied);
        assert_eq!(limiter.peak_memory_bytes, 2 << 16);
        assert!(limiter.table_growing(0, 10, None)?);
        assert!(!limiter.table_growing(10, 11, None)?);
        assert!(limiter.table_denied);
        Ok(())
    }

    #[test]
    fn growth_past_the_guests_own_maximum_is_refused_but_not_a_limit_hit() -> wasmtime::Result<()> {
        let mut limiter = Limiter::new(1 << 30, 1 << 20);
        assert!(!limiter.memory_growing(1 << 16, 3 << 16, Some(2 << 16))?);
        assert!(!limiter.table_growing(1, 5, Some(4))?);
        assert!(!limiter.memory_denied && !limiter.table_denied);
        Ok(())
    }
}
