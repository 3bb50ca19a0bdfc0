-- Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
-- sorted array modulo 1e9+7.
local n = io.read("n")
local a = {}
local x = 12345
for i = 1, n do
  x = x * 48271 % 2147483647
  a[i] = x
end
table.sort(a)
local hash = 0
for i = 1, n do hash = (hash * 31 + a[i]) % 1000000007 end
print(hash)
