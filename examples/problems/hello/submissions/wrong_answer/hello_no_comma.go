// Wrong punctuation: "Hello World!" instead of "Hello, World!". The default
// output validator compares whitespace-separated tokens, and "Hello" is not
// "Hello,".
package main

import "fmt"

func main() {
	var name string
	fmt.Scan(&name)
	fmt.Printf("Hello %s!\n", name)
}
