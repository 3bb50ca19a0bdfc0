import sys

tokens = sys.stdin.buffer.read().split()
n = int(tokens[0])
print(sum(map(int, tokens[1 : 1 + n])))
