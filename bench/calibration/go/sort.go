// Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
// sorted array modulo 1e9+7.
package main

import (
	"fmt"
	"slices"
)

func main() {
	var n int
	fmt.Scan(&n)
	a := make([]int32, n)
	x := int64(12345)
	for i := range a {
		x = x * 48271 % 2147483647
		a[i] = int32(x)
	}
	slices.Sort(a)
	hash := int64(0)
	for _, value := range a {
		hash = (hash*31 + int64(value)) % 1000000007
	}
	fmt.Println(hash)
}
