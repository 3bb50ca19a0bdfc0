-- Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
-- LCG (seed 12345): the first N draws, then the next N. Prints its length.
local n = io.read("n")
local x = 12345
local function draw()
  x = x * 48271 % 2147483647
  return x % 4
end
local s, t = {}, {}
for i = 1, n do s[i] = draw() end
for i = 1, n do t[i] = draw() end
local prev, cur = {}, {}
for j = 0, n do prev[j], cur[j] = 0, 0 end
for i = 1, n do
  local c = s[i]
  for j = 1, n do
    if c == t[j] then
      cur[j] = prev[j - 1] + 1
    else
      local up, left = prev[j], cur[j - 1]
      cur[j] = up > left and up or left
    end
  end
  prev, cur = cur, prev
end
print(prev[n])
