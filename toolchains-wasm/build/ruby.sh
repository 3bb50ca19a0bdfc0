#!/usr/bin/env bash
# Ruby 3.4: turns ruby.wasm's reactor (npm @ruby/3.4-wasm-wasi, dist/ruby.debug+stdlib.wasm:
# CRuby + its stdlib packed by wasi-vfs, asyncify-instrumented, with a name section) into one
# WASI command module, $OUT/ruby.wasm, whose `_start` behaves as `ruby SCRIPT ARGS...`, and whose
# `wizer.initialize` does the part of the start-up that is the same for every run (ruby-init,
# init.rb, runner.rb: ~207 M fuel) so that it can be snapshotted (Wizer-style; `_start` does it
# itself when not done). From a snapshot, hello world costs ~1.2 M fuel.
#
#   prepare.mjs   stubs the JavaScript-interop imports, exports the internal functions
#                 glue.wat needs (by name: hence the debug build), fills glue.wat's placeholders
#   wasm-as       assembles glue.wat (`wizer.initialize` and `_start`, see its header)
#   wasm-merge    links glue into the reactor (glue imports the reactor's exports)
#   finalize.mjs  keeps only `_start`, `wizer.initialize` and `memory` exported, drops
#                 unreachable code, checks that only wasi_snapshot_preview1 is imported and the
#                 features are allowed
#
# Inputs: OUT (empty directory to fill), WORK (scratch), ASSETS (toolchains-wasm/assets),
# SRC_RUBY (the npm package's `package/` directory), SRC_BINARYEN (npm binaryen's `package/`).
# Needs node (binaryen's tools are JavaScript builds run on node).
# RUBY_VM_STACK_SIZE (bytes, default 8 MiB) is the default RUBY_THREAD_VM_STACK_SIZE baked into
# the start-up; an environment that sets RUBY_THREAD_VM_STACK_SIZE overrides it (the environment
# at start-up: a snapshot's runs do not read theirs).
set -euo pipefail

: "${OUT:?}" "${WORK:?}" "${ASSETS:?}" "${SRC_RUBY:?}" "${SRC_BINARYEN:?}"
vm_stack="${RUBY_VM_STACK_SIZE:-8388608}"
# ruby-init's argv. The script is not there: it is a run's input, and the start-up may be
# snapshotted before any run. -e keeps ruby_options from reading a script from stdin; runner.rb
# sets ARGV from the run's argv[1..] and runs ARGV[0]. -EUTF-8: strings read are UTF-8.
# syntax_suggest is off: it needs threads (Timeout), which WASI lacks, and breaks the
# SyntaxError message. --disable-gems: RubyGems (with did_you_mean and error_highlight) is three
# quarters of the startup (729 M fuel with it, 182 M without) and a judge installs no gems;
# init.rb puts the bundled gems (prime, set, ...) on the load path.
# RUBY_INIT_ARGS (space-separated) replaces these arguments.
read -r -a init_args <<<"${RUBY_INIT_ARGS:-ruby -EUTF-8 --disable-gems -e_=0}"
assets="$ASSETS/ruby"
reactor="$SRC_RUBY/dist/ruby.debug+stdlib.wasm"
features=(--enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue)

[ -f "$reactor" ] || { echo "ruby.sh: $reactor not found" >&2; exit 1; }
mkdir -p "$WORK" "$OUT"

node "$assets/prepare.mjs" "$SRC_BINARYEN" "$reactor" "$WORK/ruby-reactor.wasm" \
  "$assets/glue.wat" "$assets/init.rb" "$assets/runner.rb" "$vm_stack" "$WORK/glue.wat" "${init_args[@]}"
node "$SRC_BINARYEN/bin/wasm-as" "${features[@]}" "$WORK/glue.wat" -o "$WORK/glue.wasm"
# Multi-memory only while merging: glue's memory import is fused with the reactor's memory
# (finalize.mjs checks one memory is left). On failure wasm-merge prints the whole module.
node "$SRC_BINARYEN/bin/wasm-merge" "${features[@]}" --enable-multimemory \
  "$WORK/ruby-reactor.wasm" ruby "$WORK/glue.wasm" xcode_glue -o "$WORK/ruby-merged.wasm" \
  >"$WORK/wasm-merge.log" 2>&1 || { tail -c 2000 "$WORK/wasm-merge.log" >&2; exit 1; }
node "$assets/finalize.mjs" "$SRC_BINARYEN" "$WORK/ruby-merged.wasm" "$OUT/ruby.wasm"
echo "ruby.sh: $OUT/ruby.wasm ($(stat -c %s "$OUT/ruby.wasm") bytes)"
