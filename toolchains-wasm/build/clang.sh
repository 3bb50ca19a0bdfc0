#!/usr/bin/env bash
# C and C++: a sysroot over Debian's wasi-libc and libc++ for wasm32-wasip1, our own
# bits/stdc++.h, and for C++ (SRC_TESTLIB set) testlib.h patched to compile without exceptions.
# Checked by compiling programs that use them.
set -euo pipefail
mkdir -p "$OUT/sysroot/lib" "$OUT/sysroot/include" "$OUT/include/bits"
ln -s /usr/lib/wasm32-wasi "$OUT/sysroot/lib/wasm32-wasip1"
ln -s /usr/include/wasm32-wasi "$OUT/sysroot/include/wasm32-wasip1"
cp "$ASSETS/clang/bits/stdc++.h" "$OUT/include/bits/stdc++.h"
cxx() {
    "$CLANGXX" --target=wasm32-wasip1 --sysroot="$OUT/sysroot" -isystem "$OUT/include" -std=c++20 \
        -fno-exceptions -O2 "$@"
}
printf '#include <bits/stdc++.h>\nint main() { std::vector<int> v{3, 1, 2}; std::sort(v.begin(), v.end()); std::cout << v[0] << "\\n"; }\n' > "$WORK/check.cpp"
cxx -o "$WORK/check.wasm" "$WORK/check.cpp"
if [[ -n "${SRC_TESTLIB:-}" ]]; then
    python3 "$ASSETS/clang/testlib_patch.py" \
        "$SRC_TESTLIB/rbx/resources/predownloaded/testlib.h" "$OUT/include/testlib.h"
    printf '#include "testlib.h"\nint main(int argc, char *argv[]) { registerTestlibCmd(argc, argv); int x = ouf.readInt(1, 10, "x"); quitf(x == ans.readInt() ? _ok : _wa, "x = %%d", x); }\n' > "$WORK/checker.cpp"
    cxx -o "$WORK/checker.wasm" "$WORK/checker.cpp"
fi
