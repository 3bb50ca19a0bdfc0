// glue.wat's two build steps (see build/python3-next.sh):
//   node glue.mjs fill GLUE.wat OUT.wat ZIP GUEST_ZIP_PATH PRELUDE.py   fills the @PLACEHOLDERS@
//   node glue.mjs pack GLUE.wasm ZIP OUT.wasm                puts the zip's bytes in the passive
//                                                            segment wasm-as made of "@ZIP@"
// The zip goes in after wasm-as so that no 50 MB text is assembled.
import fs from "node:fs";

const [mode, ...args] = process.argv.slice(2);
const SLOTS = 64;

if (mode === "fill") {
  const [glueIn, glueOut, zip, guestPath, preludeFile] = args;
  const prelude = fs.readFileSync(preludeFile);
  if (prelude.includes(0)) throw new Error("NUL in the prelude");
  const escape = (bytes) =>
    Array.from(bytes, (b) =>
      b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : "\\" + b.toString(16).padStart(2, "0"),
    ).join("");
  const size = fs.statSync(zip).size;
  if (size >= 2 ** 31) throw new Error("zip too large for one segment");
  const cut = guestPath.lastIndexOf("/");
  const dir = guestPath.slice(0, cut), name = guestPath.slice(cut + 1);
  if (!dir.startsWith("/") || !name || !/^[\x21-\x7e]+$/.test(guestPath) || /["\\]/.test(guestPath))
    throw new Error(`bad guest path ${guestPath}`);
  let glue = fs.readFileSync(glueIn, "utf8")
    .replaceAll("@ZIP_LEN@", String(size))
    .replaceAll("@ZIP_NAME@", name)
    .replaceAll("@NAME_LEN@", String(name.length))
    .replaceAll("@DIR_LEN_PLUS_1@", String(dir.length + 1))
    .replaceAll("@DIR@", dir)
    .replaceAll("@SLOTS_X16@", String(SLOTS * 16))
    .replaceAll("@SLOTS@", String(SLOTS))
    .replaceAll("@PRELUDE_LEN_PLUS_1@", String(prelude.length + 1));
  const left = glue.match(/@[A-Z_0-9]+@/g)?.filter((p) => p !== "@PLACEHOLDERS@" && p !== "@ZIP@" && p !== "@PRELUDE@");
  if (left?.length) throw new Error(`unfilled placeholders in glue: ${left}`);
  glue = glue.replace("@PRELUDE@", () => escape(prelude)); // last: the prelude is not scanned
  fs.writeFileSync(glueOut, glue);
} else if (mode === "pack") {
  const [glueWasm, zip, out] = args;
  fs.writeFileSync(out, pack(fs.readFileSync(glueWasm), fs.readFileSync(zip)));
} else {
  throw new Error("usage: glue.mjs fill GLUE.wat OUT.wat ZIP GUEST_PATH | pack GLUE.wasm ZIP OUT.wasm");
}

function leb(bytes, i) {
  let r = 0, s = 0, x;
  do { x = bytes[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
  return [r, i];
}
function uleb(n) {
  const out = [];
  do { let x = n % 128; n = Math.floor(n / 128); out.push(n ? x | 0x80 : x); } while (n);
  return Buffer.from(out);
}

// Rewrites the data section: the passive segment "@ZIP@" gets the zip's bytes.
function pack(wasm, zip) {
  const parts = [wasm.subarray(0, 8)];
  let i = 8, done = 0;
  while (i < wasm.length) {
    const id = wasm[i];
    const [size, start] = leb(wasm, i + 1);
    const end = start + size;
    if (id !== 11) { parts.push(wasm.subarray(i, end)); i = end; continue; }
    let [count, j] = leb(wasm, start);
    const segs = [uleb(count)];
    for (let k = 0; k < count; k++) {
      const [flags, p] = leb(wasm, j);
      if (flags !== 1) throw new Error("glue has a non-passive data segment");
      const [len, q] = leb(wasm, p);
      const data = wasm.subarray(q, q + len);
      j = q + len;
      if (data.toString("latin1") === "@ZIP@") { segs.push(uleb(1), uleb(zip.length), zip); done++; }
      else segs.push(uleb(1), uleb(len), data);
    }
    const body = Buffer.concat(segs);
    parts.push(Buffer.from([11]), uleb(body.length), body);
    i = end;
  }
  if (done !== 1) throw new Error(`found ${done} @ZIP@ segments in the glue`);
  return Buffer.concat(parts);
}
