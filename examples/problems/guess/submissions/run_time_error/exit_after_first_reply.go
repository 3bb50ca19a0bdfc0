// Reads the reply to its first guess, then exits with status 1 (a crash).
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	fmt.Println(500) // os.Stdout is unbuffered
	reader := bufio.NewReader(os.Stdin)
	reader.ReadString('\n')
	os.Exit(1)
}
