#!/usr/bin/env python3
"""Writes the starter problems under seed/problems/ (native packages, docs/problem-format.md).

Test data is generated from fixed seeds with reference solutions written here, so rerunning
this script gives the same files. `xcode serve` loads seed/catalog.toml's problems into an
empty database (services/judge/src/seed.rs).
"""
import os
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "problems"


def write(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def problem(slug, title, statement, samples, secret, time_limit_ms=1000, memory_mib=256,
            extra_toml="", validator=None):
    d = ROOT / slug
    if d.exists():
        shutil.rmtree(d)
    toml = f'format_version = 1\ntitle = "{title}"\n{extra_toml}\n[limits]\ntime_limit_ms = {time_limit_ms}\nmemory_mib = {memory_mib}\n'
    if validator:
        toml += validator["toml"]
        for name, text in validator["files"].items():
            write(d / "validator" / name, text)
    write(d / "problem.toml", toml)
    write(d / "statement" / "problem.en.md", statement.strip() + "\n")
    for i, (inp, ans) in enumerate(samples, 1):
        write(d / "tests" / "sample" / f"{i}.in", inp)
        write(d / "tests" / "sample" / f"{i}.ans", ans)
    for name, (inp, ans) in secret:
        write(d / "tests" / "secret" / f"{name}.in", inp)
        write(d / "tests" / "secret" / f"{name}.ans", ans)


def numbered(cases):
    return [(f"{i:02d}", case) for i, case in enumerate(cases, 1)]


# ---- sum-of-two: a + b ----
def sum_two(a, b):
    return f"{a} {b}\n", f"{a + b}\n"


rng = random.Random(1)
problem(
    "sum-of-two", "Sum of Two",
    """
Read two integers $a$ and $b$ and print $a + b$.

## Input
One line with two integers $a$ and $b$ ($-10^{18} \\le a, b \\le 10^{18}$).

## Output
Their sum.
""",
    [sum_two(1, 2), sum_two(-5, 5)],
    numbered([sum_two(rng.randint(-10**18, 10**18), rng.randint(-10**18, 10**18)) for _ in range(8)]
             + [sum_two(10**18, 10**18), sum_two(-10**18, -10**18)]),
)

# ---- fizzbuzz ----
def fizzbuzz(n):
    out = []
    for i in range(1, n + 1):
        s = ("Fizz" if i % 3 == 0 else "") + ("Buzz" if i % 5 == 0 else "")
        out.append(s or str(i))
    return f"{n}\n", "\n".join(out) + "\n"


problem(
    "fizzbuzz", "FizzBuzz",
    """
For every $i$ from 1 to $n$ print `Fizz` if $i$ is divisible by 3, `Buzz` if by 5, `FizzBuzz`
if by both, and $i$ itself otherwise, one per line.

## Input
One integer $n$ ($1 \\le n \\le 10^5$).
""",
    [fizzbuzz(5), fizzbuzz(15)],
    numbered([fizzbuzz(n) for n in (1, 3, 7, 30, 100, 999, 10_000, 30_000)]),
)

# ---- balanced brackets ----
def balanced(s):
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for c in s:
        if c in "([{":
            stack.append(c)
        elif not stack or stack.pop() != pairs[c]:
            return f"{s}\n", "NO\n"
    return f"{s}\n", ("YES\n" if not stack else "NO\n")


def random_brackets(rng, n, valid):
    if valid:
        out, stack = [], []
        for _ in range(n):
            if stack and (rng.random() < 0.5 or len(stack) * 2 >= n - len(out)):
                out.append({"(": ")", "[": "]", "{": "}"}[stack.pop()])
            else:
                c = rng.choice("([{")
                stack.append(c)
                out.append(c)
        while stack:
            out.append({"(": ")", "[": "]", "{": "}"}[stack.pop()])
        return "".join(out)
    return "".join(rng.choice("()[]{}") for _ in range(n))


rng = random.Random(2)
problem(
    "balanced-brackets", "Balanced Brackets",
    """
A string of `()[]{}` is balanced when every opening bracket is closed by the matching bracket
in the right order. Print `YES` if the given string is balanced and `NO` otherwise.

## Input
One line: a non-empty string of at most $2 \\cdot 10^5$ brackets.
""",
    [balanced("([]{})"), balanced("([)]")],
    numbered([balanced(random_brackets(rng, n, v)) for n, v in
              [(2, True), (3, False), (10, True), (11, False), (1000, True), (1000, False),
               (20_000, True), (20_000, False), (19_998, True)]] + [balanced("(" * 20_000)]),
)

# ---- max subarray ----
def max_subarray(a):
    best, cur = a[0], 0
    for x in a:
        cur = max(x, cur + x)
        best = max(best, cur)
    return f"{len(a)}\n{' '.join(map(str, a))}\n", f"{best}\n"


rng = random.Random(3)
problem(
    "max-subarray", "Maximum Subarray",
    """
Given $n$ integers, find the largest sum of a non-empty contiguous subarray.

## Input
A line with $n$ ($1 \\le n \\le 2 \\cdot 10^5$), then a line with $n$ integers of absolute value
at most $10^9$.

## Output
The largest sum.
""",
    [max_subarray([-2, 1, -3, 4, -1, 2, 1, -5, 4]), max_subarray([-3, -1, -2])],
    numbered([max_subarray([rng.randint(-10**9, 10**9) for _ in range(n)])
              for n in (1, 2, 10, 1000, 20_000)]
             + [max_subarray([-10**9] * 20_000), max_subarray([10**9] * 20_000)]),
    time_limit_ms=1000,
)

# ---- count primes ----
def count_primes(n):
    sieve = bytearray([1]) * (n + 1)
    sieve[0:2] = b"\x00\x00"[: min(2, n + 1)]
    for i in range(2, int(n ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(sieve[i * i :: i]))
    return f"{n}\n", f"{sum(sieve)}\n"


problem(
    "count-primes", "Counting Primes",
    """
How many prime numbers are there between 1 and $n$ inclusive?

## Input
One integer $n$ ($1 \\le n \\le 10^7$).
""",
    [count_primes(10), count_primes(100)],
    numbered([count_primes(n) for n in (1, 2, 3, 1000, 65_536, 999_983, 5_000_000, 10_000_000)]),
    time_limit_ms=2000,
)

# ---- word frequency ----
WORDS = "apple banana cherry date elder fig grape honeydew kiwi lemon mango nectarine olive papaya quince".split()


def word_frequency(words, k):
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return f"{len(words)} {k}\n{' '.join(words)}\n", "".join(f"{w} {c}\n" for w, c in top)


rng = random.Random(4)
problem(
    "word-frequency", "Word Frequency",
    """
Given $n$ lowercase words, print the $k$ most frequent ones with their counts, most frequent
first; ties in alphabetical order.

## Input
A line with $n$ and $k$ ($1 \\le k \\le n \\le 10^5$), then the $n$ words separated by spaces.
""",
    [word_frequency("b a b c a b".split(), 2), word_frequency("x y z".split(), 3)],
    numbered([word_frequency([rng.choice(WORDS[: rng.randint(1, len(WORDS))]) for _ in range(n)], k)
              for n, k in ((1, 1), (10, 3), (1000, 5), (20_000, 10), (30_000, 15))]),
)

# ---- shortest path (Dijkstra) ----
def shortest_path(n, edges):
    import heapq
    adj = [[] for _ in range(n + 1)]
    for u, v, w in edges:
        adj[u].append((v, w))
        adj[v].append((u, w))
    dist = [None] * (n + 1)
    dist[1] = 0
    heap = [(0, 1)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj[u]:
            if dist[v] is None or d + w < dist[v]:
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    inp = f"{n} {len(edges)}\n" + "".join(f"{u} {v} {w}\n" for u, v, w in edges)
    return inp, f"{dist[n] if dist[n] is not None else -1}\n"


def random_graph(rng, n, m, connected=True):
    edges = []
    if connected:
        for v in range(2, n + 1):
            edges.append((rng.randint(1, v - 1), v, rng.randint(1, 10**6)))
    while len(edges) < m:
        u, v = rng.randint(1, n), rng.randint(1, n)
        if u != v:
            edges.append((u, v, rng.randint(1, 10**6)))
    rng.shuffle(edges)
    return n, edges


rng = random.Random(5)
problem(
    "shortest-path", "Shortest Path",
    """
An undirected graph has $n$ vertices and $m$ weighted edges. Print the length of the shortest
path from vertex 1 to vertex $n$, or `-1` if there is none.

## Input
A line with $n$ and $m$ ($2 \\le n \\le 10^5$, $0 \\le m \\le 2 \\cdot 10^5$), then $m$ lines
`u v w` ($1 \\le u, v \\le n$, $1 \\le w \\le 10^6$).
""",
    [shortest_path(4, [(1, 2, 1), (2, 4, 5), (1, 3, 2), (3, 4, 1)]), shortest_path(3, [(1, 2, 7)])],
    numbered([shortest_path(*random_graph(rng, n, m)) for n, m in ((2, 1), (10, 20), (1000, 5000), (10_000, 20_000))]
             + [shortest_path(*random_graph(rng, 1000, 900, connected=False))]),
    time_limit_ms=2000,
)

# ---- longest increasing subsequence ----
def lis(a):
    import bisect
    tails = []
    for x in a:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return f"{len(a)}\n{' '.join(map(str, a))}\n", f"{len(tails)}\n"


rng = random.Random(6)
problem(
    "longest-increasing-subsequence", "Longest Increasing Subsequence",
    """
Find the length of the longest strictly increasing subsequence of $n$ integers.

## Input
A line with $n$ ($1 \\le n \\le 2 \\cdot 10^5$), then $n$ integers between $-10^9$ and $10^9$.
An $O(n^2)$ solution is too slow.
""",
    [lis([10, 9, 2, 5, 3, 7, 101, 18]), lis([7, 7, 7])],
    numbered([lis([rng.randint(-10**9, 10**9) for _ in range(n)]) for n in (1, 10, 1000, 20_000)]
             + [lis(list(range(20_000))), lis(list(range(20_000, 0, -1)))]),
)

# ---- pair-sum: any valid answer (custom validator) ----
PAIR_VALIDATOR = r"""
// Checks a pair-sum answer: the team's two indices must be distinct, in range, and add up to
// the target; any such pair is accepted. Kattis interface: input answer feedback_dir < output.
#include <stdio.h>
#include <stdlib.h>

static void reject(const char *dir, const char *why) {
    char path[4096];
    snprintf(path, sizeof path, "%s/judgemessage.txt", dir);
    FILE *f = fopen(path, "w");
    if (f) { fputs(why, f); fclose(f); }
    exit(43);
}

int main(int argc, char **argv) {
    if (argc < 4) return 1;
    FILE *in = fopen(argv[1], "r");
    if (!in) return 1;
    long long n, target;
    if (fscanf(in, "%lld %lld", &n, &target) != 2) return 1;
    long long *a = malloc(sizeof *a * (size_t)n);
    for (long long i = 0; i < n; i++) if (fscanf(in, "%lld", &a[i]) != 1) return 1;
    long long i, j;
    if (scanf("%lld %lld", &i, &j) != 2) reject(argv[3], "expected two indices");
    if (i < 1 || i > n || j < 1 || j > n) reject(argv[3], "index out of range");
    if (i == j) reject(argv[3], "the indices must differ");
    if (a[i - 1] + a[j - 1] != target) reject(argv[3], "the numbers do not add up to the target");
    char extra;
    if (scanf(" %c", &extra) == 1) reject(argv[3], "trailing output");
    return 42;
}
"""


def pair_sum(rng, n):
    a = [rng.randint(1, 10**9) for _ in range(n)]
    i, j = rng.sample(range(n), 2)
    target = a[i] + a[j]
    return f"{n} {target}\n{' '.join(map(str, a))}\n", f"{i + 1} {j + 1}\n"


rng = random.Random(7)
problem(
    "pair-sum", "Pair Sum",
    """
Given $n$ positive integers and a target $t$, print two different positions $i$ and $j$
(1-based) with $a_i + a_j = t$. One always exists; **any** valid pair is accepted.

## Input
A line with $n$ and $t$ ($2 \\le n \\le 2 \\cdot 10^5$), then $n$ integers up to $10^9$.
""",
    [(f"4 9\n2 7 11 15\n", "1 2\n"), (f"3 6\n3 2 4\n", "2 3\n")],
    numbered([pair_sum(rng, n) for n in (2, 5, 100, 1000, 20_000)]),
    validator={"toml": '\n[validator]\ntype = "custom"\nlanguage = "c"\nmain = "validate.c"\n',
               "files": {"validate.c": PAIR_VALIDATOR.lstrip()}},
)

# ---- range-sum: scoring with subtasks ----
def range_sum(a, queries):
    prefix = [0]
    for x in a:
        prefix.append(prefix[-1] + x)
    inp = f"{len(a)} {len(queries)}\n{' '.join(map(str, a))}\n" + "".join(f"{l} {r}\n" for l, r in queries)
    return inp, "".join(f"{prefix[r] - prefix[l - 1]}\n" for l, r in queries)


def random_range(rng, n, q, big):
    a = [rng.randint(-10**9, 10**9) if big else rng.randint(0, 1000) for _ in range(n)]
    qs = []
    for _ in range(q):
        l = rng.randint(1, n)
        qs.append((l, rng.randint(l, n)))
    return range_sum(a, qs)


rng = random.Random(8)
d = ROOT / "range-sum"
if d.exists():
    shutil.rmtree(d)
write(d / "problem.toml", """format_version = 1
title = "Range Sums"
type = "scoring"

[limits]
time_limit_ms = 1000
memory_mib = 256

[groups.""]
aggregation = "sum"
on_reject = "continue"
ignore_sample = true

[groups.secret]
aggregation = "sum"
max_score = 100
on_reject = "continue"

[groups."secret/small"]
max_score = 30

[groups."secret/large"]
max_score = 70
""")
write(d / "statement" / "problem.en.md", """
Answer $q$ queries: the sum of $a_l, \\dots, a_r$.

## Input
A line with $n$ and $q$, a line with $a_1 \\dots a_n$, then $q$ lines `l r`
($1 \\le l \\le r \\le n$).

## Scoring
| subtask | points | constraints |
|---|---|---|
| small | 30 | $n, q \\le 1000$, $0 \\le a_i \\le 1000$ |
| large | 70 | $n, q \\le 2 \\cdot 10^5$, $\\lvert a_i \\rvert \\le 10^9$ |

A quadratic solution gets the 30 points of the small subtask; 64-bit sums are needed for the
rest.
""".strip() + "\n")
for i, case in enumerate([range_sum([1, 2, 3, 4, 5], [(1, 5), (2, 3)])], 1):
    write(d / "tests" / "sample" / f"{i}.in", case[0])
    write(d / "tests" / "sample" / f"{i}.ans", case[1])
for i, (n, q) in enumerate([(1, 1), (10, 10), (1000, 1000), (1000, 1000)], 1):
    inp, ans = random_range(rng, n, q, False)
    write(d / "tests" / "secret" / "small" / f"{i:02d}.in", inp)
    write(d / "tests" / "secret" / "small" / f"{i:02d}.ans", ans)
for i, (n, q) in enumerate([(1000, 1000), (10_000, 10_000), (20_000, 20_000)], 1):
    inp, ans = random_range(rng, n, q, True)
    write(d / "tests" / "secret" / "large" / f"{i:02d}.in", inp)
    write(d / "tests" / "secret" / "large" / f"{i:02d}.ans", ans)

# ---- guess-number: interactive (the example package, Kattis format) ----
src = Path(__file__).resolve().parent.parent / "examples" / "problems" / "guess"
dst = ROOT / "guess-number"
if dst.exists():
    shutil.rmtree(dst)
shutil.copytree(src, dst, ignore=shutil.ignore_patterns("submissions"))
print("wrote", ", ".join(sorted(p.name for p in ROOT.iterdir())))
