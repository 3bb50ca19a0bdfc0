//! The part of a stack-first stack a run never touched, so it is not counted as memory used.
//!
//! Compilers that link with wasm-ld's `--stack-first` (our C, C++ and Rust builds, with a
//! 64 MiB stack) put the whole stack at the bottom of linear memory: `[0, top)`, growing down
//! from `top`, with the data and the heap above. That region is part of the memory's size from
//! the first instruction, though a program uses a few KiB of it, where a native process's
//! stack costs only the pages it touches. So a hello world would report 64 MiB.
//!
//! At load, [`stack_first_top`] recognises the layout: the module's first own global is a
//! mutable `i32` (wasm-ld's `__stack_pointer`) initialised to `top`, and no data segment lies
//! below `top`. After a run, [`untouched_below`] walks down from `top` in 4 KiB chunks until
//! it meets 64 KiB of zeros: everything below the lowest non-zero chunk is taken as never
//! touched. A stack frame holding 64 KiB of zeros ends the walk early, so such a program is
//! credited with more untouched stack than it really left: it can use up to the stack's size
//! more than its limit, never more than the hard cap the limiter enforces.

use wasmparser::{ConstExpr, DataKind, Operator, Parser, Payload};

/// Stacks smaller than this are not worth subtracting (and guard against misreading a
/// module whose first global is something else).
const MIN_STACK_BYTES: u32 = 1 << 20;
const CHUNK_BYTES: usize = 4 << 10;
/// Zero chunks in a row that end the walk.
const GAP_CHUNKS: usize = 16;

/// `top`, the stack pointer's initial value, when the module keeps a stack-first stack of at
/// least 1 MiB; `None` for any other layout, or a module it cannot read.
pub(crate) fn stack_first_top(wasm: &[u8]) -> Option<u32> {
    let mut imported_globals = 0u32;
    let mut top = None;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if matches!(import.ok()?.ty, wasmparser::TypeRef::Global(_)) {
                        imported_globals += 1;
                    }
                }
            }
            Payload::GlobalSection(reader) => {
                let first = reader.into_iter().next()?.ok()?;
                let ty = first.ty;
                if !ty.mutable || ty.content_type != wasmparser::ValType::I32 {
                    return None;
                }
                let value = i32_const(&first.init_expr)?.cast_unsigned();
                top = (value >= MIN_STACK_BYTES).then_some(value);
            }
            Payload::DataSection(reader) => {
                let top = top?;
                for data in reader {
                    let data = data.ok()?;
                    if let DataKind::Active {
                        memory_index: 0,
                        offset_expr,
                    } = data.kind
                        && i32_const(&offset_expr)?.cast_unsigned() < top
                    {
                        return None;
                    }
                }
            }
            _ => {}
        }
    }
    // wasm-ld imports no globals into a command module; one that does is not its layout.
    (imported_globals == 0).then_some(top).flatten()
}

fn i32_const(expr: &ConstExpr<'_>) -> Option<i32> {
    let mut reader = expr.get_operators_reader();
    match (reader.read().ok()?, reader.read().ok()?) {
        (Operator::I32Const { value }, Operator::End) => Some(value),
        _ => None,
    }
}

/// Bytes at the bottom of `memory`, below `top`, that the stack never reached.
pub(crate) fn untouched_below(memory: &[u8], top: u32) -> usize {
    let top = usize::try_from(top).map_or(memory.len(), |top| top.min(memory.len()));
    let mut lowest_touched = top;
    let mut zeros = 0;
    let mut at = top;
    while at >= CHUNK_BYTES {
        let chunk = &memory[at - CHUNK_BYTES..at];
        // OR-fold rather than `all`: no early exit, so it vectorises.
        if chunk.iter().fold(0u8, |acc, byte| acc | byte) == 0 {
            zeros += 1;
            if zeros == GAP_CHUNKS {
                break;
            }
        } else {
            zeros = 0;
            lowest_touched = at - CHUNK_BYTES;
        }
        at -= CHUNK_BYTES;
    }
    lowest_touched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(globals: &str, data: &str) -> Vec<u8> {
        wat::parse_str(format!(
            "(module (memory 100) {globals} {data} (func (export \"_start\")))"
        ))
        .expect("valid wat")
    }

    #[test]
    fn recognises_wasm_ld_stack_first() {
        let sp = "(global (mut i32) (i32.const 2097152))";
        assert_eq!(
            stack_first_top(&module(sp, "(data (i32.const 2097152) \"hi\")")),
            Some(2 << 20)
        );
        assert_eq!(stack_first_top(&module(sp, "")), Some(2 << 20));
        // Data below the stack pointer: the stack is not first.
        assert_eq!(
            stack_first_top(&module(sp, "(data (i32.const 1024) \"hi\")")),
            None
        );
        // Too small, immutable, or another type.
        assert_eq!(
            stack_first_top(&module("(global (mut i32) (i32.const 65536))", "")),
            None
        );
        assert_eq!(
            stack_first_top(&module("(global i32 (i32.const 2097152))", "")),
            None
        );
        assert_eq!(
            stack_first_top(&module("(global (mut i64) (i64.const 2097152))", "")),
            None
        );
        assert_eq!(stack_first_top(&module("", "")), None);
    }

    #[test]
    fn counts_the_stack_down_to_a_gap_of_zeros() {
        let top = 1 << 20;
        let mut memory = vec![0u8; 2 << 20];
        // Nothing touched.
        assert_eq!(untouched_below(&memory, top), top as usize);
        // Frames in the top 10 KiB, and a zero chunk between two used ones.
        memory[top as usize - 1] = 1;
        memory[top as usize - 10_000] = 7;
        assert_eq!(untouched_below(&memory, top), top as usize - 3 * 4096);
        // Something far below a 64 KiB gap is not reached.
        memory[1000] = 1;
        assert_eq!(untouched_below(&memory, top), top as usize - 3 * 4096);
        // A top past the memory's end is clamped.
        assert_eq!(untouched_below(&memory[..4096], top), 0);
    }
}
