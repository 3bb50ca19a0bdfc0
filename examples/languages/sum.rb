n, *a = STDIN.read.split.map(&:to_i)
puts a.first(n).sum
