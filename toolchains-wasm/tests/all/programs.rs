//! The same programs in every language, written as contestants write them. Hello world and
//! the canonical sum program are the ones in `examples/languages/` (the benchmark runs them
//! too).

/// `examples/languages/{hello,sum}.<ext>` of a language.
pub fn example(lang: &str, name: &str) -> &'static str {
    macro_rules! pick {
        ($($id:literal => $ext:literal,)*) => {
            match (lang, name) {
                $(
                    ($id, "hello") => include_str!(concat!("../../../examples/languages/hello.", $ext)),
                    ($id, "sum") => include_str!(concat!("../../../examples/languages/sum.", $ext)),
                )*
                _ => panic!("no example {name} for {lang}"),
            }
        };
    }
    pick! {
        "c" => "c",
        "cpp" => "cpp",
        "rust" => "rs",
        "go" => "go",
        "zig" => "zig",
        "kotlin" => "kt",
        "java" => "java",
        "python3" => "py",
        "javascript" => "js",
        "typescript" => "ts",
        "ruby" => "rb",
        "lua" => "lua",
    }
}

pub struct Programs {
    /// Besides `examples/languages/sum.*`: other ways contestants read input. Each reads a
    /// count, then that many integers, and prints their sum.
    pub sum: Vec<&'static str>,
    pub runtime_error: &'static str,
    /// Each must appear in stderr after `runtime_error`.
    pub error_message: &'static [&'static str],
    pub infinite_loop: &'static str,
    pub memory_bomb: &'static str,
    /// Prints `depth` after recursing that deep (not a tail call: work follows it).
    pub recursion: &'static str,
    pub depth: u32,
    pub big_integers: Option<(&'static str, &'static str)>,
}

const TWO_POW_200: &str = "1606938044258990275541962092341162602522202993782792835301376\n";

