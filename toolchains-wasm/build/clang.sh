#!/usr/bin/env bash
# C and C++: a sysroot over Debian's wasi-libc and libc++ for wasm32-wasip1, our own
# bits/stdc++.h, and for C++ (SRC_TESTLIB set) testlib.h patched to compile without exceptions
# and libc++'s <fstream> switched on (Debian builds it off along with the filesystem library).
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
    python3 "$ASSETS/clang/fstream_patch.py" \
        "$OUT/sysroot/include/wasm32-wasip1/c++/v1/fstream" "$OUT/include/fstream"
    printf '#include "testlib.h"\nint main(int argc, char *argv[]) { registerTestlibCmd(argc, argv); int x = ouf.readInt(1, 10, "x"); quitf(x == ans.readInt() ? _ok : _wa, "x = %%d", x); }\n' > "$WORK/checker.cpp"
    cxx -o "$WORK/checker.wasm" "$WORK/checker.cpp"
    printf '#include <fstream>\n#include <string>\nint main(int argc, char *argv[]) { std::ifstream in(argv[1]); std::ofstream out(argv[2]); std::string s; while (in >> s) out << s; return !in.eof(); }\n' > "$WORK/files.cpp"
    cxx -o "$WORK/files.wasm" "$WORK/files.cpp"
fi
