//! Metering compiled into the guest: fuel (the deterministic CPU budget) and the wall-clock
//! deadline, checked with plain wasm instructions instead of wasmtime's fuel or epochs.
//!
//! Why: wasmtime's fuel and epoch checks both end in a call to the runtime when they fire. A
//! call clobbers every floating-point register, so Cranelift keeps a loop's float accumulators
//! on the stack, and call-heavy code saves more registers: +123% on an f64 matrix product,
//! +25% on recursion (bench/README.md). Here an exhausted budget or a passed deadline ends in
//! `unreachable` — a trap instruction, not a call — so nothing is clobbered and the checks cost
//! a few percent.
//!
//! What a metered module does:
//!
//! - Every function keeps the fuel left in a local, loaded from the global `__xcode_fuel` on
//!   entry, lowered by each straight-line stretch's cost before control leaves it, saved back
//!   to the global before calls, returns and traps, and reloaded after calls. Costs are
//!   wasmtime's defaults, so a metered run uses exactly the fuel wasmtime's own fuel would
//!   count: 1 per function body and per operator (0 for `nop`, `drop`, `block`, `loop`,
//!   `else`, `end`, `unreachable`, `return`), plus 1 per byte or element of bulk memory and
//!   table operations, charged and checked before the operation runs.
//! - At every function entry and loop header, and after every call that may reach the host:
//!   if no fuel is left, or the clock has reached the deadline, set `__xcode_stop` (1 = fuel,
//!   2 = deadline), save the fuel and trap. Wasm has no other back edges, and a host function
//!   costs one unit however long it works, so no guest can run long between two checks: at
//!   most one host call passes between them. (A tail call to the host needs no check after
//!   it: it returns to a caller that checks after its own call, or to the next entry.)
//! - Exceptions (`try_table`, `throw`, `throw_ref`): a throw saves the fuel first, like a
//!   return, and an exception leaves every frame it crosses through a call, which saved its
//!   fuel too; so where a `try_table` catches one, the global holds the fuel left. A block a
//!   catch clause targets is a *landing*: every way into it saves the fuel (branches to it,
//!   falling out of it, entering it if it is a loop, the empty `else` of an `if`), and the
//!   code that follows reloads it from the global.
//! - The clock is a millisecond counter at address 0 of an imported one-page shared memory
//!   (`xcode`/`clock`) that a host thread advances (see `ticker.rs`); each function copies the
//!   run's deadline from the global `__xcode_deadline` into a local on entry.
//! - The start function, if any, no longer runs during instantiation: it is exported as
//!   `__xcode_start` and called by the host once fuel and deadline are set.
//!
//! The input is validated first with the features the sandbox allows (no threads, no shared or
//! multiple or 64-bit memories, no legacy exceptions), so the guest itself can never touch the
//! clock memory or the metering globals, and every control-flow operator is one handled here
//! (GC's `br_on_*` are conditional branches, `call_ref` an indirect call, and the array
//! operations that fill or copy are charged per element like bulk memory).

use std::ops::Range;

use wasm_encoder::reencode::{self, Reencode, utils};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, Function,
    GlobalSection, GlobalType, ImportSection, Instruction, MemArg, MemoryType, SectionId, ValType,
};
use wasmparser::{Operator, Parser, Payload, Validator, WasmFeatures};

/// Changes whenever the code emitted here changes; part of the module cache key.
pub(crate) const VERSION: u32 = 4;

pub(crate) const CLOCK_MODULE: &str = "xcode";
pub(crate) const CLOCK_NAME: &str = "clock";
pub(crate) const FUEL_EXPORT: &str = "__xcode_fuel";
pub(crate) const DEADLINE_EXPORT: &str = "__xcode_deadline";
pub(crate) const STOP_EXPORT: &str = "__xcode_stop";
pub(crate) const START_EXPORT: &str = "__xcode_start";

/// Why metering code trapped, as left in `__xcode_stop`.
pub(crate) const STOP_FUEL: i32 = 1;
pub(crate) const STOP_DEADLINE: i32 = 2;