pub fn of(lang: &str) -> Programs {
    match lang {
        "c" => Programs {
            sum: vec![],
            runtime_error: "#include <assert.h>\nint main(void) { int x = 0; assert(x == 1); return 0; }\n",
            error_message: &["Assertion failed", "x == 1"],
            infinite_loop: "int main(void) { volatile unsigned x = 0; for (;;) x++; }\n",
            memory_bomb: r#"#include <stdlib.h>
#include <string.h>
static char *keep[1 << 16];
int main(void) {
    for (int i = 0;; i++) {
        keep[i] = malloc(1 << 20);
        if (!keep[i]) return 1;
        memset(keep[i], 1, 1 << 20);
    }
}
"#,
            recursion: r#"#include <stdio.h>
static int next[100001], order[100001], count;
static int dfs(int u) { int d = 0; if (next[u]) d = dfs(next[u]) + 1; order[count++] = u; return d; }
int main(void) {
    for (int i = 0; i < 100000; i++) next[i] = i + 1;
    printf("%d\n", dfs(0));
    return 0;
}
"#,
            depth: 100_000,
            big_integers: None,
        },
        "cpp" => Programs {
            sum: vec![
                r#"#include <cstdio>
int main() {
    int n; long long s = 0, x;
    scanf("%d", &n);
    while (n--) { scanf("%lld", &x); s += x; }
    printf("%lld\n", s);
}
"#,
            ],
            runtime_error: "#include <vector>\nint main() { std::vector<int> v(3); return v.at(5); }\n",
            error_message: &["out_of_range"],
            infinite_loop: "int main() { volatile unsigned x = 0; for (;;) x = x + 1; }\n",
            memory_bomb: "#include <vector>\nint main() { std::vector<std::vector<char>> v; for (;;) v.emplace_back(1 << 20, 1); }\n",
            recursion: r#"#include <bits/stdc++.h>
using namespace std;
vector<vector<int>> adj;
vector<int> order_;
int dfs(int u, int parent) {
    int deepest = 0;
    for (int v : adj[u]) if (v != parent) deepest = max(deepest, dfs(v, u) + 1);
    order_.push_back(u);
    return deepest;
}
int main() {
    int n = 100001;
    adj.resize(n);
    for (int i = 0; i + 1 < n; i++) { adj[i].push_back(i + 1); adj[i + 1].push_back(i); }
    cout << dfs(0, -1) << "\n";
}
"#,
            depth: 100_000,
            big_integers: None,
        },
        "rust" => Programs {
            sum: vec![
                r#"use std::io::BufRead;
fn main() {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let _n: usize = lines.next().unwrap().unwrap().trim().parse().unwrap();
    let s: i64 = lines.next().unwrap().unwrap().split(' ').map(|x| x.parse::<i64>().unwrap()).sum();
    println!("{s}");
}
"#,
            ],
            runtime_error: "fn main() {\n    let v: Vec<i32> = Vec::new();\n    let i = std::hint::black_box(3);\n    println!(\"{}\", v[i]);\n}\n",
            error_message: &["panicked", "index out of bounds"],
            infinite_loop: "fn main() {\n    let mut x = 0u64;\n    loop {\n        x = x.wrapping_add(1);\n        std::hint::black_box(x);\n    }\n}\n",
            memory_bomb: "fn main() {\n    let mut v = Vec::new();\n    loop {\n        v.push(vec![1u8; 1 << 20]);\n    }\n}\n",
            recursion: r#"fn dfs(u: usize, next: &[usize], order: &mut Vec<usize>) -> u32 {
    let d = if next[u] != 0 { dfs(next[u], next, order) + 1 } else { 0 };
    order.push(u);
    d
}
fn main() {
    let n = 100_001;
    let next: Vec<usize> = (0..n).map(|i| if i + 1 < n { i + 1 } else { 0 }).collect();
    let mut order = Vec::new();
    println!("{}", dfs(0, &next, &mut order));
}
"#,
            depth: 100_000,
            big_integers: None,
        },
        "go" => Programs {
            sum: vec![
                r#"package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	var n int
	fmt.Fscan(in, &n)
	var s, x int64
	for i := 0; i < n; i++ {
		fmt.Fscan(in, &x)
		s += x
	}
	fmt.Println(s)
}
"#,
            ],
            runtime_error: "package main\n\nfunc main() {\n\tpanic(\"boom\")\n}\n",
            error_message: &["panic: boom", "goroutine"],
            infinite_loop: "package main\n\nfunc main() {\n\tx := 0\n\tfor {\n\t\tx++\n\t}\n}\n",
            memory_bomb: "package main\n\nvar keep [][]byte\n\nfunc main() {\n\tfor {\n\t\tb := make([]byte, 1<<20)\n\t\tb[0] = 1\n\t\tkeep = append(keep, b)\n\t}\n}\n",
            recursion: r#"package main

import "fmt"

var next []int
var order []int

func dfs(u int) int {
	d := 0
	if next[u] != 0 {
		d = dfs(next[u]) + 1
	}
	order = append(order, u)
	return d
}

func main() {
	n := 100001
	next = make([]int, n)
	for i := 0; i+1 < n; i++ {
		next[i] = i + 1
	}
	fmt.Println(dfs(0))
}
"#,
            depth: 100_000,
            big_integers: Some((
                "package main\n\nimport (\n\t\"fmt\"\n\t\"math/big\"\n)\n\nfunc main() {\n\tfmt.Println(new(big.Int).Exp(big.NewInt(2), big.NewInt(200), nil))\n}\n",
                TWO_POW_200,
            )),
        },
        "kotlin" => Programs {
            sum: vec![
                "import xcode.io.*\n\nfun main() = output {\n    val n = readInt()\n    var sum = 0L\n    repeat(n) { sum += readLong() }\n    println(sum)\n}\n",
                "import xcode.io.*\n\nfun main() {\n    val numbers = readLongs(readInt())\n    println(numbers.sum())\n}\n",
                "fun main() {\n    readln()\n    println(readln().split(\" \").sumOf { it.toLong() })\n}\n",
            ],
            runtime_error: "fun check(x: Int): Int {\n    require(x > 0) { \"boom: x = $x\" }\n    return x\n}\n\nfun main() {\n    println(check(0))\n}\n",
            error_message: &["IllegalArgumentException", "boom: x = 0"],
            infinite_loop: "fun main() {\n    var x = 0L\n    while (true) x++\n}\n",
            memory_bomb: "fun main() {\n    val keep = ArrayList<LongArray>()\n    while (true) keep.add(LongArray(1 shl 17) { it.toLong() })\n}\n",
            recursion: r#"val next = IntArray(100001) { if (it < 100000) it + 1 else 0 }
val order = ArrayList<Int>()

fun dfs(u: Int): Int {
    val d = if (next[u] != 0) dfs(next[u]) + 1 else 0
    order.add(u)
    return d
}

fun main() {
    println(dfs(0))
}
"#,
            depth: 100_000,
            big_integers: None,
        },
        "java" => Programs {
            sum: vec![
                // Any public class name; the line split and parsed by hand.
                r#"import java.io.*;

public class Solution {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int n = Integer.parseInt(in.readLine().trim());
        String[] parts = in.readLine().split(" ");
        long sum = 0;
        for (int i = 0; i < n; i++) sum += Long.parseLong(parts[i]);
        System.out.println(sum);
    }
}
"#,
            ],
            runtime_error: r#"public class Main {
    static int check(int x) {
        if (x <= 0) throw new IllegalArgumentException("boom: x = " + x);
        return x;
    }

    public static void main(String[] args) {
        System.out.println(check(0));
    }
}
"#,
            error_message: &[
                "Exception in thread \"main\" java.lang.IllegalArgumentException: boom: x = 0",
                "\tat Main.check(Main.java:3)",
                "\tat Main.main(Main.java:8)",
            ],
            infinite_loop: "public class Main {\n    public static void main(String[] args) {\n        long x = 0;\n        while (true) x++;\n    }\n}\n",
            memory_bomb: "import java.util.*;\n\npublic class Main {\n    public static void main(String[] args) {\n        List<long[]> keep = new ArrayList<>();\n        while (true) keep.add(new long[1 << 17]);\n    }\n}\n",
            recursion: r#"import java.util.*;

