// Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
// LCG (seed 12345): the first N draws, then the next N. Prints its length.
fun main() {
    val n = readln().trim().toInt()
    var x = 12345L
    fun draw(): Byte {
        x = x * 48271 % 2147483647
        return (x % 4).toByte()
    }
    val s = ByteArray(n) { draw() }
    val t = ByteArray(n) { draw() }
    var prev = IntArray(n + 1)
    var cur = IntArray(n + 1)
    for (i in 1..n) {
        for (j in 1..n) {
            cur[j] = if (s[i - 1] == t[j - 1]) prev[j - 1] + 1 else maxOf(prev[j], cur[j - 1])
        }
        val swap = prev
        prev = cur
        cur = swap
    }
    println(prev[n])
}
