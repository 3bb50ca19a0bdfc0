#!/usr/bin/env bash
# C and C++: a sysroot over Debian's wasi-libc and libc++ for wasm32-wasip1, and our own
# bits/stdc++.h. Checked by compiling a program that uses it.
set -euo pipefail
mkdir -p "$OUT/sysroot/lib" "$OUT/sysroot/include" "$OUT/include/bits"
ln -s /usr/lib/wasm32-wasi "$OUT/sysroot/lib/wasm32-wasip1"
ln -s /usr/include/wasm32-wasi "$OUT/sysroot/include/wasm32-wasip1"
cp "$ASSETS/clang/bits/stdc++.h" "$OUT/include/bits/stdc++.h"
printf '#include <bits/stdc++.h>\nint main() { std::vector<int> v{3, 1, 2}; std::sort(v.begin(), v.end()); std::cout << v[0] << "\\n"; }\n' > "$WORK/check.cpp"
"$CLANGXX" --target=wasm32-wasip1 --sysroot="$OUT/sysroot" -isystem "$OUT/include" -std=c++20 \
    -fno-exceptions -O2 -o "$WORK/check.wasm" "$WORK/check.cpp"
