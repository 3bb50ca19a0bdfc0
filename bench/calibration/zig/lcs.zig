// Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
// LCG (seed 12345): the first N draws, then the next N. Prints its length.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    const n = try readN(init);
    const s = try init.gpa.alloc(u8, n);
    defer init.gpa.free(s);
    const t = try init.gpa.alloc(u8, n);
    defer init.gpa.free(t);
    var x: i64 = 12345;
    for ([_][]u8{ s, t }) |string| {
        for (string) |*c| {
            x = @mod(x * 48271, 2147483647);
            c.* = @intCast(@mod(x, 4));
        }
    }
    var prev = try init.gpa.alloc(i32, n + 1);
    defer init.gpa.free(prev);
    var cur = try init.gpa.alloc(i32, n + 1);
    defer init.gpa.free(cur);
    @memset(prev, 0);
    @memset(cur, 0);
    for (1..n + 1) |i| {
        for (1..n + 1) |j| {
            cur[j] = if (s[i - 1] == t[j - 1]) prev[j - 1] + 1 else @max(prev[j], cur[j - 1]);
        }
        std.mem.swap([]i32, &prev, &cur);
    }
    try print(init, "{d}\n", .{prev[n]});
}

fn readN(init: std.process.Init) !usize {
    var buffer: [64]u8 = undefined;
    var reader = std.Io.File.stdin().reader(init.io, &buffer);
    const input = try reader.interface.allocRemaining(init.gpa, .unlimited);
    defer init.gpa.free(input);
    return std.fmt.parseInt(usize, std.mem.trim(u8, input, " \n\r\t"), 10);
}

fn print(init: std.process.Init, comptime format: []const u8, args: anytype) !void {
    var buffer: [256]u8 = undefined;
    var writer = std.Io.File.stdout().writer(init.io, &buffer);
    try writer.interface.print(format, args);
    try writer.interface.flush();
}
