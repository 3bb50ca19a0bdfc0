#!/usr/bin/env python3
# Recomputes pi for every circle from the Leibniz series with 10^8 terms:
# correct to about 1e-8, but far too slow.
import sys

tokens = sys.stdin.read().split()
t = int(tokens[0])
for r in tokens[1 : 1 + t]:
    total = 0.0
    sign = 1.0
    for k in range(100_000_000):
        total += sign / (2 * k + 1)
        sign = -sign
    print(4 * total * float(r) ** 2)
