//! A loaded module, ready to instantiate: compiled (or mapped from the cache) and linked once.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use wasmtime::{InstancePre, Linker};

use crate::cache::{ModuleCache, Origin};
use crate::run::Guest;
use crate::{Error, Result};

/// A module loaded by a [`crate::Runtime`]. Cheap to clone; safe to run from many threads.
#[derive(Clone)]
pub struct Module(Arc<Inner>);

struct Inner {
    pre: InstancePre<Guest>,
    sha256: [u8; 32],
    origin: Origin,
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
        let (module, origin) = cache.load(linker.engine(), &wasm, &sha256)?;

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
        let pre = linker
            .instantiate_pre(&module)
            .map_err(|e| Error::InvalidModule(format!("{e:#}")))?;
        Ok(Self(Arc::new(Inner {
            pre,
            sha256,
            origin,
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