/// What guests may use: WebAssembly 2.0 (which is what wasi-sdk, Rust and Go emit for
/// wasm32-wasip1), plus tail calls, extended constant expressions, relaxed SIMD, exception
/// handling (`try_table`/`throw`/`exnref`: C++ exceptions), typed function references and GC
/// (structs, arrays, `i31`, `externref`: what Kotlin/Wasm and other GC languages emit).
pub(crate) fn guest_features() -> WasmFeatures {
    WasmFeatures::WASM2
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::EXTENDED_CONST
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::FUNCTION_REFERENCES
        | WasmFeatures::GC
        | WasmFeatures::GC_TYPES
}

/// Validates `wasm` as a guest and returns it metered. `Err` explains why it is not a module
/// the sandbox runs.
pub(crate) fn instrument(wasm: &[u8]) -> Result<Vec<u8>, String> {
    Validator::new_with_features(guest_features())
        .validate_all(wasm)
        .map_err(|e| e.message().to_owned() + &format!(" (at byte {:#x})", e.offset()))?;
    let info = ModuleInfo::scan(wasm)?;
    let wasm = match &info.start {
        Some((_, section)) => [&wasm[..section.start], &wasm[section.end..]].concat(),
        None => wasm.to_vec(),
    };
    let mut meter = Meter::new(info);
    let mut module = wasm_encoder::Module::new();
    meter
        .parse_core_module(&mut module, Parser::new(0), &wasm)
        .map_err(|e| match e {
            reencode::Error::UserError(message) => message,
            other => other.to_string(),
        })?;
    Ok(module.finish())
}

/// What the rewrite needs to know before it starts: index spaces and function signatures.
#[derive(Debug, Default)]
struct ModuleInfo {
    /// Parameter count of each type, `None` for types that are not functions.
    type_params: Vec<Option<u32>>,
    /// Type index of every function, imported ones first.
    func_types: Vec<u32>,
    imported_funcs: u32,
    imported_memories: u32,
    /// Imported and defined.
    globals: u32,
    /// The start function and the byte range of its whole section (id and size included).
    start: Option<(u32, Range<usize>)>,
    /// An imported function can be referenced (element segments, exports, global
    /// initializers), so it may end up in a table and `call_indirect` may reach the host.
    imports_escape: bool,
}

impl ModuleInfo {
    fn scan(wasm: &[u8]) -> Result<Self, String> {
        Self::read(wasm).map_err(|e| match e {
            Scan::Parse(e) => e.to_string(),
            Scan::Reserved(message) => message.to_owned(),
        })
    }

