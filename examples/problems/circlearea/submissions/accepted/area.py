#!/usr/bin/env python3
import math
import sys

tokens = sys.stdin.read().split()
t = int(tokens[0])
print("\n".join(repr(math.pi * float(r) ** 2) for r in tokens[1 : 1 + t]))
