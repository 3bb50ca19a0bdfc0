//! Differential test of the metering pass: random modules from `wasm-smith`, run metered and
//! unmetered (with wasmtime's own fuel as the reference's bound), must compute the same results,
//! traps, globals and memory, and the metered run must always end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use wasmparser::{Operator, Validator};
use wasmtime::{
    Config, Engine, Extern, ExternType, Func, Global, Instance, Memory, MemoryType, Module, Ref,
    SharedMemory, Store, Table, Tag, ThrownException, Trap, Val,
};

use crate::limiter::Limiter;

use super::{
    DEADLINE_EXPORT, FUEL_EXPORT, START_EXPORT, STOP_DEADLINE, STOP_EXPORT, guest_features,
    instrument,
};

/// Modules compared per run of the test (generated ones the sandbox refuses, e.g. with
/// `externref`, do not count).
const MODULES: usize = 1_500;
/// Times every export is called, in turn, on the same instances.
const ROUNDS: usize = 3;
/// Fuel for each metered call; the reference gets ten times more, so that wherever the
/// metered run finishes, the reference does too.
const METERED_FUEL: i64 = 200_000;
const REFERENCE_FUEL: u64 = 2_000_000;

fn engine(reference: bool) -> Engine {
    let mut config = Config::new();
    config
        .cranelift_nan_canonicalization(true)
        .relaxed_simd_deterministic(true)
        .consume_fuel(reference)
        .wasm_multi_memory(true)
        .wasm_threads(true)
        .shared_memory(true)
        .max_wasm_stack(512 << 10);
    Engine::new(&config).expect("test engine")
}

/// What a generated module may use besides WebAssembly 2.0's core.
#[derive(Clone, Copy)]
enum Extras {
    None,
    /// With reference types, wasm-smith mostly writes `externref`, which the sandbox refuses;
    /// the others exercise `table.fill`, `table.grow` and friends.
    ReferenceTypes,
    /// `try_table`, `throw`, `throw_ref` and tags: the metering of landings.
    Exceptions,
    /// Structs, arrays (`array.new`, `array.fill`, `array.copy`, ... charged per element),
    /// `br_on_cast` and friends, `call_ref`.
    Gc,
}

fn smith_config(extras: Extras) -> wasm_smith::Config {
    wasm_smith::Config {
        // Imported functions (host calls), memories (the clock then comes second), globals and
        // tables, all provided by `imports`.
        max_imports: 6,
        min_funcs: 1,
        max_funcs: 12,
        max_instructions: 120,
        max_memories: 1,
        max_tables: 2,
        max_memory32_bytes: 4 << 16,
        max_table_elements: 200,
        memory64_enabled: false,
        threads_enabled: false,
        exceptions_enabled: matches!(extras, Extras::Exceptions),
        max_tags: 3,
        gc_enabled: matches!(extras, Extras::Gc),
        reference_types_enabled: matches!(extras, Extras::ReferenceTypes | Extras::Gc),
        bulk_memory_enabled: true,
        simd_enabled: true,
        relaxed_simd_enabled: true,
        tail_call_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        extended_const_enabled: true,
        export_everything: true,
        allow_start_export: true,
        canonicalize_nans: false,
        ..wasm_smith::Config::default()
    }
}

/// A store with the sandbox's own limiter and an 8 MiB memory limit: it refuses growth past a
/// memory's or table's declared maximum before wasmtime builds an error for it, which (with
/// RUST_BACKTRACE set) captures a backtrace of the whole guest stack and makes a recursing
/// guest crawl.
fn store(engine: &Engine) -> Store<Limiter> {
    // Memories stay under 256 KiB (`smith_config`); the limit bounds GC heaps, whose zeroing
    // would otherwise dominate the test (arrays of millions of elements).
    let mut store = Store::new(engine, Limiter::new(8 << 20, usize::MAX));
    store.limiter(|limiter| limiter);
    store
}

/// What a call did, in a comparable form.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Called {
    Returned(Vec<String>),
    Trapped(String),
}

