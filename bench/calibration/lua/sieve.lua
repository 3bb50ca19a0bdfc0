-- Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
local n = io.read("n")
local composite = {}
for i = 2, n do composite[i] = false end
local i = 2
while i * i <= n do
  if not composite[i] then
    for j = i * i, n, i do composite[j] = true end
  end
  i = i + 1
end
local count, sum = 0, 0
for k = 2, n do
  if not composite[k] then
    count = count + 1
    sum = sum + k
  end
end
print(count .. " " .. sum)
