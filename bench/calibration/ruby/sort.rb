# Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
# sorted array modulo 1e9+7.
n = gets.to_i
x = 12345
a = Array.new(n) { x = x * 48271 % 2147483647 }
a.sort!
hash = 0
a.each { |value| hash = (hash * 31 + value) % 1000000007 }
puts hash
