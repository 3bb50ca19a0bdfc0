// Last step of build/python3-next.sh: the merged module keeps only the exports of a WASI command
// (`_start`, `memory`) and the pre-initialisation entry point (`wizer.initialize`, see
// glue.wat), drops what nothing reaches any more, and is checked: imports only from
// wasi_snapshot_preview1, no features beyond those the sandbox allows.
// usage: node finalize.mjs BINARYEN_DIR MERGED.wasm OUT.wasm
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [binaryenDir, input, output] = process.argv.slice(2);
if (!output) throw new Error("usage: finalize.mjs BINARYEN_DIR IN OUT");
const binaryen = (await import(pathToFileURL(path.join(binaryenDir, "index.js")).href)).default;

const m = binaryen.readBinary(fs.readFileSync(input));
const keep = new Set(["_start", "memory", "wizer.initialize"]);
const drop = [];
for (let i = 0; i < m.getNumExports(); i++) {
  const name = binaryen.getExportInfo(m.getExportByIndex(i)).name;
  if (!keep.has(name)) drop.push(name);
}
for (const name of drop) m.removeExport(name);
for (const name of keep) if (!m.getExport(name)) throw new Error(`merged module has no export ${name}`);

m.runPasses(["remove-unused-module-elements", "strip-debug", "strip-producers", "strip-target-features"]);

for (let i = 0; i < m.getNumFunctions(); i++) {
  const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
  if (f.module && f.module !== "wasi_snapshot_preview1")
    throw new Error(`import left outside WASI: ${f.module}.${f.base}`);
}
for (let i = 0; i < m.getNumGlobals(); i++) {
  const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
  if (g.module) throw new Error(`global import left: ${g.module}.${g.base}`);
}
for (let i = 0; i < m.getNumTables(); i++) {
  const t = binaryen.getTableInfo(m.getTableByIndex(i));
  if (t.module) throw new Error(`table import left: ${t.module}.${t.base}`);
}
if (!m.hasMemory()) throw new Error("merged module has no memory");
const mem = m.getMemoryInfo();
if (mem.module || mem.shared || mem.is64) throw new Error(`unexpected memory ${JSON.stringify(mem)}`);

const F = binaryen.Features;
const allowed =
  F.MutableGlobals | F.NontrappingFPToInt | F.SignExt | F.BulkMemory | F.ReferenceTypes |
  F.Multivalue | F.SIMD128 | F.TailCall | F.ExtendedConst | F.RelaxedSIMD | F.BulkMemoryOpt |
  F.CallIndirectOverlong;
m.setFeatures(allowed);
if (!m.validate()) throw new Error("merged module does not validate with the allowed features");
fs.writeFileSync(output, m.emitBinary());
m.dispose();
