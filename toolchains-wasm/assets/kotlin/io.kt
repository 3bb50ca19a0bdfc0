// Fast input and output for contest programs: `import xcode.io.*`.
//
// The standard library's `readln()` makes a String of every line and `println` writes each
// line to the host on its own; parsing 200,000 numbers through `readln().split(' ')` costs
// more than the rest of a typical solution. These read standard input in 64 KiB blocks and
// parse numbers straight from the bytes, and `output { }` gathers what is printed and writes
// it in large blocks.
//
// Input comes either from these functions or from `readln()`, not both: each reads ahead.
@file:OptIn(kotlin.wasm.unsafe.UnsafeWasmMemoryApi::class, kotlin.wasm.ExperimentalWasmInterop::class)

package xcode.io

import kotlin.wasm.WasmImport
import kotlin.wasm.unsafe.withScopedMemoryAllocator

@WasmImport("wasi_snapshot_preview1", "fd_read")
private external fun wasiFdRead(fd: Int, iovs: Int, iovsLen: Int, nread: Int): Int

@WasmImport("wasi_snapshot_preview1", "fd_write")
private external fun wasiFdWrite(fd: Int, iovs: Int, iovsLen: Int, nwritten: Int): Int

private const val BLOCK = 1 shl 16

private val inBytes = ByteArray(BLOCK)
private var inLength = 0
private var inAt = 0
private var inEnded = false

private fun refill(): Boolean {
    inAt = 0
    inLength = 0
    if (inEnded) return false
    withScopedMemoryAllocator { allocator ->
        val iov = allocator.allocate(8)
        val read = allocator.allocate(4)
        val data = allocator.allocate(BLOCK)
        iov.storeInt(data.address.toInt())
        (iov + 4).storeInt(BLOCK)
        if (wasiFdRead(0, iov.address.toInt(), 1, read.address.toInt()) == 0) {
            val count = read.loadInt()
            for (i in 0 until count) inBytes[i] = (data + i).loadByte()
            inLength = count
        }
    }
    if (inLength == 0) inEnded = true
    return inLength > 0
}

/** The next byte of input, -1 at its end. */
private fun peek(): Int {
    if (inAt == inLength && !refill()) return -1
    return inBytes[inAt].toInt() and 0xff
}

private fun isSpace(c: Int) = c == 32 || c == 10 || c == 13 || c == 9 || c == 11 || c == 12

/** Skips whitespace; the first byte after it, -1 at the end of input. */
private fun skipSpace(): Int {
    var c = peek()
    while (c >= 0 && isSpace(c)) {
        inAt++
        c = peek()
    }
    return c
}

/** True while a token is left in the input. */
fun hasNext(): Boolean = skipSpace() >= 0

/** The next whitespace-separated token. */
fun readWord(): String {
    var c = skipSpace()
    if (c < 0) throw NoSuchElementException("no more input")
    var word = ByteArray(16)
    var length = 0
    while (c >= 0 && !isSpace(c)) {
        if (length == word.size) word = word.copyOf(word.size * 2)
        word[length++] = c.toByte()
        inAt++
        c = peek()
    }
    return word.decodeToString(0, length)
}

/** The rest of the current line (without its line break), null at the end of input. */
fun readLineOrNull(): String? {
    var c = peek()
    if (c < 0) return null
    var line = ByteArray(64)
    var length = 0
    while (c >= 0 && c != 10) {
        if (length == line.size) line = line.copyOf(line.size * 2)
        line[length++] = c.toByte()
        inAt++
        c = peek()
    }
    if (c == 10) inAt++
    if (length > 0 && line[length - 1] == 13.toByte()) length--
    return line.decodeToString(0, length)
}

/** The next token as a Long; a token that is not a whole number is an error. */
fun readLong(): Long {
    var c = skipSpace()
    if (c < 0) throw NoSuchElementException("no more input: expected an integer")
    val negative = c == '-'.code
    if (negative || c == '+'.code) {
        inAt++
        c = peek()
    }
    if (c < '0'.code || c > '9'.code) throw NumberFormatException("expected an integer")
    // Accumulate negatively: Long.MIN_VALUE has no positive twin.
    var value = 0L
    while (c >= '0'.code && c <= '9'.code) {
        val digit = c - '0'.code
        if (value < (Long.MIN_VALUE + digit) / 10) throw NumberFormatException("integer out of range")
        value = value * 10 - digit
        inAt++
        c = peek()
    }
    if (c >= 0 && !isSpace(c)) throw NumberFormatException("expected an integer")
    if (negative) return value
    if (value == Long.MIN_VALUE) throw NumberFormatException("integer out of range")
    return -value
}

