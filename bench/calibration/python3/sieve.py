# Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
n = int(input())
composite = bytearray(n + 1)
i = 2
while i * i <= n:
    if not composite[i]:
        for j in range(i * i, n + 1, i):
            composite[j] = 1
    i += 1
count = total = 0
for i in range(2, n + 1):
    if not composite[i]:
        count += 1
        total += i
print(count, total)
