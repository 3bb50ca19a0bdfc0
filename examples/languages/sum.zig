const std = @import("std");

pub fn main(init: std.process.Init) !void {
    var in_buffer: [1 << 16]u8 = undefined;
    var reader = std.Io.File.stdin().reader(init.io, &in_buffer);
    const input = try reader.interface.allocRemaining(init.gpa, .unlimited);
    var it = std.mem.tokenizeAny(u8, input, " \n\r\t");
    const n = try std.fmt.parseInt(usize, it.next().?, 10);
    var sum: i64 = 0;
    for (0..n) |_| sum += try std.fmt.parseInt(i64, it.next().?, 10);
    var out_buffer: [256]u8 = undefined;
    var writer = std.Io.File.stdout().writer(init.io, &out_buffer);
    try writer.interface.print("{d}\n", .{sum});
    try writer.interface.flush();
}