    fn read(wasm: &[u8]) -> Result<Self, Scan> {
        let mut info = Self::default();
        // Where the current section begins: the end of the previous one (or of the header).
        let mut previous_end = 8;
        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload?;
            match &payload {
                Payload::TypeSection(reader) => {
                    for group in reader.clone() {
                        for ty in group?.types() {
                            info.type_params.push(match &ty.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(func) => {
                                    Some(func.params().len() as u32)
                                }
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.clone().into_imports() {
                        let import = import?;
                        if import.module == CLOCK_MODULE {
                            return Err(reserved(
                                "imports from module `xcode` are reserved for the sandbox",
                            ));
                        }
                        match import.ty {
                            wasmparser::TypeRef::Func(ty) | wasmparser::TypeRef::FuncExact(ty) => {
                                info.func_types.push(ty);
                                info.imported_funcs += 1;
                            }
                            wasmparser::TypeRef::Memory(_) => info.imported_memories += 1,
                            wasmparser::TypeRef::Global(_) => info.globals += 1,
                            wasmparser::TypeRef::Table(_) | wasmparser::TypeRef::Tag(_) => {}
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader.clone() {
                        info.func_types.push(ty?);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader.clone() {
                        info.note_references(&global?.init_expr)?;
                    }
                    info.globals += reader.count();
                }
                Payload::ExportSection(reader) => {
                    for export in reader.clone() {
                        let export = export?;
                        if export.name.starts_with("__xcode_") {
                            return Err(reserved(
                                "export names starting with `__xcode_` are reserved for the sandbox",
                            ));
                        }
                        if export.kind == wasmparser::ExternalKind::Func {
                            info.note_function(export.index);
                        }
                    }
                }
                Payload::ElementSection(reader) => {
                    for element in reader.clone() {
                        match element?.items {
                            wasmparser::ElementItems::Functions(functions) => {
                                for function in functions {
                                    info.note_function(function?);
                                }
                            }
                            wasmparser::ElementItems::Expressions(_, expressions) => {
                                for expression in expressions {
                                    info.note_references(&expression?)?;
                                }
                            }
                        }
                    }
                }
                Payload::StartSection { func, range } => {
                    // The section is its id byte, its size, then `range`: cut all of it.
                    info.start = Some((*func, previous_end..range.end));
                }
                _ => {}
            }
            if let Some((_, range)) = payload.as_section() {
                previous_end = range.end;
            }
        }
        Ok(info)
    }

    fn note_function(&mut self, func: u32) {
        self.imports_escape |= func < self.imported_funcs;
    }

    fn note_references(&mut self, expression: &wasmparser::ConstExpr<'_>) -> Result<(), Scan> {
        for op in expression.get_operators_reader() {
            if let Operator::RefFunc { function_index } = op? {
                self.note_function(function_index);
            }
        }
        Ok(())
    }

    fn params(&self, func: u32) -> Option<u32> {
        let ty = *self.func_types.get(func as usize)?;
        *self.type_params.get(ty as usize)?
    }
}

enum Scan {
    Parse(wasmparser::BinaryReaderError),
    Reserved(&'static str),
}

impl From<wasmparser::BinaryReaderError> for Scan {
    fn from(error: wasmparser::BinaryReaderError) -> Self {
        Self::Parse(error)
    }
}

fn reserved(message: &'static str) -> Scan {
    Scan::Reserved(message)
}

/// The rewrite. Sections pass through `wasm_encoder`'s re-encoder with these changes: the
/// clock memory is appended to the imports (so guest-defined memories move up by one index),
/// three globals and their exports are appended, and every function body is metered.
struct Meter {
    info: ModuleInfo,
    layout: Layout,
    /// Defined functions re-encoded so far.
    bodies: u32,
    emitted_imports: bool,
    emitted_globals: bool,
    emitted_exports: bool,
}

/// Where metering's own items sit in the rewritten module, and what every body needs to know
/// about the guest's functions.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Index of the clock memory: right after the guest's imported memories.
    clock: u32,
    fuel_global: u32,
    deadline_global: u32,
    stop_global: u32,
    imported_funcs: u32,
    imports_escape: bool,
}

impl Layout {
    fn is_import(self, func: u32) -> bool {
        func < self.imported_funcs
    }
}

type Error = reencode::Error<String>;

impl Meter {
    fn new(info: ModuleInfo) -> Self {
        Self {
            layout: Layout {
                clock: info.imported_memories,
                fuel_global: info.globals,
                deadline_global: info.globals + 1,
                stop_global: info.globals + 2,
                imported_funcs: info.imported_funcs,
                imports_escape: info.imports_escape,
            },
            info,
            bodies: 0,
            emitted_imports: false,
            emitted_globals: false,
            emitted_exports: false,
        }
    }

    fn add_imports(&mut self, imports: &mut ImportSection) {
        imports.import(
            CLOCK_MODULE,
            CLOCK_NAME,
            EntityType::Memory(MemoryType {
                minimum: 1,
                maximum: Some(1),
                memory64: false,
                shared: true,
                page_size_log2: None,
            }),
        );
        self.emitted_imports = true;
    }

    fn add_globals(&mut self, globals: &mut GlobalSection) {
        let mutable = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        // Until the host sets them: no fuel, and a deadline already passed.
        globals.global(mutable(ValType::I64), &ConstExpr::i64_const(-1));
        globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
        globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
        self.emitted_globals = true;
    }

    fn add_exports(&mut self, exports: &mut ExportSection) {
        exports.export(FUEL_EXPORT, ExportKind::Global, self.layout.fuel_global);
        exports.export(
            DEADLINE_EXPORT,
            ExportKind::Global,
            self.layout.deadline_global,
        );
        exports.export(STOP_EXPORT, ExportKind::Global, self.layout.stop_global);
        if let Some((start, _)) = self.info.start {
            exports.export(START_EXPORT, ExportKind::Func, start);
        }
        self.emitted_exports = true;
    }
}

/// Where a section goes in a module, by the binary format's required order.
fn rank(id: SectionId) -> u8 {
    match id {
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        _ => 0,
    }
}

impl Reencode for Meter {
    type Error = String;

    fn memory_index(&mut self, memory: u32) -> Result<u32, Error> {
        Ok(if memory >= self.layout.clock {
            memory + 1
        } else {
            memory
        })
    }

    fn parse_import_section(
        &mut self,
        imports: &mut ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), Error> {
        utils::parse_import_section(self, imports, section)?;
        self.add_imports(imports);
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), Error> {
        utils::parse_global_section(self, globals, section)?;
        self.add_globals(globals);
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), Error> {
        utils::parse_export_section(self, exports, section)?;
        self.add_exports(exports);
        Ok(())
    }

    /// Adds the import, global and export sections a module lacks, where they belong.
    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), Error> {
        let past = |id: SectionId| before.is_none_or(|before| rank(before) > rank(id));
        if !self.emitted_imports && past(SectionId::Import) {
            let mut imports = ImportSection::new();
            self.add_imports(&mut imports);
            module.section(&imports);
        }
        if !self.emitted_globals && past(SectionId::Global) {
            let mut globals = GlobalSection::new();
            self.add_globals(&mut globals);
            module.section(&globals);
        }
        if !self.emitted_exports && past(SectionId::Export) {
            let mut exports = ExportSection::new();
            self.add_exports(&mut exports);
            module.section(&exports);
        }
        Ok(())
    }

    /// Keeps the name section (trap messages name functions with it) and drops the other custom
    /// sections: DWARF and the like describe code offsets that metering moves.
    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), Error> {
        if let wasmparser::KnownCustom::Name(names) = section.as_known() {
            // A malformed name section is still a valid module: drop the names, keep the code.
            if let Ok(names) = self.custom_name_section(names) {
                module.section(&names);
            }
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        body: wasmparser::FunctionBody<'_>,
    ) -> Result<(), Error> {
        let index = self.info.imported_funcs + self.bodies;
        self.bodies += 1;
        let params = self
            .info
            .params(index)
            .ok_or_else(|| reencode::Error::UserError(format!("function {index} has no type")))?;
        let mut locals = Vec::new();
        let mut count = params;
        for pair in body.get_locals_reader()? {
            let (n, ty) = pair?;
            locals.push((n, self.val_type(ty)?));
            count = count.saturating_add(n);
        }
        locals.push((2, ValType::I64));
        locals.push((1, ValType::I32));
        let mut body_out = Body {
            layout: self.layout,
            function: Function::new(locals),
            fuel: count,
            deadline: count + 1,
            scratch: count + 2,
            pending: 0,
            frames: vec![Frame::default()],
            landings: landings(&body)?,
            opened: 1,
        };
        body_out.enter();
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            let instruction = self.instruction(op.clone())?;
            body_out.operator(&op, &instruction)?;
        }
        code.function(&body_out.function);
        Ok(())
    }
}

/// A block, loop, if, try_table or the function body, and whether the code after its last
/// branch is reachable.
#[derive(Debug, Default)]
struct Frame {
    unreachable: bool,
    /// A catch clause targets it: every way in saves the fuel, and its label reloads it.
    landing: bool,
    is_loop: bool,
}

/// Which blocks of a body a catch clause targets, by the order they open (the body is 0 and
/// never a landing: reaching its label returns, and the caller reloads).
fn landings(body: &wasmparser::FunctionBody<'_>) -> wasmparser::Result<Vec<bool>> {
    let mut landings = vec![false];
    let mut open = vec![0];
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        match reader.read()? {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                open.push(landings.len());
                landings.push(false);
            }
            Operator::TryTable { try_table } => {
                // Catch labels count from the block around the try_table.
                for catch in &try_table.catches {
                    let (wasmparser::Catch::One { label, .. }
                    | wasmparser::Catch::OneRef { label, .. }
                    | wasmparser::Catch::All { label }
                    | wasmparser::Catch::AllRef { label }) = *catch;
                    let target = (open.len() - 1).checked_sub(label as usize);
                    if let Some(&block) = target.and_then(|index| open.get(index))
                        && block != 0
                    {
                        landings[block] = true;
                    }
                }
                open.push(landings.len());
                landings.push(false);
            }
            Operator::End => {
                open.pop();
            }
            _ => {}
        }
    }
    Ok(landings)
}

/// One function body being metered.
struct Body {
    layout: Layout,
    function: Function,
    fuel: u32,
    deadline: u32,
    scratch: u32,
    /// Cost of the straight-line code since fuel was last lowered.
    pending: u64,
    frames: Vec<Frame>,
    /// [`landings`] of this body, and how many of its blocks have opened so far.
    landings: Vec<bool>,
    opened: usize,
}

impl Body {
    fn emit(&mut self, instruction: &Instruction<'_>) {
        self.function.instruction(instruction);
    }