/** The next token as an Int; a token that is not a whole number in Int's range is an error. */
fun readInt(): Int {
    val value = readLong()
    if (value < Int.MIN_VALUE || value > Int.MAX_VALUE) throw NumberFormatException("integer out of range: $value")
    return value.toInt()
}

/** The next token as a Double. */
fun readDouble(): Double = readWord().toDouble()

/** The next [count] tokens as Ints. */
fun readInts(count: Int): IntArray = IntArray(count) { readInt() }

/** The next [count] tokens as Longs. */
fun readLongs(count: Int): LongArray = LongArray(count) { readLong() }

/** Writes [bytes] to standard output (fd 1) or standard error (fd 2). */
private fun writeOut(bytes: ByteArray, length: Int, fd: Int = 1) {
    var at = 0
    while (at < length) {
        val chunk = minOf(BLOCK, length - at)
        var written = 0
        withScopedMemoryAllocator { allocator ->
            val iov = allocator.allocate(8)
            val count = allocator.allocate(4)
            val data = allocator.allocate(chunk)
            for (i in 0 until chunk) (data + i).storeByte(bytes[at + i])
            iov.storeInt(data.address.toInt())
            (iov + 4).storeInt(chunk)
            if (wasiFdWrite(fd, iov.address.toInt(), 1, count.address.toInt()) != 0) {
                throw IllegalStateException("cannot write to fd $fd")
            }
            written = count.loadInt()
        }
        if (written <= 0) throw IllegalStateException("cannot write to fd $fd")
        at += written
    }
}

/**
 * Output gathered in memory and written in large blocks. Inside `output { }`, `print` and
 * `println` are this class's.
 */
class Output internal constructor() {
    private val text = StringBuilder()

    fun print(value: Any?) {
        text.append(value)
        spill()
    }

    fun print(value: String) {
        text.append(value)
        spill()
    }

    fun print(value: Int) {
        text.append(value)
        spill()
    }

    fun print(value: Long) {
        text.append(value)
        spill()
    }

    fun print(value: Char) {
        text.append(value)
        spill()
    }

    fun println() = print('\n')

    fun println(value: Any?) {
        text.append(value)
        println()
    }

    fun println(value: String) {
        text.append(value)
        println()
    }

    fun println(value: Int) {
        text.append(value)
        println()
    }

    fun println(value: Long) {
        text.append(value)
        println()
    }

    /** Writes what was gathered once it fills a block. */
    private fun spill() {
        if (text.length >= BLOCK) flush()
    }

    /** Writes what was gathered so far. */
    fun flush() {
        if (text.isEmpty()) return
        val bytes = text.toString().encodeToByteArray()
        text.clear()
        writeOut(bytes, bytes.size)
    }
}

/**
 * Runs [block] with buffered `print`/`println`, and writes everything at its end (also when
 * it throws): `fun main() = output { println(readInt() + readInt()) }`.
 */
fun <T> output(block: Output.() -> T): T {
    val out = Output()
    try {
        return out.block()
    } finally {
        out.flush()
    }
}

/** Prints [message] and a line break to standard error (which judges do not read). */
fun printErr(message: Any?) {
    val bytes = "$message\n".encodeToByteArray()
    writeOut(bytes, bytes.size, 2)
}

@WasmImport("wasi_snapshot_preview1", "proc_exit")
private external fun wasiProcExit(code: Int)

/**
 * Runs a program's `main` and ends the program: an exception it does not catch is printed to
 * standard error as the JVM prints it, and the program exits with status 1. The compiler calls
 * every `main` through it, while the program's top-level properties are initialised (Kotlin's
 * own call of `main` would come after them: exiting here keeps it from running a second time).
 */
fun runMain(main: () -> Unit) {
    try {
        main()
    } catch (e: Throwable) {
        printErr("Exception in thread \"main\" " + e.stackTraceToString().trimEnd())
        wasiProcExit(1)
    }
    wasiProcExit(0)
}
