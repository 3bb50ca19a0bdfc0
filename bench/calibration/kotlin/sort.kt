// Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
// sorted array modulo 1e9+7.
fun main() {
    val n = readln().trim().toInt()
    var x = 12345L
    val a = IntArray(n) {
        x = x * 48271 % 2147483647
        x.toInt()
    }
    a.sort()
    var hash = 0L
    for (value in a) hash = (hash * 31 + value) % 1000000007
    println(hash)
}