public class Main {
    static int[] next = new int[100001];
    static List<Integer> order = new ArrayList<>();

    static int dfs(int u) {
        int d = next[u] != 0 ? dfs(next[u]) + 1 : 0;
        order.add(u);
        return d;
    }

    public static void main(String[] args) {
        for (int i = 0; i < 100000; i++) next[i] = i + 1;
        System.out.println(dfs(0));
    }
}
"#,
            depth: 100_000,
            big_integers: Some((
                "import java.math.BigInteger;\n\npublic class Main {\n    public static void main(String[] args) {\n        System.out.println(BigInteger.TWO.pow(200));\n    }\n}\n",
                TWO_POW_200,
            )),
        },
        "zig" => Programs {
            sum: vec![],
            runtime_error: "const std = @import(\"std\");\n\npub fn main() void {\n    @panic(\"boom\");\n}\n",
            error_message: &["boom"],
            infinite_loop: "const std = @import(\"std\");\n\npub fn main() void {\n    var x: u64 = 0;\n    while (true) {\n        x +%= 1;\n        std.mem.doNotOptimizeAway(x);\n    }\n}\n",
            memory_bomb: r#"const std = @import("std");

pub fn main(init: std.process.Init) !void {
    var list: std.ArrayList([]u8) = .empty;
    while (true) {
        const block = try init.gpa.alloc(u8, 1 << 20);
        @memset(block, 1);
        try list.append(init.gpa, block);
    }
}
"#,
            recursion: r#"const std = @import("std");

var next: [100001]u32 = undefined;
var order: [100001]u32 = undefined;
var count: usize = 0;

fn dfs(u: u32) u32 {
    var d: u32 = 0;
    if (next[u] != 0) d = dfs(next[u]) + 1;
    order[count] = u;
    count += 1;
    return d;
}

pub fn main(init: std.process.Init) !void {
    for (0..100001) |i| next[i] = if (i + 1 < 100001) @intCast(i + 1) else 0;
    var buffer: [64]u8 = undefined;
    var writer = std.Io.File.stdout().writer(init.io, &buffer);
    try writer.interface.print("{d}\n", .{dfs(0)});
    try writer.interface.flush();
}
"#,
            depth: 100_000,
            big_integers: None,
        },
        "python3" => Programs {
            sum: vec![
                "n = int(input())\nprint(sum(map(int, input().split())))\n",
                "import sys\nlines = [line for line in sys.stdin]\nprint(sum(int(x) for x in lines[1].split()))\n",
            ],
            runtime_error: "def f():\n    raise ValueError(\"boom\")\n\nf()\n",
            error_message: &["Traceback", "ValueError: boom"],
            infinite_loop: "while True:\n    pass\n",
            memory_bomb: "keep = []\nwhile True:\n    keep.append(bytearray(1 << 20))\n",
            recursion: r#"import sys
sys.setrecursionlimit(1 << 20)
nxt = list(range(1, 100001)) + [0]
order = []
def dfs(u):
    d = dfs(nxt[u]) + 1 if nxt[u] else 0
    order.append(u)
    return d
print(dfs(0))
"#,
            depth: 100_000,
            big_integers: Some(("print(2 ** 200)\n", TWO_POW_200)),
        },
        "javascript" => Programs {
            sum: vec![
                "const fs = require('fs');\nconst lines = fs.readFileSync('/dev/stdin', 'utf8').split('\\n');\nconsole.log(lines[1].split(' ').reduce((a, b) => a + Number(b), 0));\n",
                "const rl = require('readline').createInterface({ input: process.stdin });\nconst lines = [];\nrl.on('line', (line) => lines.push(line));\nrl.on('close', () => {\n  let s = 0;\n  for (const x of lines[1].split(' ')) s += +x;\n  process.stdout.write(s + '\\n');\n});\n",
                "const n = parseInt(readline());\nconst a = readline().split(' ').map(Number);\nlet s = 0;\nfor (let i = 0; i < n; i++) s += a[i];\nprint(s);\n",
            ],
            runtime_error: "function f() {\n  throw new Error('boom');\n}\nf();\n",
            error_message: &["Error: boom"],
            infinite_loop: "for (;;) {}\n",
            memory_bomb: "const keep = [];\nfor (;;) keep.push(new Uint8Array(1 << 20).fill(1));\n",
            recursion: "const next = [];\nfor (let i = 0; i < 10000; i++) next.push(i + 1);\nnext.push(0);\nconst order = [];\nfunction dfs(u) {\n  const d = next[u] ? dfs(next[u]) + 1 : 0;\n  order.push(u);\n  return d;\n}\nconsole.log(dfs(0));\n",
            depth: 10_000,
            big_integers: Some(("console.log((2n ** 200n).toString());\n", TWO_POW_200)),
        },
        "typescript" => Programs {
            sum: vec![],
            runtime_error: "function f(): never {\n  throw new Error('boom');\n}\nf();\n",
            error_message: &["Error: boom"],
            infinite_loop: "let spins: number = 0;\nfor (;;) { spins++; }\n",
            memory_bomb: "const keep: Uint8Array[] = [];\nfor (;;) keep.push(new Uint8Array(1 << 20).fill(1));\n",
            recursion: "const next: number[] = [];\nfor (let i = 0; i < 10000; i++) next.push(i + 1);\nnext.push(0);\nconst order: number[] = [];\nfunction dfs(u: number): number {\n  const d = next[u] ? dfs(next[u]) + 1 : 0;\n  order.push(u);\n  return d;\n}\nconsole.log(dfs(0));\n",
            depth: 10_000,
            big_integers: Some((
                "const big: bigint = 2n ** 200n;\nconsole.log(big.toString());\n",
                TWO_POW_200,
            )),
        },
        "ruby" => Programs {
            sum: vec!["n = gets.to_i\nputs gets.split.map(&:to_i).sum\n"],
            runtime_error: "def f\n  raise \"boom\"\nend\nf\n",
            error_message: &["boom (RuntimeError)"],
            infinite_loop: "loop {}\n",
            memory_bomb: "keep = []\nloop { keep << \"x\" * (1 << 20) }\n",
            recursion: "NEXT = (1..10000).to_a + [0]\nORDER = []\ndef dfs(u)\n  d = NEXT[u] != 0 ? dfs(NEXT[u]) + 1 : 0\n  ORDER << u\n  d\nend\nputs dfs(0)\n",
            depth: 10_000,
            big_integers: Some(("puts 2**200\n", TWO_POW_200)),
        },
        "lua" => Programs {
            sum: vec![],
            runtime_error: "local function f()\n  error(\"boom\")\nend\nf()\n",
            error_message: &["boom", "stack traceback"],
            infinite_loop: "while true do end\n",
            memory_bomb: "local keep = {}\nwhile true do keep[#keep + 1] = string.rep(\"x\", 1 << 20) .. #keep end\n",
            recursion: "local next, order = {}, {}\nfor i = 0, 99999 do next[i] = i + 1 end\nnext[100000] = 0\nlocal function dfs(u)\n  local d = next[u] ~= 0 and dfs(next[u]) + 1 or 0\n  order[#order + 1] = u\n  return d\nend\nprint(dfs(0))\n",
            depth: 100_000,
            big_integers: None,
        },
        other => panic!("no programs for {other}"),
    }
}