fn comparable(value: &Val) -> String {
    match value {
        Val::I32(x) => format!("i32:{x}"),
        Val::I64(x) => format!("i64:{x}"),
        Val::F32(bits) => format!("f32:{bits:#x}"),
        Val::F64(bits) => format!("f64:{bits:#x}"),
        Val::V128(v) => format!("v128:{:#x}", v.as_u128()),
        Val::FuncRef(f) => format!("funcref:{}", f.is_some()),
        Val::ExternRef(r) => format!("externref:{}", r.is_some()),
        // GC objects live in each store's own heap: whether there is one is what compares.
        Val::AnyRef(r) => format!("anyref:{}", r.is_some()),
        Val::ExnRef(r) => format!("exnref:{}", r.is_some()),
        Val::ContRef(r) => format!("contref:{}", r.is_some()),
    }
}

fn outcome(result: wasmtime::Result<Vec<Val>>) -> Called {
    match result {
        Ok(values) => Called::Returned(values.iter().map(comparable).collect()),
        Err(error) => Called::Trapped(match error.downcast_ref::<Trap>() {
            Some(trap) => format!("{trap:?}"),
            // Its message carries a backtrace, whose offsets metering moves.
            None if error.is::<ThrownException>() => "uncaught exception".into(),
            None => format!("{error:#}"),
        }),
    }
}

/// The payload of the exception a call left uncaught (taken from the store, which holds it).
fn thrown<T>(store: &mut Store<T>) -> Option<Vec<String>> {
    let exception = store.take_pending_exception()?;
    let fields = exception
        .tag(&mut *store)
        .ok()?
        .ty(&*store)
        .ty()
        .params()
        .len();
    Some(
        (0..fields)
            .map(|index| {
                exception
                    .field(&mut *store, index)
                    .map_or_else(|e| format!("{e:#}"), |value| comparable(&value))
            })
            .collect(),
    )
}

/// Exported globals and memory bytes, for comparing state after each call.
fn state<T>(store: &mut Store<T>, instance: &Instance, names: &[String]) -> Vec<String> {
    let mut seen = Vec::new();
    for name in names {
        match instance.get_export(&mut *store, name) {
            Some(Extern::Global(global)) => {
                seen.push(format!("{name}={}", comparable(&global.get(&mut *store))));
            }
            Some(Extern::Memory(memory)) => {
                let hash = memory
                    .data(&*store)
                    .iter()
                    .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(*b)));
                seen.push(format!("{name}#{hash:x}/{}", memory.data_size(&*store)));
            }
            _ => {}
        }
    }
    seen
}

struct Comparison {
    calls: usize,
    out_of_fuel: usize,
}

