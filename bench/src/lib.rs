//! `xcode-bench`: the workloads and measuring tools behind `cargo bench -p xcode-bench`.
//!
//! Workloads are hand-written WAT, so no wasm compiler is needed, and each prints a checksum
//! that [`Workload::expected`] computes natively: a benchmark that computes the wrong thing
//! fails instead of reporting a time. Depends on the runtime and on wasmtime directly (for the
//! instrumentation baselines the runtime deliberately does not offer), nothing else.

pub mod native;
pub mod plain;
pub mod raw;
pub mod stats;

/// A compute-bound guest and the size that makes it take a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// A tight 64-bit LCG loop: the smallest possible basic block, so the worst case for any
    /// per-block instrumentation.
    Lcg { iterations: u64 },
    /// Sieve of Eratosthenes over `limit` bytes: memory-bound loops.
    Sieve { limit: u32 },
    /// Naive recursive Fibonacci: call-heavy.
    Fib { n: u32 },
    /// `n`×`n` f64 matrix product: nested loops with floating-point work.
    Matmul { n: u32 },
}

/// Scratch bytes 0..64 belong to `$print_u64`; workloads put their data from here on.
const DATA: u32 = 1024;

impl Workload {
    /// Sizes that take roughly 0.1–0.3 s each natively compiled by Cranelift on this machine.
    pub const BENCH: [Workload; 4] = [
        Workload::Lcg {
            iterations: 300_000_000,
        },
        Workload::Sieve { limit: 50_000_000 },
        Workload::Fib { n: 35 },
        Workload::Matmul { n: 400 },
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Lcg { .. } => "lcg (tight loop)",
            Self::Sieve { .. } => "sieve (memory)",
            Self::Fib { .. } => "fib (calls)",
            Self::Matmul { .. } => "matmul (f64)",
        }
    }

    /// The guest: a WASI command module printing one decimal checksum and a newline.
    pub fn wat(self) -> String {
        match self {
            Self::Lcg { iterations } => module(
                1,
                &format!(
                    r#"(func (export "_start") (local $i i64) (local $x i64)
                         (local.set $x (i64.const 1))
                         (loop $next
                           (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005))
                                                  (i64.const 1442695040888963407)))
                           (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 29))))
                           (local.set $i (i64.add (local.get $i) (i64.const 1)))
                           (br_if $next (i64.lt_u (local.get $i) (i64.const {iterations}))))
                         (call $print_u64 (local.get $x)))"#
                ),
            ),
            Self::Sieve { limit } => module(
                pages_for(DATA + limit),
                &format!(
                    r#"(func (export "_start") (local $i i32) (local $j i32) (local $count i64)
                         (local.set $i (i32.const 2))
                         (block $done
                           (loop $outer
                             (br_if $done (i32.ge_u (local.get $i) (i32.const {limit})))
                             (if (i32.eqz (i32.load8_u offset={DATA} (local.get $i)))
                               (then
                                 (local.set $count (i64.add (local.get $count) (i64.const 1)))
                                 (if (i64.lt_u (i64.mul (i64.extend_i32_u (local.get $i))
                                                        (i64.extend_i32_u (local.get $i)))
                                               (i64.const {limit}))
                                   (then
                                     (local.set $j (i32.mul (local.get $i) (local.get $i)))
                                     (loop $strike
                                       (i32.store8 offset={DATA} (local.get $j) (i32.const 1))
                                       (local.set $j (i32.add (local.get $j) (local.get $i)))
                                       (br_if $strike (i32.lt_u (local.get $j) (i32.const {limit}))))))))
                             (local.set $i (i32.add (local.get $i) (i32.const 1)))
                             (br $outer)))
                         (call $print_u64 (local.get $count)))"#
                ),
            ),
            Self::Fib { n } => module(
                1,
                &format!(
                    r#"(func $fib (param $n i32) (result i64)
                         (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
                           (then (i64.extend_i32_u (local.get $n)))
                           (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                                          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
                       (func (export "_start") (call $print_u64 (call $fib (i32.const {n}))))"#
                ),
            ),
            Self::Matmul { n } => {
                let a = DATA;
                let b = a + 8 * n * n;
                let c = b + 8 * n * n;
                let row = 8 * n;
                module(
                    pages_for(c + 8 * n * n),
                    &format!(
                        r#"(func (export "_start")
                             (local $i i32) (local $j i32) (local $k i32) (local $at i32)
                             (local $pa i32) (local $pb i32) (local $sum f64) (local $total f64)
                             ;; A[i][j] = (i + 2j) % 10, B[i][j] = (3i + j) % 10
                             (loop $init_i
                               (local.set $j (i32.const 0))
                               (loop $init_j
                                 (local.set $at (i32.shl (i32.add (i32.mul (local.get $i) (i32.const {n}))
                                                                  (local.get $j)) (i32.const 3)))
                                 (f64.store offset={a} (local.get $at) (f64.convert_i32_u
                                   (i32.rem_u (i32.add (local.get $i) (i32.shl (local.get $j) (i32.const 1)))
                                              (i32.const 10))))
                                 (f64.store offset={b} (local.get $at) (f64.convert_i32_u
                                   (i32.rem_u (i32.add (i32.mul (local.get $i) (i32.const 3)) (local.get $j))
                                              (i32.const 10))))
                                 (local.set $j (i32.add (local.get $j) (i32.const 1)))
                                 (br_if $init_j (i32.lt_u (local.get $j) (i32.const {n}))))
                               (local.set $i (i32.add (local.get $i) (i32.const 1)))
                               (br_if $init_i (i32.lt_u (local.get $i) (i32.const {n}))))
                             (local.set $i (i32.const 0))
                             (loop $row
                               (local.set $j (i32.const 0))
                               (loop $column
                                 (local.set $sum (f64.const 0))
                                 (local.set $pa (i32.mul (local.get $i) (i32.const {row})))
                                 (local.set $pb (i32.shl (local.get $j) (i32.const 3)))
                                 (local.set $k (i32.const 0))
                                 (loop $dot
                                   (local.set $sum (f64.add (local.get $sum)
                                     (f64.mul (f64.load offset={a} (local.get $pa))
                                              (f64.load offset={b} (local.get $pb)))))
                                   (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
                                   (local.set $pb (i32.add (local.get $pb) (i32.const {row})))
                                   (local.set $k (i32.add (local.get $k) (i32.const 1)))
                                   (br_if $dot (i32.lt_u (local.get $k) (i32.const {n}))))
                                 (f64.store offset={c}
                                   (i32.shl (i32.add (i32.mul (local.get $i) (i32.const {n})) (local.get $j))
                                            (i32.const 3))
                                   (local.get $sum))
                                 (local.set $total (f64.add (local.get $total) (local.get $sum)))
                                 (local.set $j (i32.add (local.get $j) (i32.const 1)))
                                 (br_if $column (i32.lt_u (local.get $j) (i32.const {n}))))
                               (local.set $i (i32.add (local.get $i) (i32.const 1)))
                               (br_if $row (i32.lt_u (local.get $i) (i32.const {n}))))
                             (call $print_u64 (i64.trunc_f64_u (local.get $total))))"#
                    ),
                )
            }
        }
    }

    /// What the guest must print, computed natively.
    pub fn expected(self) -> String {
        let value = match self {
            Self::Lcg { iterations } => {
                let mut x: u64 = 1;
                for _ in 0..iterations {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    x ^= x >> 29;
                }
                x
            }
            Self::Sieve { limit } => {
                let limit = limit as usize;
                let mut composite = vec![false; limit];
                let mut count = 0;
                for i in 2..limit {
                    if !composite[i] {
                        count += 1;
                        for j in (i.saturating_mul(i)..limit).step_by(i) {
                            composite[j] = true;
                        }
                    }
                }
                count
            }
            Self::Fib { n } => {
                let (mut a, mut b) = (0u64, 1u64);
                for _ in 0..n {
                    (a, b) = (b, a + b);
                }
                a
            }
            Self::Matmul { n } => {
                let n = u64::from(n);
                let a = |i: u64, j: u64| (i + 2 * j) % 10;
                let b = |i: u64, j: u64| (3 * i + j) % 10;
                let mut total = 0;
                for i in 0..n {
                    for j in 0..n {
                        total += (0..n).map(|k| a(i, k) * b(k, j)).sum::<u64>();
                    }
                }
                total
            }
        };
        format!("{value}\n")
    }
}

