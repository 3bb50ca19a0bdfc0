# Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
n = gets.to_i
composite = Array.new(n + 1, false)
i = 2
while i * i <= n
  unless composite[i]
    j = i * i
    while j <= n
      composite[j] = true
      j += i
    end
  end
  i += 1
end
count = 0
sum = 0
(2..n).each do |k|
  next if composite[k]

  count += 1
  sum += k
end
puts "#{count} #{sum}"