    fn enter(&mut self) {
        self.emit(&Instruction::GlobalGet(self.layout.fuel_global));
        self.emit(&Instruction::LocalSet(self.fuel));
        self.emit(&Instruction::GlobalGet(self.layout.deadline_global));
        self.emit(&Instruction::LocalSet(self.deadline));
        // wasmtime charges every function body one unit on top of its operators, on entry.
        self.pending = 1;
        self.flush();
        self.check();
    }

    fn reachable(&self) -> bool {
        self.frames.last().is_some_and(|frame| !frame.unreachable)
    }

    fn set_unreachable(&mut self) {
        if let Some(frame) = self.frames.last_mut() {
            frame.unreachable = true;
        }
    }

    /// Whether a branch `depth` labels out leaves the function.
    fn leaves_function(&self, depth: u32) -> bool {
        depth as usize + 1 == self.frames.len()
    }

    /// Whether a branch `depth` labels out must save the fuel first: it returns, or it lands
    /// where a catch clause lands too.
    fn branch_saves(&self, depth: u32) -> bool {
        self.leaves_function(depth)
            || (self.frames.len() - 1)
                .checked_sub(depth as usize)
                .and_then(|index| self.frames.get(index))
                .is_some_and(|frame| frame.landing)
    }

    /// The frame of the block about to open.
    fn open(&mut self, is_loop: bool) -> Frame {
        let landing = self.landings.get(self.opened).copied().unwrap_or(false);
        self.opened += 1;
        Frame {
            unreachable: false,
            landing,
            is_loop,
        }
    }

