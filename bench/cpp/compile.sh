#!/usr/bin/env bash
# C++ compile times, side by side in one hyperfine run (bench/README.md, "C++ compiles"):
# native `g++ -O2`, and clang to wasm32 exactly as the judge compiles (the manifest's command,
# in a bubblewrap root like the jail's) with the precompiled bits/stdc++.h and without it.
#
#   bench/cpp/compile.sh [RUNS]      (needs `xcode toolchains install cpp`, g++, hyperfine, bwrap)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runs=${1:-10}
toolchain=${XCODE_HOME:-$HOME/.cache/xcode}/toolchains/cpp
[[ -f $toolchain/.xcode-toolchain ]] || { echo "compile.sh: install C++ first" >&2; exit 1; }
work=$(mktemp -d /tmp/xcode-bench-cpp.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The manifest's compile command, and the same without the precompiled header.
python3 - "$here/../../toolchains-wasm/manifest.toml" "$work" <<'PY'
import shlex, sys, tomllib
step = tomllib.load(open(sys.argv[1], "rb"))["languages"]["cpp"]["compile"]
command, cut = step["command"], step["retry_without"]
at = next(i for i in range(len(command)) if command[i:i + len(cut)] == cut)
open(f"{sys.argv[2]}/with-pch", "w").write(shlex.join(command))
open(f"{sys.argv[2]}/without-pch", "w").write(shlex.join(command[:at] + command[at + len(cut):]))
PY

jail="bwrap --tmpfs / --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
--symlink usr/bin /bin --dev /dev --proc /proc --tmpfs /tmp --ro-bind $toolchain /toolchain"
for program in stdcxx cstdio; do
    mkdir -p "$work/$program"
    cp "$here/$program.cpp" "$work/$program/main.cpp"
    echo "### $program.cpp"
    hyperfine --style none --runs "$runs" --warmup 1 --export-markdown "$work/$program.md" \
        -n "native g++ -O2" "g++ -O2 -std=gnu++20 -o $work/$program/native $work/$program/main.cpp" \
        -n "wasm32, precompiled bits/stdc++.h" \
        "$jail --bind $work/$program /box --chdir /box -- $(cat "$work/with-pch")" \
        -n "wasm32, no precompiled header" \
        "$jail --bind $work/$program /box --chdir /box -- $(cat "$work/without-pch")" > /dev/null
    cat "$work/$program.md"
    echo
done
