// Reads the name, then counts forever instead of answering.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    var in_buffer: [256]u8 = undefined;
    var reader = std.Io.File.stdin().reader(init.io, &in_buffer);
    const input = try reader.interface.allocRemaining(init.gpa, .unlimited);
    var counter: u64 = input.len;
    while (true) {
        counter +%= 1;
        std.mem.doNotOptimizeAway(&counter);
    }
}
