#!/usr/bin/env bash
# C: a sysroot over Debian's wasi-libc for wasm32-wasip1, checked by compiling a program.
# (C++ has its own build: build/cpp.sh.)
set -euo pipefail
mkdir -p "$OUT/sysroot/lib" "$OUT/sysroot/include"
ln -s /usr/lib/wasm32-wasi "$OUT/sysroot/lib/wasm32-wasip1"
ln -s /usr/include/wasm32-wasi "$OUT/sysroot/include/wasm32-wasip1"
printf '#include <stdio.h>\n#include <stdlib.h>\nint cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }\nint main(void) { int v[] = {3, 1, 2}; qsort(v, 3, sizeof *v, cmp); printf("%%d\\n", v[0]); }\n' > "$WORK/check.c"
"$CLANG" --target=wasm32-wasip1 --sysroot="$OUT/sysroot" -std=c17 -O2 -o "$WORK/check.wasm" "$WORK/check.c"
