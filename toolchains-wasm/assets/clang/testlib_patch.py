"""Patches testlib.h 0.9.44 (from PyPI rbx.cp) to compile for wasm32-wasip1 with -fno-exceptions
and a libc++ without file streams.

Usage: python3 testlib_patch.py IN OUT. Each hunk replaces text that must occur exactly once,
so a different testlib.h fails loudly instead of being half patched. Behaviour is unchanged:
the same exit codes, messages and points; only `throw`/`try` (which do not compile without
exceptions) are replaced by what they amounted to, and file streams by stdio.
"""

import sys

HUNKS = [
    (
        # testlib's licence: modified copies must say so beside the copyright notice.
        "notice of modification",
        """ * Copyright (c) 2005-2024
 */
""",
        """ * Copyright (c) 2005-2024
 */

/*
 * Modified for Xcode: compiles without C++ exceptions (wasm32-wasip1, -fno-exceptions).
 * std::stoll/std::stoull in a try block became std::strtoll/std::strtoull with an errno
 * check; `throw` statements became the exit or failure they led to; std::fstream and
 * std::ifstream (absent from that libc++) became stdio. Behaviour (exit codes, messages,
 * points) is unchanged. See toolchains-wasm/assets/clang/testlib_patch.py.
 */
""",
    ),
    (
        # errno, for the range checks below.
        "include <cerrno>",
        """#include <cstdint>
""",
        """#include <cstdint>
#include <cerrno>
""",
    ),
    (
        # Without exceptions libc++'s std::stoll aborts on overflow (a crash, not _pe). The
        # digits were checked above: overflow is the only way strtoll can fail here.
        "stringToLongLong without try",
        """    long long int result;
    try {
        result = std::stoll(buffer);
    } catch (const std::exception&) {
        in.quit(_pe, ("Expected integer, but \\"" + __testlib_part(buffer) + "\\" found").c_str());
    } catch (...) {
        in.quit(_pe, ("Expected integer, but \\"" + __testlib_part(buffer) + "\\" found").c_str());
    }
""",
        """    long long int result;
    char *end = NULL;
    errno = 0;
    result = std::strtoll(buffer, &end, 10);
    if (errno != 0 || end == buffer || *end != '\\0')
        in.quit(_pe, ("Expected integer, but \\"" + __testlib_part(buffer) + "\\" found").c_str());
""",
    ),
    (
        "stringToUnsignedLongLong without try",
        """    unsigned long long result;
    try {
        result = std::stoull(buffer);
    } catch (const std::exception&) {
        in.quit(_pe, ("Expected unsigned integer, but \\"" + __testlib_part(buffer) + "\\" found").c_str());
    } catch (...) {
        in.quit(_pe, ("Expected unsigned integer, but \\"" + __testlib_part(buffer) + "\\" found").c_str());
    }
""",
        """    unsigned long long result;
    char *end = NULL;
    errno = 0;
    result = std::strtoull(buffer, &end, 10);
    if (errno != 0 || end == buffer || *end != '\\0')
        in.quit(_pe, ("Expected unsigned integer, but \\"" + __testlib_part(buffer) + "\\" found").c_str());
""",
    ),
    (
        # Debian's libc++ for wasm32-wasi is built without file system support: <fstream>
        # declares nothing. The interactor's `tout` (open, fail, is_open, close, <<) writes
        # through stdio instead, as std::fstream opened with ios_base::out ("w") would.
        "tout over stdio",
        """/* Interactor streams.
 */
std::fstream tout;
""",
        """/* Interactor streams.
 */
class __testlib_ofstream : public std::ostream {
    struct buffer : std::streambuf {
        std::FILE *file = NULL;
        int overflow(int c) override {
            if (c == EOF)
                return std::fflush(file) == 0 ? 0 : EOF;
            return std::fputc(c, file);
        }
        std::streamsize xsputn(const char *s, std::streamsize n) override {
            return std::streamsize(std::fwrite(s, 1, size_t(n), file));
        }
        int sync() override { return std::fflush(file) == 0 ? 0 : -1; }
    } buf;
public:
    __testlib_ofstream() : std::ostream(&buf) {}
    ~__testlib_ofstream() { close(); }
    void open(const char *name, std::ios_base::openmode) {
        close();
        buf.file = std::fopen(name, "w");
        if (buf.file == NULL)
            setstate(std::ios_base::failbit);
    }
    bool is_open() const { return buf.file != NULL; }
    void close() {
        if (buf.file != NULL && std::fclose(buf.file) != 0)
            setstate(std::ios_base::failbit);
        buf.file = NULL;
    }
};
__testlib_ofstream tout;
""",
    ),
    (
        # No std::ifstream either (see above): the file's size through stdio.
        "InStream::init measures the file with stdio",
        """    std::ifstream stream;
    stream.open(fileName.c_str(), std::ios::in);
    if (stream.is_open()) {
        std::streampos start = stream.tellg();
        stream.seekg(0, std::ios::end);
        std::streampos end = stream.tellg();
        size_t fileSize = size_t(end - start);
        stream.close();
""",
        """    std::FILE *stream = testlib_fopen_(fileName.c_str(), "rb");
    if (stream != NULL) {
        std::fseek(stream, 0, SEEK_END);
        size_t fileSize = size_t(std::ftell(stream));
        std::fclose(stream);
""",
    ),
    (
        # The scorer's results file, line by line through stdio.
        "readTestResults reads with stdio",
        """    std::ifstream stream;
    stream.open(fileName.c_str(), std::ios::in);
    ensuref(stream.is_open(), "Can't read test results file '%s'", fileName.c_str());
    std::vector<TestResult> result;
    std::string line;
    while (getline(stream, line))
        if (!line.empty())
            result.push_back(deserializeTestResult(line));
    stream.close();
    return result;
""",
        """    std::FILE *stream = testlib_fopen_(fileName.c_str(), "r");
    ensuref(stream != NULL, "Can't read test results file '%s'", fileName.c_str());
    std::vector<TestResult> result;
    std::string line;
    for (int c = std::fgetc(stream);; c = std::fgetc(stream)) {
        if (c != EOF && c != '\\n') {
            line += char(c);
            continue;
        }
        if (!line.empty())
            result.push_back(deserializeTestResult(line));
        line.clear();
        if (c == EOF)
            break;
    }
    std::fclose(stream);
    return result;
""",
    ),
    (
        # Opt-in (the macro) exit by exception, for harnesses that catch it: without exceptions
        # the program exits, as it does when the macro is not defined.
        "halt exits when exceptions are off",
        """#ifdef TESTLIB_THROW_EXIT_EXCEPTION_INSTEAD_OF_EXIT
    throw exit_exception(exitCode);
#endif
""",
        """#if defined(TESTLIB_THROW_EXIT_EXCEPTION_INSTEAD_OF_EXIT) && defined(__cpp_exceptions)
    throw exit_exception(exitCode);
#endif
""",
    ),
    (
        # An impossible verdict (the switch covers the enum): fail as testlib fails elsewhere.
        "serializeVerdict fails instead of throwing",
        """    throw "Unexpected verdict";
""",
        """    __testlib_fail("Unexpected verdict");
""",
    ),
]


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8", newline="") as file:
        text = file.read()
    for name, old, new in HUNKS:
        count = text.count(old)
        if count != 1:
            sys.exit(f"testlib_patch.py: hunk '{name}' matches {count} times, expected once")
        text = text.replace(old, new)
    with open(target, "w", encoding="utf-8", newline="") as file:
        file.write(text)


main()
