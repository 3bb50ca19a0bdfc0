#!/usr/bin/env bash
# Zig: the official build from PyPI's ziglang, plus a global cache warmed (in the same jail
# layout as a submission's compile) with what every wasm32-wasi program links, so a compile
# does not rebuild compiler-rt. Each compile gets a private copy of the cache.
set -euo pipefail
cp -a "$SRC_ZIG" "$OUT/ziglang"
mkdir -p "$OUT/zig-global-cache" "$WORK/box"
cat > "$WORK/box/main.zig" <<'ZIG'
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    var in_buffer: [4096]u8 = undefined;
    var reader = std.Io.File.stdin().reader(io, &in_buffer);
    _ = &reader;
    var out_buffer: [4096]u8 = undefined;
    var writer = std.Io.File.stdout().writer(io, &out_buffer);
    const out = &writer.interface;
    var list: std.ArrayList(u64) = .empty;
    defer list.deinit(init.gpa);
    try list.append(init.gpa, 42);
    std.mem.sort(u64, list.items, {}, std.sort.asc(u64));
    try out.print("{d}\n", .{list.items[0]});
    try out.flush();
}
ZIG
bwrap --unshare-all --die-with-parent --clearenv \
    --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin \
    --dev /dev --proc /proc --tmpfs /tmp \
    --bind "$OUT" /toolchain --bind "$WORK/box" /box --chdir /box \
    --setenv PATH /usr/bin:/bin --setenv HOME /box \
    -- /toolchain/ziglang/zig build-exe main.zig -target wasm32-wasi -O ReleaseSafe \
    --global-cache-dir /toolchain/zig-global-cache --cache-dir /box/zig-cache -femit-bin=main.wasm
test -s "$WORK/box/main.wasm"
