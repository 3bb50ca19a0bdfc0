#!/usr/bin/env bash
# Rust: Debian's rustc (rustc-web) has no standard library for wasm32-wasip1, so build one from
# Debian's rust-web-src with Debian's cargo (-Zbuild-std, enabled on a stable compiler by
# RUSTC_BOOTSTRAP), and lay it out as a sysroot. The crates std depends on come from
# crates.io, pinned by the Cargo.lock inside rust-web-src. About 80 s.
set -euo pipefail
project="$WORK/std"
mkdir -p "$project/src"
cat > "$project/Cargo.toml" <<'TOML'
[package]
name = "xcode-std"
version = "0.0.0"
edition = "2021"

[lib]
path = "src/lib.rs"

[profile.release]
panic = "abort"

[workspace]
TOML
: > "$project/src/lib.rs"
cd "$project"
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$WORK/target" \
    /usr/bin/cargo build --release --target wasm32-wasip1 -Zbuild-std=std,panic_abort
lib="$OUT/sysroot/lib/rustlib/wasm32-wasip1/lib"
mkdir -p "$lib"
cp "$WORK"/target/wasm32-wasip1/release/deps/*.rlib "$lib/"
rm -f "$lib"/libxcode_std-*.rlib
# A check: hello world through the same flags as a submission.
printf 'fn main() { let v: Vec<u64> = (1..=10).collect(); println!("{}", v.iter().sum::<u64>()); }\n' > "$WORK/check.rs"
/usr/bin/rustc --edition=2021 -O --target=wasm32-wasip1 --sysroot="$OUT/sysroot" -Cpanic=abort \
    -Clinker=/usr/lib/llvm-22/bin/wasm-ld -Clink-self-contained=no -L/usr/lib/wasm32-wasi \
    -Clink-arg=/usr/lib/wasm32-wasi/crt1-command.o -o "$WORK/check.wasm" "$WORK/check.rs"
