#!/usr/bin/env bash
# Kotlin: Kotlin/Wasm's compiler (npm kotlin-compiler) on a pinned JVM, for the WASI target.
#
#   lib/          the compiler's jars and the WASI standard library (kotlin-stdlib-wasm-wasi.klib)
#   lib/kotlinc-launcher.jar  Kotlinc (assets/kotlin/Kotlinc.kt): both compiler stages in one JVM
#   lib/xcode-io.klib         fast input/output helpers (assets/kotlin/io.kt, `import xcode.io.*`)
#   kotlinc.jsa   a class-data-sharing archive of the classes a compile loads: the JVM maps
#                 them instead of parsing and verifying them from the jars on every compile
#
# Made where compiles see the toolchain (/toolchain, in a root of its own like the jail's), so
# that the klib's recorded paths and the archive's class path are the compile's own. Checked
# by compiling and inspecting a program through the manifest's command ($COMPILE_COMMAND, one
# argument per line).
# Inputs: OUT, WORK, ASSETS, SRC_KOTLIN_COMPILER (the npm package's `package/lib/`), JAVA_HOME.
set -euo pipefail
: "${OUT:?}" "${WORK:?}" "${ASSETS:?}" "${SRC_KOTLIN_COMPILER:?}" "${COMPILE_COMMAND:?}"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
java="$JAVA_HOME/bin/java"
[ -x "$java" ] || { echo "kotlin.sh: no JVM at $java" >&2; exit 1; }

mkdir -p "$OUT/lib" "$WORK"
# kotlin-compiler.jar's manifest class path names the first five.
for jar in kotlin-stdlib.jar kotlin-reflect.jar kotlin-script-runtime.jar \
    kotlinx-coroutines-core-jvm.jar annotations-13.0.jar kotlin-compiler.jar \
    kotlin-stdlib-wasm-wasi.klib; do
    cp "$SRC_KOTLIN_COMPILER/$jar" "$OUT/lib/$jar"
done

# A root of its own (tmpfs) holding /usr, the JVM's /etc, the toolchain at /toolchain and the
# scratch dir, as a jailed compile sees them.
# jail DIR COMMAND...: runs COMMAND in DIR, seen at /box as a compile's box is.
jail() {
    local box="$1"
    shift
    bwrap --tmpfs / --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
        --symlink usr/bin /bin --ro-bind /etc/java-17-openjdk /etc/java-17-openjdk \
        --dev /dev --proc /proc --tmpfs /tmp --ro-bind "$ASSETS" /assets \
        --bind "$OUT" /toolchain --bind "$box" /box --chdir /box -- "$@"
}

# The launcher, compiled for the JVM by the same compiler (a jar: class-data sharing takes no
# directories on the class path).
jail "$WORK" "$java" -Xmx1g -cp /toolchain/lib/kotlin-compiler.jar \
    org.jetbrains.kotlin.cli.jvm.K2JVMCompiler -no-reflect -jvm-target 17 \
    -cp /toolchain/lib/kotlin-compiler.jar -d /toolchain/lib/kotlinc-launcher.jar \
    /assets/kotlin/Kotlinc.kt

# The compile command's JVM, launcher and stage-1 flags, for the helpers' klib.
mapfile -t command <<< "$COMPILE_COMMAND"
jvm=()
for arg in "${command[@]}"; do
    case "$arg" in
        -XX:SharedArchiveFile=*) ;;
        Kotlinc) jvm+=("$arg"); break ;;
        *) jvm+=("$arg") ;;
    esac
done
mkdir -p "$WORK/io"
cp "$ASSETS/kotlin/io.kt" "$WORK/io/io.kt"
jail "$WORK/io" "${jvm[@]}" -Xwasm-target=wasm-wasi \
    -libraries /toolchain/lib/kotlin-stdlib-wasm-wasi.klib -Xklib-relative-path-base=/box \
    -ir-output-dir /toolchain/lib -ir-output-name xcode-io io.kt

# The class-data-sharing archive, recorded while a program using the helpers compiles (the
# archive is only used by a JVM with the same class path: the command's own).
mkdir -p "$WORK/archive"
cp "$ASSETS/kotlin/checks/archive.kt" "$WORK/archive/main.kt"
archived=()
for arg in "${command[@]}"; do
    case "$arg" in
        -XX:SharedArchiveFile=*) archived+=("-XX:ArchiveClassesAtExit=${arg#*=}") ;;
        *) archived+=("$arg") ;;
    esac
done
jail "$WORK/archive" "${archived[@]}" > "$WORK/archive/messages" 2>&1 ||
    { cat "$WORK/archive/messages" >&2; exit 1; }
[ -s "$OUT/kotlinc.jsa" ] || { echo "kotlin.sh: no class-data archive" >&2; exit 1; }

# ---- checks, through the manifest's compile command run the same way
mkdir -p "$WORK/check"
cp "$ASSETS/kotlin/checks/archive.kt" "$WORK/check/main.kt"
jail "$WORK/check" "${command[@]}" > "$WORK/check/messages" 2>&1 ||
    { cat "$WORK/check/messages" >&2; exit 1; }
if grep -q -i -e 'warning.*cds' -e 'sharing' "$WORK/check/messages"; then
    echo "kotlin.sh: the class-data archive is refused:" >&2
    cat "$WORK/check/messages" >&2
    exit 1
fi
[ -s "$WORK/check/main.wasm" ] || { echo "kotlin.sh: no main.wasm" >&2; exit 1; }
echo "kotlin.sh: checks compiled ($(stat -c %s "$WORK/check/main.wasm") bytes)"
