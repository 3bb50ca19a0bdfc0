export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_BUILD_JOBS=1
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="--cap-lints=warn -Clinker=/usr/lib/llvm-22/bin/wasm-ld -Clink-self-contained=no -L/usr/lib/wasm32-wasi -Clink-arg=/usr/lib/wasm32-wasi/crt1-command.o -Clink-arg=-zstack-size=67108864"
export CARGO_TARGET_DIR=/tmp/ristretto/target
