// Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
fun main() {
    val n = readln().trim().toInt()
    val composite = BooleanArray(n + 1)
    var i = 2
    while (i.toLong() * i <= n) {
        if (!composite[i]) {
            var j = i * i
            while (j <= n) {
                composite[j] = true
                j += i
            }
        }
        i++
    }
    var count = 0L
    var sum = 0L
    for (k in 2..n) {
        if (!composite[k]) {
            count++
            sum += k
        }
    }
    println("$count $sum")
}
