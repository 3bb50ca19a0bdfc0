#!/usr/bin/env bash
# JavaScript: QuickJS-ng, from the C sources vendored in the crates.io crate rquickjs-sys, built
# into one WASI preview-1 command module, $OUT/qjs.wasm.
#
#   run:  qjs /src/main.js   (input on stdin; no environment variables needed)
#
# The module also exports `wizer.initialize` ([] -> []), for a Wizer-style snapshot: it makes
# the engine, the globals and the whole prelude, and does nothing that depends on the run;
# the snapshot's _start then does only the run's part. Unsnapshotted, _start does both.
#
# Inputs (environment):
#   OUT               empty directory to fill (gets qjs.wasm)
#   WORK              scratch directory
#   ASSETS            toolchains-wasm/assets (uses assets/javascript/)
#   SRC_RQUICKJS_SYS  the extracted rquickjs-sys crate (its quickjs/ holds the engine)
#   WASI_SYSROOT      clang sysroot with lib/wasm32-wasip1 and include/wasm32-wasip1
#   CLANG             clang for --target=wasm32-wasip1 (clang-22)
#   HOSTCC            optional, default cc: a native C compiler, to compile the prelude to
#                     bytecode at build time; without one the prelude is embedded as source
#                     (same behaviour, slower start)
#
# Sources in assets/javascript/: main.c (the runner: I/O, event loop, error reporting),
# prelude/*.js (the Node and Codeforces APIs, in JS, one lazily loaded chunk per file),
# engine.c (quickjs.c, plus the settings it hides on WASI and faster input parsing),
# mkprelude.c (the build-time bytecode compiler).
set -euo pipefail

: "${OUT:?}" "${WORK:?}" "${ASSETS:?}" "${SRC_RQUICKJS_SYS:?}" "${WASI_SYSROOT:?}" "${CLANG:?}"
HOSTCC="${HOSTCC:-cc}"
A="$ASSETS/javascript"
Q="$SRC_RQUICKJS_SYS/quickjs"
B="$WORK/javascript"
QJS_SOURCES=(libregexp.c libunicode.c dtoa.c)

# Linear-memory C stack. QuickJS recurses in C for every JS call (about 270 bytes of this
# stack per frame of a small function), so 8 MiB gives about 29,000-deep JS recursion (Node's
# default: about 11,000); main.c puts QuickJS's stack limit 256 KiB above the bottom, which
# turns deeper recursion into a catchable RangeError. --stack-first puts the stack at the
# bottom of memory, so an overflow QuickJS does not catch leaves memory and traps instead of
# corrupting the heap. The engine's own (wasm) stack needs about 16 MiB for the deepest
# recursion.
STACK_SIZE=8388608

for f in quickjs.c quickjs.h "${QJS_SOURCES[@]}"; do
    [[ -f "$Q/$f" ]] || { echo "javascript.sh: $Q/$f not found (is SRC_RQUICKJS_SYS the rquickjs-sys crate?)" >&2; exit 1; }
done
rm -rf "$B"
mkdir -p "$B" "$OUT"

# -DNDEBUG, as in QuickJS's release builds: without it quickjs.c also checks its debug-dump
# flags at every bytecode instruction (14% more instructions in a loop). -O3 and -msimd128 do
# no better than -O2. -ffile-prefix-map keeps the module independent of where the sources and
# the scratch directory are (paths in __FILE__).
WASM_CFLAGS=(
    --target=wasm32-wasip1 --sysroot="$WASI_SYSROOT" -O2
    -D_GNU_SOURCE -DNDEBUG -I"$Q"
    -ffile-prefix-map="$Q"=quickjs -ffile-prefix-map="$A"=javascript -ffile-prefix-map="$B"=build
    -Wno-implicit-const-int-float-conversion
)

# engine.c (all of quickjs.c) takes most of the time: compile it on the second core while the
# first does everything else.
"$CLANG" "${WASM_CFLAGS[@]}" -c "$A/engine.c" -o "$B/engine.o" &
engine_pid=$!
trap 'kill "$engine_pid" 2>/dev/null || true' EXIT # if a step below fails

# the prelude, one chunk per file, as bytecode compiled by a native build of the same QuickJS
# (-O0: the tool runs for milliseconds, and compiles in a third of the time of -O1)
PRELUDE=()
while IFS= read -r f; do PRELUDE+=("$f"); done < <(LC_ALL=C ls "$A"/prelude/*.js)
if command -v "$HOSTCC" >/dev/null 2>&1; then
    mkdir -p "$B/host"
    "$HOSTCC" -O0 -w -D_GNU_SOURCE -I"$Q" -o "$B/host/mkprelude" "$A/mkprelude.c" "$Q/quickjs.c" \
        "${QJS_SOURCES[@]/#/$Q/}" -lm -lpthread
    "$B/host/mkprelude" "$B/prelude.c" "${PRELUDE[@]}"
else
    echo "javascript.sh: no host C compiler ($HOSTCC): embedding the prelude as source (slower start)" >&2
    {
        echo '/* generated from prelude/: source text */'
        echo '#include <stddef.h>'
        echo '#include <stdint.h>'
        echo 'struct xc_chunk { const char *name; const uint8_t *data; size_t len; };'
        echo 'const int xc_chunks_are_bytecode = 0;'
        for i in "${!PRELUDE[@]}"; do
            echo "static const uint8_t chunk$i[] = {"
            od -An -v -tx1 "${PRELUDE[$i]}" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
            echo '0 };' # JS_Eval reads source up to a NUL after its end
        done
        echo 'const struct xc_chunk xc_chunks[] = {'
        for i in "${!PRELUDE[@]}"; do
            name="$(basename "${PRELUDE[$i]}" .js)"
            echo "    { \"$name\", chunk$i, sizeof chunk$i - 1 },"
        done
        echo '};'
        echo "const int xc_chunk_count = ${#PRELUDE[@]};"
    } > "$B/prelude.c"
fi

QJS_OBJECTS=()
for f in "${QJS_SOURCES[@]}"; do
    "$CLANG" "${WASM_CFLAGS[@]}" -c "$Q/$f" -o "$B/${f%.c}.o"
    QJS_OBJECTS+=("$B/${f%.c}.o")
done
"$CLANG" "${WASM_CFLAGS[@]}" -Wall -c "$A/main.c" -o "$B/main.o"
"$CLANG" "${WASM_CFLAGS[@]}" -c "$B/prelude.c" -o "$B/prelude.o"

wait "$engine_pid"
trap - EXIT

"$CLANG" --target=wasm32-wasip1 --sysroot="$WASI_SYSROOT" -O2 -o "$OUT/qjs.wasm" \
    "$B/main.o" "$B/prelude.o" "$B/engine.o" "${QJS_OBJECTS[@]}" \
    -Wl,-z,stack-size="$STACK_SIZE" -Wl,--stack-first -Wl,--strip-all -lm
echo "javascript.sh: built $OUT/qjs.wasm ($(wc -c < "$OUT/qjs.wasm") bytes)"