/// Runs every exported function of `wasm`, metered and not, and compares. `None` when the
/// sandbox refuses the module (e.g. it uses `externref`) or the reference cannot run it.
fn compare(wasm: &[u8], engines: &(Engine, Engine), clock: &SharedMemory) -> Option<Comparison> {
    Validator::new_with_features(guest_features())
        .validate_all(wasm)
        .ok()?;
    let (reference_engine, metered_engine) = engines;
    let reference_module = Module::new(reference_engine, wasm).ok()?;
    let metered_wasm = instrument(wasm).unwrap_or_else(|e| panic!("metering failed: {e}"));
    let metered_module = Module::new(metered_engine, &metered_wasm)
        .unwrap_or_else(|e| panic!("metered module is invalid: {e:#}"));

    let mut reference = store(reference_engine);
    reference.set_fuel(REFERENCE_FUEL).ok()?;
    let reference_imports = imports(&mut reference, &reference_module)?;
    let reference_instance = Instance::new(&mut reference, &reference_module, &reference_imports);

    let mut metered = store(metered_engine);
    // The same items (of this engine's types), then the clock, which metering imports last.
    let mut metered_imports = imports(&mut metered, &metered_module)?;
    metered_imports.push(clock.clone().into());
    let metered_instance = match Instance::new(&mut metered, &metered_module, &metered_imports) {
        Ok(instance) => instance,
        Err(metered_error) => {
            // E.g. a data segment out of bounds: the reference must fail the same way.
            let reference_error = reference_instance
                .err()
                .unwrap_or_else(|| panic!("only the metered module failed: {metered_error:#}"));
            // Constant expressions (a global's `array.new` of a billion elements) run
            // unmetered while instantiating; the reference's fuel counts them.
            if !out_of_fuel(&reference_error) {
                assert_eq!(outcome(Err(reference_error)), outcome(Err(metered_error)));
            }
            return None;
        }
    };
    let global = |store: &mut Store<Limiter>, name: &str| {
        metered_instance
            .get_global(&mut *store, name)
            .unwrap_or_else(|| panic!("metering global {name}"))
    };
    global(&mut metered, FUEL_EXPORT)
        .set(&mut metered, Val::I64(METERED_FUEL))
        .ok()?;
    global(&mut metered, DEADLINE_EXPORT)
        .set(&mut metered, Val::I64(i64::MAX))
        .ok()?;
    // The reference ran its start function while instantiating; the metered module runs it now.
    let started = match metered_instance.get_func(&mut metered, START_EXPORT) {
        Some(start) => start.call(&mut metered, &[], &mut []),
        None => Ok(()),
    };
    let stopped = global(&mut metered, STOP_EXPORT).get(&mut metered).i32() != Some(0);
    let reference_instance = match (reference_instance, started) {
        (Ok(instance), Ok(())) => instance,
        (Err(reference_error), _) if out_of_fuel(&reference_error) => return None,
        (_, Err(_)) if stopped => return None,
        (Err(reference_error), Err(metered_error)) => {
            assert_eq!(
                outcome(Err(reference_error)),
                outcome(Err(metered_error)),
                "start function"
            );
            return None;
        }
        (reference, metered) => panic!(
            "start function: reference {:?}, metered {:?}",
            reference.err().map(|e| format!("{e:#}")),
            metered.err().map(|e| format!("{e:#}"))
        ),
    };

    let names: Vec<String> = reference_module
        .exports()
        .map(|export| export.name().to_owned())
        .collect();
    let mut comparison = Comparison {
        calls: 0,
        out_of_fuel: 0,
    };
    for name in std::iter::repeat_n(&names, ROUNDS).flatten() {
        let Some(reference_func) = reference_instance.get_func(&mut reference, name) else {
            continue;
        };
        let metered_func = metered_instance
            .get_func(&mut metered, name)
            .unwrap_or_else(|| panic!("metered module lost export {name}"));
        let ty = reference_func.ty(&reference);
        let params: Vec<Val> = ty
            .params()
            .map(|ty| Val::default_for_ty(&ty).expect("defaultable parameter"))
            .collect();
        let mut results = vec![Val::I32(0); ty.results().len()];

        reference.set_fuel(REFERENCE_FUEL).ok()?;
        let reference_result = reference_func
            .call(&mut reference, &params, &mut results)
            .map(|()| results.clone());
        global(&mut metered, FUEL_EXPORT)
            .set(&mut metered, Val::I64(METERED_FUEL))
            .ok()?;
        let metered_result = metered_func
            .call(&mut metered, &params, &mut results)
            .map(|()| results.clone());

        let stop = global(&mut metered, STOP_EXPORT).get(&mut metered).i32();
        if stop != Some(0) {
            // Out of fuel: the two runs part ways here.
            assert!(metered_result.is_err(), "{name}: stopped but returned");
            comparison.out_of_fuel += 1;
            return Some(comparison);
        }
        let stack_overflow = |result: &wasmtime::Result<Vec<Val>>| {
            result
                .as_ref()
                .err()
                .and_then(|e| e.downcast_ref::<Trap>())
                .is_some_and(|trap| *trap == Trap::StackOverflow)
        };
        assert!(
            !reference_result.as_ref().err().is_some_and(out_of_fuel),
            "{name}: the reference used ten times the metered budget, the metered run finished: \
             fuel accounting diverges"
        );
        if stack_overflow(&reference_result) || stack_overflow(&metered_result) {
            // Metering adds locals, so frames differ in size: stack depth is not compared.
            return Some(comparison);
        }
        if reference_result.is_ok() && metered_result.is_ok() {
            // Same costs as wasmtime's defaults, counted at the same points: the same total.
            let reference_used = REFERENCE_FUEL - reference.get_fuel().ok()?;
            let left = global(&mut metered, FUEL_EXPORT).get(&mut metered).i64();
            let metered_used = left.map(|left| METERED_FUEL - left);
            assert_eq!(
                Some(i64::try_from(reference_used).ok()?),
                metered_used,
                "fuel used by {name}"
            );
        }
        assert_eq!(
            outcome(reference_result),
            outcome(metered_result),
            "export {name}"
        );
        assert_eq!(
            thrown(&mut reference),
            thrown(&mut metered),
            "exception left by {name}"
        );
        assert_eq!(
            state(&mut reference, &reference_instance, &names),
            state(&mut metered, &metered_instance, &names),
            "state after {name}"
        );
        comparison.calls += 1;
    }
    Some(comparison)
}

