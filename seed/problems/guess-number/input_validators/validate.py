#!/usr/bin/env python3
# Input validator (Kattis interface): the input file is on stdin; exit 42 if it
# is one line holding an integer from 1 to 1000 (no sign, no leading zeros).
import re
import sys

data = sys.stdin.buffer.read()
m = re.fullmatch(rb"([1-9][0-9]{0,3})\n", data)
if m is None or not 1 <= int(m.group(1)) <= 1000:
    print("expected one line with an integer from 1 to 1000", file=sys.stderr)
    sys.exit(43)
sys.exit(42)
