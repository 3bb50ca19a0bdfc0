# Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
# LCG (seed 12345): the first N draws, then the next N. Prints its length.
n = int(input())
x = 12345
draws = []
for _ in range(2 * n):
    x = x * 48271 % 2147483647
    draws.append(x % 4)
s, t = draws[:n], draws[n:]
prev = [0] * (n + 1)
for i in range(1, n + 1):
    cur = [0] * (n + 1)
    c = s[i - 1]
    for j in range(1, n + 1):
        if c == t[j - 1]:
            cur[j] = prev[j - 1] + 1
        else:
            cur[j] = prev[j] if prev[j] > cur[j - 1] else cur[j - 1]
    prev = cur
print(prev[n])
