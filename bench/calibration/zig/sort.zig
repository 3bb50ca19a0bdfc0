// Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
// sorted array modulo 1e9+7.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    const n = try readN(init);
    const a = try init.gpa.alloc(i32, n);
    defer init.gpa.free(a);
    var x: i64 = 12345;
    for (a) |*value| {
        x = @mod(x * 48271, 2147483647);
        value.* = @intCast(x);
    }
    std.mem.sortUnstable(i32, a, {}, std.sort.asc(i32));
    var hash: i64 = 0;
    for (a) |value| hash = @mod(hash * 31 + value, 1000000007);
    try print(init, "{d}\n", .{hash});
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
