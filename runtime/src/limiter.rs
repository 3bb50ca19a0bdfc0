//! Memory and table limits that remember being hit.
//!
//! A denied `memory.grow` returns -1 to the guest, which may handle it (malloc returns NULL)
//! and exit non-zero; the record of the denial is what lets the run be reported as memory
//! exceeded rather than as the guest's own failure.
//!
//! The memory limit covers the guest's linear memory and its GC heap (where wasm exceptions
//! and GC objects live) together: wasmtime grows both through this limiter.

use wasmtime::ResourceLimiter;

#[derive(Debug)]
pub(crate) struct Limiter {
    memory_limit_bytes: usize,
    table_limit_elements: usize,
    /// Linear memory and GC heap together, as granted so far.
    memory_bytes: usize,
    /// The last growth granted, taken back if wasmtime then fails to grow.
    last_growth: usize,
    pub(crate) peak_memory_bytes: usize,
    pub(crate) memory_denied: bool,
    pub(crate) table_denied: bool,
}

impl Limiter {
    pub(crate) fn new(memory_limit_bytes: usize, table_limit_elements: usize) -> Self {
        Self {
            memory_limit_bytes,
            table_limit_elements,
            memory_bytes: 0,
            last_growth: 0,
            peak_memory_bytes: 0,
            memory_denied: false,
            table_denied: false,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
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
        let growth = desired.saturating_sub(current);
        let total = self.memory_bytes.saturating_add(growth);
        if total > self.memory_limit_bytes {
            self.memory_denied = true;
            return Ok(false);
        }
        self.memory_bytes = total;
        self.last_growth = growth;
        self.peak_memory_bytes = self.peak_memory_bytes.max(total);
        Ok(true)
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.memory_bytes -= std::mem::take(&mut self.last_growth);
        Ok(())
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
    fn linear_memory_and_gc_heap_share_the_limit() -> wasmtime::Result<()> {
        let mut limiter = Limiter::new(4 << 16, 10);
        // The linear memory, then the GC heap (each starts from zero), then each grows.
        assert!(limiter.memory_growing(0, 2 << 16, None)?);
        assert!(limiter.memory_growing(0, 1 << 16, None)?);
        assert!(limiter.memory_growing(1 << 16, 2 << 16, None)?);
        assert_eq!(limiter.peak_memory_bytes, 4 << 16);
        assert!(!limiter.memory_growing(2 << 16, 3 << 16, None)?);
        assert!(limiter.memory_denied);
        Ok(())
    }

    #[test]
    fn a_failed_growth_is_taken_back() -> wasmtime::Result<()> {
        let mut limiter = Limiter::new(3 << 16, 10);
        assert!(limiter.memory_growing(0, 2 << 16, None)?);
        assert!(limiter.memory_growing(2 << 16, 3 << 16, None)?);
        limiter.memory_grow_failed(wasmtime::Error::msg("no room"))?;
        assert!(limiter.memory_growing(2 << 16, 3 << 16, None)?);
        assert!(!limiter.memory_denied);
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
