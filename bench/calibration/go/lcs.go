// Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
// LCG (seed 12345): the first N draws, then the next N. Prints its length.
package main

import "fmt"

func main() {
	var n int
	fmt.Scan(&n)
	x := int64(12345)
	draw := func() byte {
		x = x * 48271 % 2147483647
		return byte(x % 4)
	}
	s := make([]byte, n)
	for i := range s {
		s[i] = draw()
	}
	t := make([]byte, n)
	for i := range t {
		t[i] = draw()
	}
	prev := make([]int32, n+1)
	cur := make([]int32, n+1)
	for i := 1; i <= n; i++ {
		for j := 1; j <= n; j++ {
			if s[i-1] == t[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	fmt.Println(prev[n])
}
