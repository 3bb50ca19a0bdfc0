// Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    const n = try readN(init);
    const composite = try init.gpa.alloc(bool, n + 1);
    defer init.gpa.free(composite);
    @memset(composite, false);
    var i: usize = 2;
    while (i * i <= n) : (i += 1) {
        if (composite[i]) continue;
        var j = i * i;
        while (j <= n) : (j += i) composite[j] = true;
    }
    var count: u64 = 0;
    var sum: u64 = 0;
    for (2..n + 1) |k| {
        if (!composite[k]) {
            count += 1;
            sum += k;
        }
    }
    try print(init, "{d} {d}\n", .{ count, sum });
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