    /// A conditional or unconditional branch `depth` labels out.
    fn branch(&mut self, depth: u32, reachable: bool) {
        if reachable {
            self.flush();
            if self.branch_saves(depth) {
                self.save();
            }
        }
    }

    /// Lowers the fuel by the cost of the code since the last time.
    fn flush(&mut self) {
        let cost = std::mem::take(&mut self.pending);
        if cost == 0 {
            return;
        }
        self.emit(&Instruction::LocalGet(self.fuel));
        self.emit(&Instruction::I64Const(cost as i64));
        self.emit(&Instruction::I64Sub);
        self.emit(&Instruction::LocalSet(self.fuel));
    }

    fn save(&mut self) {
        self.emit(&Instruction::LocalGet(self.fuel));
        self.emit(&Instruction::GlobalSet(self.layout.fuel_global));
    }

    fn reload(&mut self) {
        self.emit(&Instruction::GlobalGet(self.layout.fuel_global));
        self.emit(&Instruction::LocalSet(self.fuel));
    }

    /// `if (condition on the stack) { record why; save fuel; trap }`.
    fn stop_if(&mut self, why: i32) {
        self.emit(&Instruction::If(BlockType::Empty));
        self.save();
        self.emit(&Instruction::I32Const(why));
        self.emit(&Instruction::GlobalSet(self.layout.stop_global));
        self.emit(&Instruction::Unreachable);
        self.emit(&Instruction::End);
    }

