// Prepares ruby.wasm's reactor for wasm-merge with glue.wat (see build/ruby.sh):
//   - every import outside wasi_snapshot_preview1 (ruby.wasm's JavaScript interop) becomes a
//     local stub: canonical_abi resource_new/resource_get return their argument (rb-abi-value
//     handles are then the VALUEs themselves), resource_drop does nothing, everything else traps;
//   - the internal functions glue.wat needs, and the function table, are exported as xcode_*
//     (found by the names in the debug build's name section);
//   - glue.wat's placeholders are filled: init.rb, runner.rb, the VM stack size, and ruby-init's
//     arguments (INIT_ARG...: argv[0] and options; the script is not among them, runner.rb
//     gets it with the rest of the run's argv).
// usage: node prepare.mjs BINARYEN_DIR REACTOR.wasm OUT.wasm GLUE.wat INIT.rb RUNNER.rb VM_STACK OUT_GLUE.wat INIT_ARG...
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [binaryenDir, input, output, glueIn, initRbIn, runnerIn, vmStack, glueOut, ...initArgs] = process.argv.slice(2);
if (!initArgs.length)
  throw new Error("usage: prepare.mjs BINARYEN_DIR IN OUT GLUE INIT_RB RUNNER VM_STACK GLUE_OUT INIT_ARG...");
const binaryen = (await import(pathToFileURL(path.join(binaryenDir, "index.js")).href)).default;

const m = binaryen.readBinary(fs.readFileSync(input));

// ---- stubs for the non-WASI imports
const stubs = [];
for (let i = 0; i < m.getNumFunctions(); i++) {
  const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
  if (f.module && f.module !== "wasi_snapshot_preview1") stubs.push(f);
}
for (const f of stubs) {
  const params = binaryen.expandType(f.params);
  const results = binaryen.expandType(f.results);
  let body;
  if (f.module === "canonical_abi" && /^resource_(new|get)_/.test(f.base)) {
    if (params.length !== 1 || results.length !== 1) throw new Error(`unexpected type of ${f.base}`);
    body = m.local.get(0, params[0]);
  } else if (f.module === "canonical_abi" && /^resource_drop_/.test(f.base) && results.length === 0) {
    body = m.nop();
  } else {
    body = m.unreachable();
  }
  m.removeFunction(f.name);
  m.addFunction(f.name, f.params, f.results, [], body);
}
console.error(`prepare: stubbed ${stubs.length} imports: ${[...new Set(stubs.map((f) => f.module))].join(", ")}`);

// ---- exports of internal functions, checked against the types glue.wat imports them with
const i32 = binaryen.i32, none = binaryen.none;
const wanted = {
  xcode_ruby_cleanup: ["ruby_cleanup", [i32], [i32]],
  xcode_setenv: ["setenv", [i32, i32, i32], [i32]],
  xcode_handle_jmp_unwind: ["rb_wasm_handle_jmp_unwind", [], [i32]],
  xcode_handle_scan_unwind: ["rb_wasm_handle_scan_unwind", [], [i32]],
  xcode_handle_fiber_unwind: ["rb_wasm_handle_fiber_unwind", [i32, i32, i32, i32], [i32]],
};
for (const [exportName, [internal, params, results]] of Object.entries(wanted)) {
  const ref = m.getFunction(internal);
  if (!ref) throw new Error(`${input} has no function named ${internal} (is it the debug build?)`);
  const f = binaryen.getFunctionInfo(ref);
  const got = [binaryen.expandType(f.params), binaryen.expandType(f.results)];
  if (JSON.stringify(got) !== JSON.stringify([params, results]))
    throw new Error(`${internal} has type ${JSON.stringify(got)}, expected ${JSON.stringify([params, results])}`);
  m.addFunctionExport(internal, exportName);
}
if (m.getNumTables() !== 1) throw new Error("expected exactly one table");
m.addTableExport(binaryen.getTableInfo(m.getTableByIndex(0)).name, "xcode_table");

// DWARF and the name section are not needed past this point.
m.runPasses(["strip-debug", "strip-producers"]);
fs.writeFileSync(output, m.emitBinary());
m.dispose();

// ---- glue.wat
const initRb = fs.readFileSync(initRbIn);
const runner = fs.readFileSync(runnerIn);
const escape = (bytes) =>
  Array.from(bytes, (b) =>
    b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : "\\" + b.toString(16).padStart(2, "0"),
  ).join("");
if (!/^[0-9]+$/.test(vmStack)) throw new Error(`bad VM stack size ${vmStack}`);
if (initArgs.some((a) => a.includes("\0"))) throw new Error("NUL in an init argument");
const initBytes = Buffer.from(initArgs.map((a) => a + "\0").join(""), "utf8");
let glue = fs
  .readFileSync(glueIn, "utf8")
  .replaceAll("@VM_STACK_SIZE_LEN@", String(vmStack.length + 1))
  .replaceAll("@VM_STACK_SIZE@", vmStack)
  .replaceAll("@INIT_ARGS_LEN@", String(initBytes.length))
  .replaceAll("@INIT_ARGS@", escape(initBytes))
  .replaceAll("@INIT_ARGC_X8@", String(initArgs.length * 8))
  .replaceAll("@INIT_ARGC@", String(initArgs.length))
  .replaceAll("@INIT_RB_LEN_PLUS_1@", String(initRb.length + 1))
  .replaceAll("@INIT_RB_LEN@", String(initRb.length))
  .replaceAll("@RUNNER_LEN_PLUS_1@", String(runner.length + 1))
  .replaceAll("@RUNNER_LEN@", String(runner.length));
const texts = { "@INIT_RB@": initRb, "@RUNNER@": runner };
const left = glue.match(/@[A-Z_0-9]+@/g)?.filter((p) => p !== "@PLACEHOLDERS@" && !(p in texts));
if (left?.length) throw new Error(`unfilled placeholders in glue: ${left}`);
// Last, in one pass: the Ruby texts are not scanned for placeholders.
glue = glue.replace(/@INIT_RB@|@RUNNER@/g, (p) => escape(texts[p]));
fs.writeFileSync(glueOut, glue);
