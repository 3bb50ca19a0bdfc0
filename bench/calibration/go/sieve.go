// Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
package main

import "fmt"

func main() {
	var n int
	fmt.Scan(&n)
	composite := make([]bool, n+1)
	for i := 2; i*i <= n; i++ {
		if !composite[i] {
			for j := i * i; j <= n; j += i {
				composite[j] = true
			}
		}
	}
	count, sum := 0, 0
	for i := 2; i <= n; i++ {
		if !composite[i] {
			count++
			sum += i
		}
	}
	fmt.Println(count, sum)
}