    /// Out of fuel once none is left, as with wasmtime's fuel: a budget must exceed what the
    /// guest has used at every check.
    fn check_fuel(&mut self) {
        self.emit(&Instruction::LocalGet(self.fuel));
        self.emit(&Instruction::I64Const(0));
        self.emit(&Instruction::I64LeS);
        self.stop_if(STOP_FUEL);
    }

    fn check(&mut self) {
        self.check_fuel();
        // Atomic, so that Cranelift reloads it every time: a plain load in a loop that stores
        // nothing would be hoisted out of it, and the loop would never see the clock move.
        // On x86-64 and AArch64 it is the same single load instruction.
        self.emit(&Instruction::I32Const(0));
        self.emit(&Instruction::I64AtomicLoad(MemArg {
            offset: 0,
            align: 3,
            memory_index: self.layout.clock,
        }));
        self.emit(&Instruction::LocalGet(self.deadline));
        self.emit(&Instruction::I64GeU);
        self.stop_if(STOP_DEADLINE);
    }

    /// Charges the element or byte count on top of the stack (an i32, left there) and checks.
    fn charge_count(&mut self) {
        self.emit(&Instruction::LocalTee(self.scratch));
        self.emit(&Instruction::LocalGet(self.fuel));
        self.emit(&Instruction::LocalGet(self.scratch));
        self.emit(&Instruction::I64ExtendI32U);
        self.emit(&Instruction::I64Sub);
        self.emit(&Instruction::LocalSet(self.fuel));
        self.check_fuel();
    }

    /// A call to a function of this module: it checks on entry itself.
    fn call(&mut self, call: &Instruction<'_>, reachable: bool) {
        if reachable {
            self.flush();
            self.save();
        }
        self.emit(call);
        if reachable {
            self.reload();
        }
    }

    /// A call that may reach the host: host functions cost one unit however long they take
    /// (a `random_get` of 64 MiB takes 0.2 s), so check both limits as soon as it returns, or
    /// a straight line of such calls would run far past the deadline.
    fn call_then_check(&mut self, call: &Instruction<'_>, reachable: bool) {
        self.call(call, reachable);
        if reachable {
            self.check();
        }
    }

