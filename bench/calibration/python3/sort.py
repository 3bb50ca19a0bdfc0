# Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
# sorted array modulo 1e9+7.
n = int(input())
a = []
x = 12345
for _ in range(n):
    x = x * 48271 % 2147483647
    a.append(x)
a.sort()
h = 0
for value in a:
    h = (h * 31 + value) % 1000000007
print(h)
