# Recomputes every prefix sum from scratch: O(N^2) additions. Fine for group 1
# (N <= 1000), far too slow for N = 200000.
import sys

tokens = sys.stdin.buffer.read().split()
n = int(tokens[0])
a = list(map(int, tokens[1 : 1 + n]))
prefix = 0
for i in range(n):
    prefix = sum(a[: i + 1])
print(prefix)