/// The same host items for both runs: functions that return zeros (a host call costs one
/// unit of fuel whatever it does), and fresh memories, globals and tables of the imported types.
/// `None` for imports this test cannot provide.
fn imports(store: &mut Store<Limiter>, module: &Module) -> Option<Vec<Extern>> {
    let mut items = Vec::new();
    for import in module.imports() {
        if import.module() == super::CLOCK_MODULE {
            continue;
        }
        items.push(match import.ty() {
            ExternType::Func(ty) => {
                let zeros = ty
                    .results()
                    .map(|ty| Val::default_for_ty(&ty))
                    .collect::<Option<Vec<_>>>()?;
                let func = Func::new(&mut *store, ty, move |_, _, results| {
                    results.clone_from_slice(&zeros);
                    Ok(())
                });
                func.into()
            }
            ExternType::Memory(ty) => Memory::new(&mut *store, ty).ok()?.into(),
            ExternType::Global(ty) => {
                let value = Val::default_for_ty(ty.content())?;
                Global::new(&mut *store, ty, value).ok()?.into()
            }
            ExternType::Table(ty) => {
                let init = Ref::Func(None);
                Table::new(&mut *store, ty, init).ok()?.into()
            }
            ExternType::Tag(ty) => Tag::new(&mut *store, &ty).ok()?.into(),
        });
    }
    Some(items)
}

fn out_of_fuel(error: &wasmtime::Error) -> bool {
    error
        .downcast_ref::<Trap>()
        .is_some_and(|trap| *trap == Trap::OutOfFuel)
}

fn random_module(seed: u64) -> Option<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut bytes = vec![0u8; 16 << 10];
    rng.fill_bytes(&mut bytes);
    let mut u = arbitrary::Unstructured::new(&bytes);
    let extras = match seed % 4 {
        0 => Extras::None,
        1 => Extras::ReferenceTypes,
        2 => Extras::Exceptions,
        _ => Extras::Gc,
    };
    wasm_smith::Module::new(smith_config(extras), &mut u)
        .ok()
        .map(|module| module.to_bytes())
}

/// Aborts the test process if the differential run hangs: a metering bug that lets a loop
/// escape its fuel would otherwise hang CI instead of failing it.
fn watchdog(done: &'static AtomicBool, limit: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        if !done.load(Ordering::SeqCst) {
            eprintln!(
                "metering differential test still running after {limit:?}: a guest escaped its fuel"
            );
            std::process::abort();
        }
    });
}

#[test]
fn metered_modules_compute_what_unmetered_ones_do() {
    static DONE: AtomicBool = AtomicBool::new(false);
    watchdog(&DONE, Duration::from_secs(120));
    let engines = (engine(true), engine(false));
    let clock = SharedMemory::new(&engines.1, MemoryType::shared(1, 1)).expect("clock");
    let (mut modules, mut calls, mut out_of_fuel, mut catching, mut gc) = (0, 0, 0, 0, 0);
    for seed in 0..(MODULES as u64 * 10) {
        if modules == MODULES {
            break;
        }
        let Some(wasm) = random_module(seed) else {
            continue;
        };
        if let Some(comparison) = compare(&wasm, &engines, &clock) {
            modules += 1;
            catching += usize::from(uses(&wasm, |op| matches!(op, Operator::TryTable { .. })));
            gc += usize::from(uses(&wasm, |op| {
                matches!(
                    op,
                    Operator::StructNew { .. }
                        | Operator::ArrayNew { .. }
                        | Operator::ArrayNewDefault { .. }
                        | Operator::ArrayNewFixed { .. }
                )
            }));
            calls += comparison.calls;
            out_of_fuel += comparison.out_of_fuel;
        }
    }
    DONE.store(true, Ordering::SeqCst);
    // The generator must have produced real work, including guests that run out of fuel.
    assert_eq!(modules, MODULES, "too few runnable modules generated");
    assert!(calls > 1_000, "only {calls} calls compared");
    assert!(out_of_fuel > 0, "no guest ever ran out of fuel");
    assert!(
        catching > 50,
        "only {catching} modules with try_table compared"
    );
    assert!(gc > 50, "only {gc} modules allocating GC objects compared");
}

