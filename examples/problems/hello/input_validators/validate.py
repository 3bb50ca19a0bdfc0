#!/usr/bin/env python3
# Input validator (Kattis interface): the input file is on stdin; exit 42 if it
# is valid, 43 otherwise.
import re
import sys

data = sys.stdin.buffer.read()
if re.fullmatch(rb"[A-Za-z]{1,50}\n", data) is None:
    print("expected one line of 1 to 50 letters a-z/A-Z", file=sys.stderr)
    sys.exit(43)
sys.exit(42)
