package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	sc.Split(bufio.ScanWords)
	sc.Scan()
	n, _ := strconv.Atoi(sc.Text())
	var total int64
	for i := 0; i < n; i++ {
		sc.Scan()
		a, _ := strconv.ParseInt(sc.Text(), 10, 64)
		total += a
	}
	fmt.Println(total)
}
