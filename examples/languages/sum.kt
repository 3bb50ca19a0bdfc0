fun main() {
    val n = readln().trim().toInt()
    var sum = 0L
    val numbers = readln().split(' ')
    for (i in 0 until n) sum += numbers[i].toLong()
    println(sum)
}
