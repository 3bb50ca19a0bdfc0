#!/usr/bin/env bash
# Python: CPython's WASI build with its standard library embedded, taken as it is.
set -euo pipefail
cp "$SRC_PYTHON_WASM/bin/python.wasm" "$OUT/python.wasm"
