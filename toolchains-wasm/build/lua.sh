#!/usr/bin/env bash
# Lua 5.4: builds the C sources vendored in the lua-src crate into one WASI preview 1
# command module, $OUT/lua.wasm, run as `lua /src/main.lua [ARGS...]` with the program's
# input on stdin (assets/lua/xlua_main.c is its `main`).
#
# Lua reports errors with longjmp, which WASI preview 1 lacks, and the sandbox refuses wasm
# exceptions. This build unwinds errors with Binaryen's Asyncify pass instead, so pcall,
# error, coroutines and memory errors work as in stock Lua: assets/lua/xlua_config.h tells
# how.
#
# Inputs: OUT (empty directory to fill), WORK (scratch), ASSETS (toolchains-wasm/assets),
# SRC_LUA_SRC (the extracted lua-src crate: its one lua-5.4.* directory is built),
# WASI_SYSROOT (clang sysroot with lib/ and include/wasm32-wasip1), CLANG (clang-22),
# SRC_BINARYEN (npm binaryen's `package/`; its tools are JavaScript run on node).
set -euo pipefail

: "${OUT:?}" "${WORK:?}" "${ASSETS:?}" "${SRC_LUA_SRC:?}" "${WASI_SYSROOT:?}" "${CLANG:?}"
: "${SRC_BINARYEN:?}"
assets="$ASSETS/lua"
work="$WORK/lua"
wasm_opt=(node "$SRC_BINARYEN/bin/wasm-opt")
wasm_metadce=(node "$SRC_BINARYEN/bin/wasm-metadce")

shopt -s nullglob
dirs=("$SRC_LUA_SRC"/lua-5.4*)
shopt -u nullglob
[ "${#dirs[@]}" -eq 1 ] ||
  { echo "lua.sh: expected exactly one lua-5.4* directory in $SRC_LUA_SRC" >&2; exit 1; }
lua_dir="${dirs[0]}"

