// Runs Kotlin/Wasm's two compiler stages in one JVM: `Kotlinc STAGE1... --then STAGE2...`.
// Stage 1 checks the sources and writes a klib; stage 2 links it with the standard library
// into a wasm module. One JVM instead of two saves its start-up and lets stage 2 run on code
// stage 1 has already loaded and compiled. A stage's exit code ends the run when it fails.
//
// An exception `main` does not catch would leave the module as a bare wasm exception, with no
// message. So the program's `main` is called from a start file of ours, as an eagerly
// initialised property: xcode.io.runMain prints such an exception as the JVM does and exits
// with 1, or exits with 0 when `main` returns (Kotlin/Wasm's WASI start ignores `-main noCall`:
// its own call would come next). The call is found from the source (its package and `main`'s
// parameters); a program it does not fit (no `main` where we look, a `suspend` or private one)
// compiles as written instead.
@file:JvmName("Kotlinc")

import java.io.ByteArrayOutputStream
import java.io.File
import java.io.PrintStream
import kotlin.system.exitProcess
import org.jetbrains.kotlin.cli.common.ExitCode
import org.jetbrains.kotlin.cli.js.KotlinWasmCompiler

private const val START = "xcode-start.kt"

fun main(args: Array<String>) {
    val cut = args.indexOf("--then")
    if (cut < 0) exitProcess(compile(args.toList(), System.err).code)
    val first = args.take(cut)
    val second = args.drop(cut + 1)
    val source = first.lastOrNull { it.endsWith(".kt") }?.let(::File)
    val call = source?.takeIf { it.isFile }?.let { mainCall(it.readText()) }
    if (call != null) {
        val start = File(System.getProperty("java.io.tmpdir"), START)
        start.writeText(startFile(call))
        val messages = ByteArrayOutputStream()
        val code = PrintStream(messages, true, "UTF-8").use { compile(first + start.path, it) }
        val text = messages.toString("UTF-8")
        if (code == ExitCode.OK) {
            System.err.print(text)
            finish(compile(second, System.err))
        }
        // Errors of the program's own are reported as they are; an error in the start file
        // means it does not fit this program: compile the program as written.
        if (!text.contains(START)) {
            System.err.print(text)
            finish(code)
        }
    }
    val code = compile(first, System.err)
    if (code != ExitCode.OK) finish(code)
    finish(compile(second, System.err))
}

private fun compile(args: List<String>, messages: PrintStream): ExitCode =
    KotlinWasmCompiler().exec(messages, *args.toTypedArray())

private fun finish(code: ExitCode): Nothing {
    System.err.flush()
    exitProcess(code.code)
}

/** How the start file calls this source's top-level `main`, or null when it has none we see. */
fun mainCall(source: String): String? {
    val pkg = Regex("""^\s*package\s+([\w.]+)""", RegexOption.MULTILINE).find(source)?.groupValues?.get(1)
    val prefix = if (pkg == null) "" else "$pkg."
    val code = source.replace(Regex("""//[^\n]*"""), "").replace(Regex("""/\*.*?\*/""", RegexOption.DOT_MATCHES_ALL), "")
    return when {
        Regex("""(^|[\s;}])fun\s+main\s*\(\s*\)""").containsMatchIn(code) -> "${prefix}main()"
        Regex("""(^|[\s;}])fun\s+main\s*\(\s*\w+\s*:\s*Array\s*<\s*(out\s+)?String\s*>\s*\)""")
            .containsMatchIn(code) -> "${prefix}main(emptyArray())"
        else -> null
    }
}

fun startFile(call: String): String = """
    |@file:Suppress("DEPRECATION", "DEPRECATION_ERROR", "OPT_IN_USAGE", "OPT_IN_USAGE_ERROR")
    |@file:OptIn(kotlin.ExperimentalStdlibApi::class)
    |
    |@EagerInitialization
    |private val xcodeStarted: Unit = xcode.io.runMain { $call }
    |""".trimMargin()