/// The guest every startup benchmark runs: print "hello\n" and return.
pub fn hello() -> String {
    module(
        1,
        r#"(data (i32.const 100) "hello\n")
           (func (export "_start")
             (i32.store (i32.const 48) (i32.const 100))
             (i32.store (i32.const 52) (i32.const 6))
             (drop (call $fd_write (i32.const 1) (i32.const 48) (i32.const 1) (i32.const 56))))"#,
    )
}

fn pages_for(bytes: u32) -> u32 {
    bytes.div_ceil(65536)
}

/// A WASI command module with `pages` of memory, `$print_u64` and `body`.
fn module(pages: u32, body: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") {pages})
  ;; Prints $v in decimal and a newline, using bytes 0..64 as scratch.
  (func $print_u64 (param $v i64) (local $p i32)
    (local.set $p (i32.const 40))
    (i32.store8 (local.get $p) (i32.const 10))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (i32.store (i32.const 48) (local.get $p))
    (i32.store (i32.const 52) (i32.sub (i32.const 41) (local.get $p)))
    (drop (call $fd_write (i32.const 1) (i32.const 48) (i32.const 1) (i32.const 56))))
  {body})"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcode_runtime::{RunSpec, Runtime, RuntimeConfig, Status};

    /// Small sizes of every workload, run in the real sandbox and in every raw baseline.
    const SMALL: [Workload; 4] = [
        Workload::Lcg { iterations: 1_000 },
        Workload::Sieve { limit: 100_000 },
        Workload::Fib { n: 20 },
        Workload::Matmul { n: 12 },
    ];

    #[test]
    fn natively_computed_answers_are_right() {
        assert_eq!(Workload::Sieve { limit: 100 }.expected(), "25\n");
        assert_eq!(Workload::Fib { n: 20 }.expected(), "6765\n");
        // [[0,2],[1,3]] x [[0,1],[3,4]] = [[6,8],[9,13]]
        assert_eq!(Workload::Matmul { n: 2 }.expected(), "36\n");
    }

    #[test]
    fn workloads_print_the_expected_answer_in_the_sandbox() -> anyhow::Result<()> {
        let runtime = Runtime::new(RuntimeConfig::default())?;
        for workload in SMALL {
            let module = runtime.load_bytes(workload.wat().as_bytes())?;
            let outcome = runtime.run(&module, RunSpec::new())?;
            assert_eq!(outcome.status, Status::Exited(0), "{workload:?}");
            assert_eq!(
                String::from_utf8_lossy(&outcome.stdout),
                workload.expected(),
                "{workload:?}"
            );
        }
        let module = runtime.load_bytes(hello().as_bytes())?;
        assert_eq!(runtime.run(&module, RunSpec::new())?.stdout, b"hello\n");
        Ok(())
    }

    #[test]
    fn workloads_print_the_expected_answer_under_every_raw_instrumentation() -> anyhow::Result<()> {
        for instrumentation in raw::Instrumentation::ALL {
            let engine = raw::RawEngine::new(instrumentation)?;
            for workload in SMALL {
                let module = engine.compile(&workload.wat())?;
                let (stdout, _) = engine.run(&module)?;
                assert_eq!(
                    String::from_utf8_lossy(&stdout),
                    workload.expected(),
                    "{workload:?} with {instrumentation:?}"
                );
            }
        }
        Ok(())
    }
}