    fn operator(&mut self, op: &Operator<'_>, instruction: &Instruction<'_>) -> Result<(), Error> {
        let reachable = self.reachable();
        if reachable {
            self.pending += cost(op);
        }
        match op {
            Operator::Block { .. } | Operator::TryTable { .. } => {
                self.emit(instruction);
                let frame = self.open(false);
                self.frames.push(frame);
            }
            Operator::Loop { .. } => {
                let frame = self.open(true);
                if reachable {
                    self.flush();
                    if frame.landing {
                        self.save();
                    }
                }
                self.emit(instruction);
                if frame.landing {
                    self.reload();
                }
                self.frames.push(frame);
                self.check();
            }
            Operator::If { .. } => {
                let frame = self.open(false);
                if reachable {
                    self.flush();
                    // Without an `else`, a false condition lands on the label at once.
                    if frame.landing {
                        self.save();
                    }
                }
                self.emit(instruction);
                self.frames.push(frame);
            }
            Operator::Else => {
                if reachable {
                    self.flush();
                    if self.frames.last().is_some_and(|frame| frame.landing) {
                        self.save();
                    }
                }
                self.emit(instruction);
                if let Some(frame) = self.frames.last_mut() {
                    frame.unreachable = false;
                }
            }
            Operator::End => {
                let landing = self
                    .frames
                    .last()
                    .is_some_and(|frame| frame.landing && !frame.is_loop);
                if reachable {
                    self.flush();
                    if self.frames.len() == 1 || landing {
                        self.save();
                    }
                }
                self.emit(instruction);
                self.frames.pop();
                if landing {
                    self.reload();
                }
            }
            Operator::Br { relative_depth }
            | Operator::BrIf { relative_depth }
            | Operator::BrOnNull { relative_depth }
            | Operator::BrOnNonNull { relative_depth }
            | Operator::BrOnCast { relative_depth, .. }
            | Operator::BrOnCastFail { relative_depth, .. } => {
                self.branch(*relative_depth, reachable);
                self.emit(instruction);
                if matches!(op, Operator::Br { .. }) {
                    self.set_unreachable();
                }
            }
            Operator::BrTable { targets } => {
                if reachable {
                    self.flush();
                    let mut depths = targets.targets().collect::<wasmparser::Result<Vec<_>>>()?;
                    depths.push(targets.default());
                    if depths.into_iter().any(|depth| self.branch_saves(depth)) {
                        self.save();
                    }
                }
                self.emit(instruction);
                self.set_unreachable();
            }
            // A throw leaves like a return: whoever catches it reloads the fuel it saved.
            Operator::Return
            | Operator::Unreachable
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. } => {
                if reachable {
                    self.flush();
                    self.save();
                }
                self.emit(instruction);
                self.set_unreachable();
            }
            Operator::Call { function_index } => {
                if self.layout.is_import(*function_index) {
                    self.call_then_check(instruction, reachable);
                } else {
                    self.call(instruction, reachable);
                }
            }
            // A function reference may name an import: as with a table, when imports escape.
            Operator::CallIndirect { .. } | Operator::CallRef { .. } => {
                if self.layout.imports_escape {
                    self.call_then_check(instruction, reachable);
                } else {
                    self.call(instruction, reachable);
                }
            }
            Operator::MemoryFill { .. }
            | Operator::MemoryCopy { .. }
            | Operator::MemoryInit { .. }
            | Operator::TableFill { .. }
            | Operator::TableCopy { .. }
            | Operator::TableInit { .. }
            | Operator::TableGrow { .. }
            // GC arrays: the element count is on top of the stack, as wasmtime charges it.
            | Operator::ArrayNew { .. }
            | Operator::ArrayNewDefault { .. }
            | Operator::ArrayNewData { .. }
            | Operator::ArrayNewElem { .. }
            | Operator::ArrayFill { .. }
            | Operator::ArrayCopy { .. }
            | Operator::ArrayInitData { .. }
            | Operator::ArrayInitElem { .. } => {
                if reachable {
                    self.flush();
                    self.charge_count();
                }
                self.emit(instruction);
            }
            // Legacy exceptions: the validator refuses them.
            Operator::Try { .. }
            | Operator::Rethrow { .. }
            | Operator::Delegate { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll => {
                return Err(reencode::Error::UserError(format!(
                    "unsupported control-flow operator {op:?}"
                )));
            }
            _ => self.emit(instruction),
        }
        Ok(())
    }
}

/// wasmtime's default fuel cost of an operator.
fn cost(op: &Operator<'_>) -> u64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

#[cfg(test)]
mod differential;

#[cfg(test)]
mod tests {
    use super::*;

    fn metered(wat: &str) -> Result<Vec<u8>, String> {
        instrument(&wat::parse_str(wat).map_err(|e| e.to_string())?)
    }

    fn validate(wasm: &[u8]) {
        let features = guest_features() | WasmFeatures::MULTI_MEMORY | WasmFeatures::THREADS;
        Validator::new_with_features(features)
            .validate_all(wasm)
            .expect("metered module validates");
    }

    #[test]
    fn adds_sections_a_module_lacks() -> Result<(), String> {
        let wasm = metered(r#"(module (func (export "_start")))"#)?;
        validate(&wasm);
        let text = wasmprinter_lite(&wasm);
        assert!(text.contains("xcode/clock"), "{text}");
        assert!(text.contains(FUEL_EXPORT));
        Ok(())
    }

    #[test]
    fn guest_memory_moves_past_the_clock_and_keeps_its_export() -> Result<(), String> {
        let wasm = metered(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (memory (export "memory") 1)
                 (data (i32.const 0) "x")
                 (func (export "_start") (drop (i32.load (i32.const 0)))))"#,
        )?;
        validate(&wasm);
        for payload in Parser::new(0).parse_all(&wasm) {
            if let Ok(Payload::ExportSection(reader)) = payload {
                for export in reader {
                    let export = export.map_err(|e| e.to_string())?;
                    if export.name == "memory" {
                        assert_eq!(export.index, 1);
                    }
                }
            }
        }
        Ok(())
    }

    #[test]
    fn the_start_function_becomes_an_export() -> Result<(), String> {
        let wasm = metered(r#"(module (func $init) (start $init) (func (export "_start")))"#)?;
        validate(&wasm);
        let mut has_start = false;
        let mut exported = false;
        for payload in Parser::new(0).parse_all(&wasm) {
            match payload.map_err(|e| e.to_string())? {
                Payload::StartSection { .. } => has_start = true,
                Payload::ExportSection(reader) => {
                    for export in reader {
                        exported |= export.map_err(|e| e.to_string())?.name == START_EXPORT;
                    }
                }
                _ => {}
            }
        }
        assert!(!has_start && exported);
        Ok(())
    }

    #[test]
    fn a_malformed_name_section_is_dropped_not_fatal() -> Result<(), String> {
        let mut wasm =
            wat::parse_str(r#"(module (func (export "_start")))"#).map_err(|e| e.to_string())?;
        let mut section = wasm_encoder::Module::new();
        section.section(&wasm_encoder::CustomSection {
            name: "name".into(),
            data: [0x01, 0xff, 0xff, 0xff].as_slice().into(),
        });
        // Append the custom section without the second module header.
        wasm.extend_from_slice(&section.finish()[8..]);
        let metered = instrument(&wasm)?;
        validate(&metered);
        assert!(
            Parser::new(0)
                .parse_all(&metered)
                .flatten()
                .all(|payload| !matches!(payload, Payload::CustomSection(_)))
        );
        Ok(())
    }

    #[test]
    fn host_calls_are_followed_by_a_check_and_calls_within_the_module_are_not() {
        let wasm = metered(
            r#"(module
                 (import "wasi_snapshot_preview1" "sched_yield" (func $host (result i32)))
                 (func $inner)
                 (func (export "_start") (drop (call $host)) (call $inner)))"#,
        )
        .expect("metered");
        // Two checks in `_start`: on entry and after the host call, each an atomic clock load.
        let start = function_body(&wasm, 2);
        assert_eq!(start.matches("I64AtomicLoad").count(), 2, "{start}");
    }

    /// The operators of the `index`th function body, as Debug text.
    fn function_body(wasm: &[u8], index: usize) -> String {
        let mut bodies =
            Parser::new(0)
                .parse_all(wasm)
                .flatten()
                .filter_map(|payload| match payload {
                    Payload::CodeSectionEntry(body) => Some(body),
                    _ => None,
                });
        let body = bodies.nth(index - 1).expect("function body");
        let reader = body.get_operators_reader().expect("operators");
        reader
            .into_iter()
            .map(|op| format!("{:?}\n", op.expect("operator")))
            .collect()
    }

    #[test]
    fn refuses_what_the_sandbox_does_not_allow() {
        for (wat, reason) in [
            ("(module (memory 1) (memory 1))", "multiple memories"),
            ("(module (memory 1 1 shared))", "threads"),
            ("(module (memory i64 1))", "memory64"),
            (
                "(module (func try nop catch_all nop end))",
                "legacy_exceptions",
            ),
            (
                r#"(module (import "xcode" "clock" (memory 1)))"#,
                "reserved",
            ),
            (r#"(module (func (export "__xcode_fuel")))"#, "reserved"),
        ] {
            let error = metered(wat).expect_err(wat);
            assert!(error.contains(reason), "{wat}: {error}");
        }
    }

    /// Just enough of a disassembly for the assertions above: import and export names.
    fn wasmprinter_lite(wasm: &[u8]) -> String {
        let mut out = String::new();
        for payload in Parser::new(0).parse_all(wasm).flatten() {
            match payload {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports().flatten() {
                        out.push_str(&format!("{}/{}\n", import.module, import.name));
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader.into_iter().flatten() {
                        out.push_str(export.name);
                        out.push('\n');
                    }
                }
                _ => {}
            }
        }
        out
    }
}
