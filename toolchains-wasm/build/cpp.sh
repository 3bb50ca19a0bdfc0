#!/usr/bin/env bash
# C++: libunwind, libc++abi and libc++ 19 (Debian's llvm-toolchain-19 sources) built for
# wasm32-wasip1 with wasm exception handling, a start file that hands an uncaught exception to
# std::terminate, our bits/stdc++.h, testlib.h, and bits/stdc++.h precompiled for the exact
# flags of the manifest's compile command ($COMPILE_COMMAND, one argument per line), made where
# compiles see the toolchain (/toolchain). Checked by compiling programs that use all of it.
set -euo pipefail
SRC="$SRC_LLVM_TOOLCHAIN_19/llvm-toolchain-19_19.1.7"
FLAGS="-fwasm-exceptions -mllvm -wasm-use-legacy-eh=false -O2"

mkdir -p "$OUT/sysroot/lib" "$OUT/sysroot/include" "$OUT/include/bits" "$OUT/lib" "$OUT/pch"
ln -s /usr/lib/wasm32-wasi "$OUT/sysroot/lib/wasm32-wasip1"
ln -s /usr/include/wasm32-wasi "$OUT/sysroot/include/wasm32-wasip1"
cp "$ASSETS/clang/bits/stdc++.h" "$OUT/include/bits/stdc++.h"

# ---- the runtimes, from a patched copy of the sources
cp -r "$SRC" "$WORK/llvm"
python3 "$ASSETS/cpp/runtimes_patch.py" "$WORK/llvm"
cmake -G Ninja -S "$WORK/llvm/runtimes" -B "$WORK/runtimes" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$OUT/cxx" \
    -DCMAKE_C_COMPILER="$CLANG" -DCMAKE_CXX_COMPILER="$CLANGXX" \
    -DCMAKE_AR=/usr/lib/llvm-22/bin/llvm-ar -DCMAKE_RANLIB=/usr/lib/llvm-22/bin/llvm-ranlib \
    -DCMAKE_C_COMPILER_TARGET=wasm32-wasip1 -DCMAKE_CXX_COMPILER_TARGET=wasm32-wasip1 \
    -DCMAKE_ASM_COMPILER_TARGET=wasm32-wasip1 -DCMAKE_SYSROOT="$WASI_SYSROOT" \
    -DCMAKE_C_FLAGS="$FLAGS" -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_ASM_FLAGS="$FLAGS" \
    -DCMAKE_C_COMPILER_WORKS=ON -DCMAKE_CXX_COMPILER_WORKS=ON \
    -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY -DUNIX=ON \
    -DLLVM_ENABLE_RUNTIMES="libunwind;libcxxabi;libcxx" -DLLVM_INCLUDE_TESTS=OFF \
    -DLLVM_COMPILER_CHECKED=ON \
    -DLIBUNWIND_ENABLE_SHARED=OFF -DLIBUNWIND_ENABLE_THREADS=OFF -DLIBUNWIND_HIDE_SYMBOLS=ON \
    -DLIBUNWIND_INCLUDE_TESTS=OFF -DLIBUNWIND_USE_COMPILER_RT=OFF \
    -DLIBCXXABI_ENABLE_SHARED=OFF -DLIBCXXABI_ENABLE_THREADS=OFF -DLIBCXXABI_HAS_PTHREAD_API=OFF \
    -DLIBCXXABI_USE_LLVM_UNWINDER=ON -DLIBCXXABI_ENABLE_STATIC_UNWINDER=ON \
    -DLIBCXXABI_ENABLE_EXCEPTIONS=ON -DLIBCXXABI_SILENT_TERMINATE=OFF \
    -DLIBCXXABI_NON_DEMANGLING_TERMINATE=ON -DLIBCXXABI_INCLUDE_TESTS=OFF \
    -DLIBCXX_ENABLE_SHARED=OFF -DLIBCXX_ENABLE_THREADS=OFF -DLIBCXX_HAS_PTHREAD_API=OFF \
    -DLIBCXX_ENABLE_FILESYSTEM=OFF -DLIBCXX_ENABLE_EXCEPTIONS=ON -DLIBCXX_CXX_ABI=libcxxabi \
    -DLIBCXX_ENABLE_STATIC_ABI_LIBRARY=ON -DLIBCXX_HAS_MUSL_LIBC=ON \
    -DLIBCXX_ENABLE_EXPERIMENTAL_LIBRARY=OFF -DLIBCXX_INCLUDE_TESTS=OFF \
    -DLIBCXX_INCLUDE_BENCHMARKS=OFF
ninja -C "$WORK/runtimes" install
# wasi-libc has no statvfs, so libc++ is built without its filesystem library, which also
# switches <fstream> off; file streams need only stdio (fstream_patch.py).
python3 "$ASSETS/cpp/fstream_patch.py" "$OUT/cxx/include/c++/v1/fstream"
rm -rf "$OUT/cxx/share" "$OUT/cxx/lib/libc++.modules.json" "$OUT/cxx/lib/libc++experimental.a"

cxx() {
    "$CLANGXX" --target=wasm32-wasip1 --sysroot="$OUT/sysroot" -nostdinc++ \
        -isystem "$OUT/cxx/include/c++/v1" -isystem "$OUT/include" -std=c++20 $FLAGS "$@"
}
cxx -c -o "$OUT/lib/crt1-command.o" "$ASSETS/cpp/crt1.cpp"

python3 "$ASSETS/clang/testlib_patch.py" \
    "$SRC_TESTLIB/rbx/resources/predownloaded/testlib.h" "$OUT/include/testlib.h"

# ---- the precompiled header, made by the manifest's own flags at /toolchain
# A root of its own (tmpfs) holding /usr, the toolchain at /toolchain and the scratch dir, as
# a jailed compile sees them.
jail() {
    bwrap --tmpfs / --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
        --symlink usr/bin /bin --dev /dev --proc /proc --tmpfs /tmp \
        --bind "$OUT" /toolchain --bind "$WORK" "$WORK" "$@"
}
mapfile -t command <<< "$COMPILE_COMMAND"
pch=()
skip=0
for arg in "${command[@]}"; do
    if ((skip)); then skip=$((skip - 1)); continue; fi
    case "$arg" in
        -include-pch | -o) skip=1 ;;
        -Wl,* | -nostartfiles | -nostdlib++ | -l* | -L* | *.o | main.cpp) ;;
        *) pch+=("$arg") ;;
    esac
done
jail --chdir /toolchain -- "${pch[@]}" -Xclang -fno-pch-timestamp -fpch-instantiate-templates \
    -x c++-header /toolchain/include/bits/stdc++.h -o /toolchain/pch/stdc++.pch

# ---- checks, through the manifest's compile command run the same way
check() {
    local name="$1"
    mkdir -p "$WORK/check-$name"
    cp "$ASSETS/cpp/checks/$name.cpp" "$WORK/check-$name/main.cpp"
    local status=0
    jail --chdir "$WORK/check-$name" -- "${command[@]}" > "$WORK/check-$name/messages" 2>&1 ||
        status=$?
    if ((status)) || [[ -s "$WORK/check-$name/messages" ]]; then
        cat "$WORK/check-$name/messages" >&2
        echo "check $name: the compiler said something" >&2
        exit 1
    fi
}
for name in "$ASSETS"/cpp/checks/*.cpp; do
    check "$(basename "$name" .cpp)"
done