# xlua_config.h's LUAI_TRY runs luaD_rawrunprotected's protected call by the names of its
# parameters: make sure that is still the call ldo.c protects.
grep -A1 'LUAI_TRY(L, &lj,' "$lua_dir/ldo.c" | grep -qF '(*f)(L, ud);' ||
  { echo "lua.sh: ldo.c's LUAI_TRY use is not the expected '(*f)(L, ud);'" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/obj" "$OUT"

# Features that the sandbox takes (clang 22's default CPU adds reference types and
# multivalue, which this module does not need).
features=(-mcpu=mvp -mmutable-globals -msign-ext -mnontrapping-fptoint -mbulk-memory)
wasm_features=(--enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int
               --enable-bulk-memory)
cflags=(
  --target=wasm32-wasip1 --sysroot="$WASI_SYSROOT" -O2 "${features[@]}"
  -std=gnu99 -Wall
  -Wno-return-type       # the crate's WASI patches end in luaL_error() without a return
  -Wno-invalid-noreturn  # luaD_throw returns into the unwind (see xlua_config.h)
  -DLUA_COMPAT_5_3       # as the stock 5.4 `lua` (and the crate) build
  -include "$assets/xlua_config.h"
  -I"$assets/include"    # an empty <setjmp.h> for ldo.c
  -I"$lua_dir"
)

# The library (every .c but the stand-alone programs, which the crate omits anyway) and
# xlua_main.c, compiled in two parallel halves.
srcs=("$assets/xlua_main.c")
for src in "$lua_dir"/*.c; do
  case "$(basename "$src" .c)" in lua | luac | onelua) continue ;; esac
  srcs+=("$src")
done
compile() {
  for src in "$@"; do
    "$CLANG" "${cflags[@]}" -c "$src" -o "$work/obj/$(basename "$src" .c).o"
  done
}
half=$(( ${#srcs[@]} / 2 ))
compile "${srcs[@]:0:half}" &
first=$!
compile "${srcs[@]:half}"
wait "$first"

# Link, keeping the names for the checks below. An 8 MiB shadow stack, first in memory:
# Lua's own stack is on the heap and C recursion is bounded by LUAI_MAXCCALLS (200).
# --no-wasm-opt: clang would otherwise run whatever wasm-opt is on PATH by itself.
"$CLANG" --target=wasm32-wasip1 --sysroot="$WASI_SYSROOT" -O2 "${features[@]}" \
  --no-wasm-opt "$work"/obj/*.o -o "$work/lua.linked.wasm" -lm \
  -Wl,-z,stack-size=8388608 -Wl,--stack-first

# Asyncify: instruments every function that can reach a throw, directly or through an
# indirect call. Only the asyncify.* imports start an unwind, never a WASI call
# (asyncify-ignore-imports), which keeps the instrumentation off code that only calls
# the host. -g keeps the names.
"${wasm_opt[@]}" "$work/lua.linked.wasm" -o "$work/lua.async.wasm" "${wasm_features[@]}" \
  --optimize-level=2 --asyncify --pass-arg=asyncify-ignore-imports \
  --pass-arg=asyncify-verbose -g >"$work/asyncify.log" 2>&1 ||
  { tail -c 2000 "$work/asyncify.log" >&2; exit 1; }

# Checks, on the text: a function is instrumented when it reads Asyncify's state global
# (the one the exported asyncify_get_state returns).
"${wasm_opt[@]}" "$work/lua.async.wasm" "${wasm_features[@]}" -q --print >"$work/lua.async.wat"
get_state=$(sed -n 's/^ (export "asyncify_get_state" (func \(\$[^ )]*\)))$/\1/p' \
            "$work/lua.async.wat")
state=$(grep -A1 -F " (func $get_state " "$work/lua.async.wat" |
        sed -n 's/^ *(global\.get \(\$[^ )]*\))$/\1/p')
[ -n "$state" ] || { echo "lua.sh: cannot find Asyncify's state global" >&2; exit 1; }
# One line per function: name, instrumented (0/1), calls an import directly (0/1).
STATE="$state" awk '
  function flush() { if (name != "") print name, inst, imp; name = "" }
  /^ \(import / && match($0, /\(func \$[^ )]+/) { imports[substr($0, RSTART + 7, RLENGTH - 7)] = 1 }
  /^ \(func / { flush(); name = $2; sub(/^\$/, "", name); inst = 0; imp = 0; next }
  name != "" && index($0, "(global.get " ENVIRON["STATE"] ")") { inst = 1 }
  name != "" && match($0, /\(call \$[^ )]+/) { if (substr($0, RSTART + 7, RLENGTH - 7) in imports) imp = 1 }
  END { flush() }' "$work/lua.async.wat" >"$work/functions.txt"
check_instrumented() {  # function 0|1
  got=$(awk -v f="$1" '$1 == f { print $2 }' "$work/functions.txt")
  [ "$got" = "$2" ] ||
    { echo "lua.sh: instrumentation of $1 is '$got', expected '$2'" >&2; exit 1; }
}
# The two ends of the mechanism call the asyncify.* functions themselves, so Asyncify
# leaves them alone; the code between them is instrumented.
check_instrumented xlua_catch 0
check_instrumented xlua_throw 0
check_instrumented luaD_throw 1
check_instrumented luaD_rawrunprotected 1
check_instrumented luaG_errormsg 1
check_instrumented luaV_execute 1
# --mod-asyncify-always-and-only-unwind below assumes that we never rewind (true: errors
# only unwind) and that a call to an import is followed by an unwind. That second part is
# vacuous only if no instrumented function calls an import (a WASI function) directly.
if awk '$2 == 1 && $3 == 1 { print; bad = 1 } END { exit !bad }' "$work/functions.txt"; then
  echo "lua.sh: the instrumented functions above call imports directly" >&2
  exit 1
fi

# Drops the code for rewinding (a third of Asyncify's overhead), then optimizes.
"${wasm_opt[@]}" "$work/lua.async.wasm" -o "$work/lua.opt.wasm" "${wasm_features[@]}" \
  --mod-asyncify-always-and-only-unwind -O2 -g

# Drops the asyncify_* exports (only _start and memory stay), then names and custom sections.
printf '%s\n' '[' \
  '  {"name": "start", "export": "_start", "root": true},' \
  '  {"name": "memory", "export": "memory", "root": true}' \
  ']' >"$work/roots.json"
"${wasm_metadce[@]}" -f "$work/roots.json" "$work/lua.opt.wasm" -o "$work/lua.dce.wasm" \
  "${wasm_features[@]}" >"$work/metadce.log"
"${wasm_opt[@]}" "$work/lua.dce.wasm" -o "$OUT/lua.wasm" "${wasm_features[@]}" \
  --strip-debug --strip-producers --strip-target-features

# Only WASI preview 1 imports; only _start and memory exported.
"${wasm_opt[@]}" "$OUT/lua.wasm" "${wasm_features[@]}" -q --print >"$work/lua.wat"
if grep '^ (import ' "$work/lua.wat" | grep -v '^ (import "wasi_snapshot_preview1" '; then
  echo "lua.sh: lua.wasm has the non-WASI imports above" >&2
  exit 1
fi
exports=$(sed -n 's/^ (export "\([^"]*\)".*/\1/p' "$work/lua.wat" | sort | tr '\n' ' ')
[ "$exports" = "_start memory " ] ||
  { echo "lua.sh: lua.wasm exports $exports, expected _start and memory" >&2; exit 1; }
echo "lua.sh: $OUT/lua.wasm ($(stat -c %s "$OUT/lua.wasm") bytes)"
