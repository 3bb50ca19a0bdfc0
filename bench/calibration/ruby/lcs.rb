# Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
# LCG (seed 12345): the first N draws, then the next N. Prints its length.
n = gets.to_i
x = 12345
draw = -> { (x = x * 48271 % 2147483647) % 4 }
s = Array.new(n) { draw.call }
t = Array.new(n) { draw.call }
prev = Array.new(n + 1, 0)
cur = Array.new(n + 1, 0)
(1..n).each do |i|
  c = s[i - 1]
  j = 1
  while j <= n
    cur[j] = if c == t[j - 1]
               prev[j - 1] + 1
             elsif prev[j] > cur[j - 1]
               prev[j]
             else
               cur[j - 1]
             end
    j += 1
  end
  prev, cur = cur, prev
end
puts prev[n]
