// Compiled at install: it records the class-data archive and checks the toolchain. It uses
// what contest programs use, so that the compiler classes they need are in the archive (it is
// only compiled, never run: it reads input both ways).
import kotlin.math.max
import xcode.io.*

data class Edge(val to: Int, val weight: Long)

class Graph(n: Int) {
    val edges = Array(n) { mutableListOf<Edge>() }
}

fun longest(graph: Graph, from: Int, seen: BooleanArray): Long {
    seen[from] = true
    var best = 0L
    for (edge in graph.edges[from]) {
        if (!seen[edge.to]) best = max(best, edge.weight + longest(graph, edge.to, seen))
    }
    return best
}

fun main() = output {
    val n = readInt()
    val graph = Graph(n)
    repeat(n - 1) {
        val (a, b) = readInts(2)
        val w = readLong()
        graph.edges[a].add(Edge(b, w))
        graph.edges[b].add(Edge(a, w))
    }
    val words = readln().split(' ').filter { it.isNotEmpty() }.groupingBy { it }.eachCount()
    val sorted = words.entries.sortedWith(compareByDescending<Map.Entry<String, Int>> { it.value }.thenBy { it.key })
    println(longest(graph, 0, BooleanArray(n)))
    println(sorted.joinToString(" ") { "${it.key}=${it.value}" })
    val memo = HashMap<Long, Long>()
    fun fib(k: Long): Long = if (k < 2) k else memo.getOrPut(k) { fib(k - 1) + fib(k - 2) }
    println(fib(80))
    try {
        println(listOf(1, 2, 3)[readInt()])
    } catch (e: IndexOutOfBoundsException) {
        println("out of range: ${e.message}")
    }
    println((1.5).toString().padStart(8, '.') + Char(65) + "abc".reversed().uppercase())
}
