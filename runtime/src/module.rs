//! A loaded module, ready to instantiate: compiled (or mapped from the cache) and linked once.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use wasmtime::{AsContextMut, Global, Instance, InstancePre, Linker, ModuleExport, TypedFunc};

use crate::cache::{ModuleCache, Origin};
use crate::meter;
use crate::run::Guest;
use crate::stack;
use crate::{Error, Result};

/// A module loaded by a [`crate::Runtime`]. Cheap to clone; safe to run from many threads.
#[derive(Clone)]
pub struct Module(Arc<Inner>);

struct Inner {
    pre: InstancePre<Guest>,
    sha256: [u8; 32],
    origin: Origin,
    meter: MeterExports,
    /// The top of a stack-first stack (`stack.rs`).
    stack_top: Option<u32>,
}

/// The handles metering added to the module (see `meter.rs`), resolved once at load.
struct MeterExports {
    fuel: ModuleExport,
    deadline: ModuleExport,
    stop: ModuleExport,
    start: Option<ModuleExport>,
    entry: ModuleExport,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("sha256", &self.sha256_hex())
            .field("origin", &self.0.origin)
            .finish()
    }
}

impl Module {
    /// Compiles or maps `bytes` (binary `.wasm` or text `.wat`) and links it against WASI.
    pub(crate) fn load(bytes: &[u8], linker: &Linker<Guest>, cache: &ModuleCache) -> Result<Self> {
        let wasm = to_binary(bytes)?;
        let sha256: [u8; 32] = Sha256::digest(&wasm).into();
        let stack_top = stack::stack_first_top(&wasm);
        let (module, origin) = cache.load(linker.engine(), &sha256, || {
            meter::instrument(&wasm).map_err(Error::InvalidModule)
        })?;

        let takes_start = module
            .get_export("_start")
            .and_then(|export| export.func().cloned())
            .is_some_and(|ty| ty.params().len() == 0 && ty.results().len() == 0);
        if !takes_start {
            return Err(Error::InvalidModule(
                "no `_start` function of type () -> (): Xcode runs WASI command modules".into(),
            ));
        }

        // Imports the sandbox does not provide (sockets, other hosts' APIs) link to functions
        // that trap when called, so programs that merely mention them still run.
        let mut linker = linker.clone();
        linker
            .define_unknown_imports_as_traps(&module)
            .map_err(|e| Error::InvalidModule(format!("{e:#}")))?;
        let export = |name: &str| {
            module.get_export_index(name).ok_or_else(|| {
                Error::InvalidModule(format!("metered module lacks its `{name}` export"))
            })
        };
        let meter = MeterExports {
            fuel: export(meter::FUEL_EXPORT)?,
            deadline: export(meter::DEADLINE_EXPORT)?,
            stop: export(meter::STOP_EXPORT)?,
            start: module.get_export_index(meter::START_EXPORT),
            entry: export("_start")?,
        };
        let pre = linker
            .instantiate_pre(&module)
            .map_err(|e| Error::InvalidModule(format!("{e:#}")))?;
        Ok(Self(Arc::new(Inner {
            pre,
            sha256,
            origin,
            meter,
            stack_top,
        })))
    }