/// Whether any function of `wasm` has an operator `wanted` picks.
fn uses(wasm: &[u8], wanted: impl Fn(&Operator<'_>) -> bool) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .flatten()
        .any(|payload| match payload {
            wasmparser::Payload::CodeSectionEntry(body) => body
                .get_operators_reader()
                .is_ok_and(|reader| reader.into_iter().flatten().any(|op| wanted(&op))),
            _ => false,
        })
}

#[test]
fn a_passed_deadline_stops_every_function_at_entry() {
    let engine = engine(false);
    let clock = SharedMemory::new(&engine, MemoryType::shared(1, 1)).expect("clock");
    let wasm = wat::parse_str(
        r#"(module
             (func (export "spin") (loop $l (br $l)))
             (func (export "answer") (result i32) (i32.const 42)))"#,
    )
    .expect("wat");
    let module = Module::new(&engine, instrument(&wasm).expect("metered")).expect("compiles");
    let mut store = store(&engine);
    let instance = Instance::new(&mut store, &module, &[clock.into()]).expect("instantiates");
    let set = |store: &mut Store<Limiter>, name: &str, value: i64| {
        instance
            .get_global(&mut *store, name)
            .expect("global")
            .set(&mut *store, Val::I64(value))
            .expect("set");
    };
    set(&mut store, FUEL_EXPORT, 1_000_000);
    // The clock reads 0, so a deadline of 0 has passed.
    set(&mut store, DEADLINE_EXPORT, 0);
    for name in ["spin", "answer"] {
        let func = instance.get_func(&mut store, name).expect("export");
        let mut results = vec![Val::I32(0); func.ty(&store).results().len()];
        assert!(func.call(&mut store, &[], &mut results).is_err(), "{name}");
        let stop = instance
            .get_global(&mut store, STOP_EXPORT)
            .expect("stop")
            .get(&mut store);
        assert_eq!(stop.i32(), Some(STOP_DEADLINE), "{name}");
    }
    // With the deadline ahead, the same function returns.
    set(&mut store, DEADLINE_EXPORT, i64::MAX);
    let answer = instance.get_func(&mut store, "answer").expect("export");
    let mut results = [Val::I32(0)];
    answer.call(&mut store, &[], &mut results).expect("returns");
    assert_eq!(results[0].i32(), Some(42));
}

/// Exceptions that cross functions: the catching function's fuel is reloaded at each landing
/// (a block, an `if` and a loop a catch clause targets), so fuel matches wasmtime's exactly.
/// wasm-smith rarely writes a call that throws inside a `try_table`.
#[test]
fn exceptions_caught_across_calls_use_the_same_fuel() {
    let wasm = wat::parse_str(
        r#"(module
             (tag $e (param i32))
             (global $tries (mut i32) (i32.const 3))
             (func $work (param i32) (result i32)
               (local i32)
               (loop $l
                 (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                 (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
               (throw $e (local.get 1)))
             (func (export "block") (result i32)
               (block $h (result i32)
                 (try_table (catch $e $h) (drop (call $work (i32.const 100))))
                 (i32.const -1))
               (i32.const 1)
               (i32.add))
             (func (export "in_a_loop") (result i32)
               (local i32 i32)
               (loop $again
                 (block $h (result i32)
                   (try_table (result i32) (catch $e $h) (call $work (i32.const 10))))
                 (local.set 0 (i32.add (local.get 0)))
                 (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                 (br_if $again (i32.lt_u (local.get 1) (i32.const 5))))
               (local.get 0))
             (func (export "retry_loop") (result i32)
               (local i32)
               (global.set $tries (i32.const 3))
               (loop $retry
                 (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                 (try_table (catch_all $retry)
                   (if (global.get $tries)
                     (then
                       (global.set $tries (i32.sub (global.get $tries) (i32.const 1)))
                       (drop (call $work (i32.const 20)))))))
               (local.get 0))
             (func (export "if_without_else") (param i32) (result i32)
               (local i32)
               (block $h (result i32)
                 (try_table (catch $e $h)
                   (if (local.get 0) (then (drop (call $work (i32.const 7))))))
                 (i32.const 0))
               (local.set 1)
               (local.get 1))
             (func (export "uncaught") (result i32) (call $work (i32.const 3))))"#,
    )
    .expect("wat");
    let engines = (engine(true), engine(false));
    let clock = SharedMemory::new(&engines.1, MemoryType::shared(1, 1)).expect("clock");
    let comparison = compare(&wasm, &engines, &clock).expect("compared");
    assert_eq!(comparison.calls, 5 * ROUNDS);
    assert_eq!(comparison.out_of_fuel, 0);
}