    /// sha256 of the module's binary form (after `.wat` is assembled).
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.0.sha256)
    }

    /// Whether this load was served by the on-disk cache rather than by compiling.
    pub fn from_cache(&self) -> bool {
        self.0.origin == Origin::Cached
    }

    pub(crate) fn pre(&self) -> &InstancePre<Guest> {
        &self.0.pre
    }

    /// Where a stack-first stack starts (it grows down to 0), if the module has one.
    pub(crate) fn stack_top(&self) -> Option<u32> {
        self.0.stack_top
    }

    /// Gives a fresh instance its fuel and deadline (milliseconds on the runtime's clock).
    pub(crate) fn arm(
        &self,
        mut store: impl AsContextMut,
        instance: &Instance,
        fuel: i64,
        deadline_ms: i64,
    ) -> wasmtime::Result<()> {
        let meter = &self.0.meter;
        global(&mut store, instance, &meter.fuel)?.set(&mut store, fuel.into())?;
        global(&mut store, instance, &meter.deadline)?.set(&mut store, deadline_ms.into())
    }

    /// The fuel left and why metering stopped the guest (0: it did not; see `meter::STOP_*`).
    pub(crate) fn meter_reading(
        &self,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<(i64, i32)> {
        let meter = &self.0.meter;
        let fuel = global(&mut store, instance, &meter.fuel)?.get(&mut store);
        let stop = global(&mut store, instance, &meter.stop)?.get(&mut store);
        let wrong = || wasmtime::Error::msg("metering global of the wrong type");
        Ok((fuel.i64().ok_or_else(wrong)?, stop.i32().ok_or_else(wrong)?))
    }

    /// The guest's start function (moved out of instantiation by metering), then `_start`.
    pub(crate) fn entry_points(
        &self,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<[Option<TypedFunc<(), ()>>; 2]> {
        let meter = &self.0.meter;
        let mut func = |export: &ModuleExport| -> wasmtime::Result<TypedFunc<(), ()>> {
            instance
                .get_module_export(&mut store, export)
                .and_then(|export| export.into_func())
                .ok_or_else(|| wasmtime::Error::msg("entry point is not a function"))?
                .typed(&mut store)
        };
        let start = meter.start.as_ref().map(&mut func).transpose()?;
        Ok([start, Some(func(&meter.entry)?)])
    }
}

fn global(
    mut store: impl AsContextMut,
    instance: &Instance,
    export: &ModuleExport,
) -> wasmtime::Result<Global> {
    instance
        .get_module_export(&mut store, export)
        .and_then(|export| export.into_global())
        .ok_or_else(|| wasmtime::Error::msg("metering global missing"))
}

/// The binary form of a module given as `.wasm` or `.wat`.
fn to_binary(bytes: &[u8]) -> Result<Vec<u8>> {
    const WASM_MAGIC: &[u8] = b"\0asm";
    if let Some(version) = bytes.strip_prefix(WASM_MAGIC) {
        // Core modules are version 1 (layer 0); components share the magic with another layer.
        if version.get(2..4).is_some_and(|layer| layer != [0, 0]) {
            return Err(Error::InvalidModule(
                "this is a WebAssembly component; Xcode runs WASI preview 1 core modules".into(),
            ));
        }
        return Ok(bytes.to_vec());
    }
    wat::parse_bytes(bytes)
        .map(|wasm| wasm.into_owned())
        .map_err(|e| {
            Error::InvalidModule(format!(
                "neither WebAssembly binary nor text: {}",
                wat_error_line(&e.to_string())
            ))
        })
}

/// wat's message with its position, without the source excerpt it draws below:
/// "expected `)` (at line 3, column 7)".
fn wat_error_line(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let message = lines.next().unwrap_or_default().trim();
    let position = lines
        .find_map(|line| line.trim().strip_prefix("-->"))
        .and_then(|location| {
            let mut parts = location.trim().rsplitn(3, ':');
            let column = parts.next()?;
            let line = parts.next()?;
            Some(format!(" (at line {line}, column {column})"))
        });
    format!("{message}{}", position.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_give_the_same_bytes() -> Result<()> {
        let binary = to_binary(b"(module)")?;
        assert_eq!(binary, b"\0asm\x01\0\0\0");
        assert_eq!(to_binary(&binary)?, binary);
        Ok(())
    }

    #[test]
    fn text_errors_are_one_line_with_a_position() {
        let error = to_binary(b"(module\n  (func (result i32)\n    (i32.const)))")
            .expect_err("i32.const needs an operand");
        let Error::InvalidModule(message) = error else {
            panic!("{error:?}")
        };
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("(at line 3, column"), "{message}");
    }

    #[test]
    fn rejects_components_and_garbage() {
        let component = b"\0asm\x0d\0\x01\0";
        assert!(
            matches!(to_binary(component), Err(Error::InvalidModule(m)) if m.contains("component"))
        );
        assert!(matches!(
            to_binary(b"\x7fELF"),
            Err(Error::InvalidModule(_))
        ));
    }
}
