// Small helpers for Kattis-style output validators:
//
//     validator input_file answer_file feedback_dir [flags...] < team_output
//
// Exit 42 accepts, 43 rejects (Wrong Answer); a reason goes to
// feedback_dir + "judgemessage.txt". Anything else the validator cannot handle
// (unreadable files, bad flags) exits with kJudgeError, which a judging system
// must report as a judge error, never as a verdict.
//
// Only the C++ standard library and C stdio: builds with -fno-exceptions, for
// native targets and for wasm32-wasip1.
#ifndef CIRCLEAREA_VALIDATE_H
#define CIRCLEAREA_VALIDATE_H

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace validate {

constexpr int kAccept = 42;
constexpr int kWrongAnswer = 43;
constexpr int kJudgeError = 1;

// Where feedback files go; set by init().
inline std::string& feedback_dir() {
    static std::string dir;
    return dir;
}

// Appends a formatted line to feedback_dir + name (best effort).
inline void vappend_feedback(const char* name, const char* fmt, va_list args) {
    std::string path = feedback_dir() + name;
    FILE* f = std::fopen(path.c_str(), "a");
    if (f == nullptr) return;
    std::vfprintf(f, fmt, args);
    std::fputc('\n', f);
    std::fclose(f);
}

inline void judge_message(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vappend_feedback("judgemessage.txt", fmt, args);
    va_end(args);
}

[[noreturn]] inline void accept(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vappend_feedback("judgemessage.txt", fmt, args);
    va_end(args);
    std::exit(kAccept);
}

[[noreturn]] inline void wrong_answer(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vappend_feedback("judgemessage.txt", fmt, args);
    va_end(args);
    std::exit(kWrongAnswer);
}

// The validator itself cannot go on: say why on stderr and exit with a code
// that is neither 42 nor 43.
[[noreturn]] inline void judge_error(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::fputs("judge error: ", stderr);
    std::vfprintf(stderr, fmt, args);
    std::fputc('\n', stderr);
    va_end(args);
    std::exit(kJudgeError);
}

// Reads all of `f`; false if it holds more than `limit` bytes or on a read error.
inline bool read_all(FILE* f, std::string& out, size_t limit) {
    out.clear();
    char buf[1 << 15];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (out.size() + n > limit) return false;
        out.append(buf, n);
    }
    return std::ferror(f) == 0;
}

inline bool read_file(const char* path, std::string& out) {
    FILE* f = std::fopen(path, "rb");
    if (f == nullptr) return false;
    bool ok = read_all(f, out, size_t(1) << 30);
    std::fclose(f);
    return ok;
}

inline bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

// Whitespace-separated tokens (space, LF, CR, tab, VT, FF), as the spec's
// default output validator splits them.
inline std::vector<std::string> tokens(const std::string& text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) i++;
        size_t start = i;
        while (i < text.size() && !is_space(text[i])) i++;
        if (i > start) out.push_back(text.substr(start, i - start));
    }
    return out;
}

// A decimal floating-point number in the problem package format's grammar:
//   [+-]? ( digits* "." digits+ | digits+ "." | digits+ ) ([eE] [+-]? digits+)?
// No "inf", "nan" or hexadecimal forms (which strtod alone would take).
inline bool parse_float(const std::string& s, double& value) {
    size_t i = 0, n = s.size();
    auto digits = [&]() {
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        return i - start;
    };
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t before = digits(), after = 0;
    if (i < n && s[i] == '.') {
        i++;
        after = digits();
    }
    if (before == 0 && after == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (digits() == 0) return false;
    }
    if (i != n) return false;
    errno = 0;
    char* end = nullptr;
    value = std::strtod(s.c_str(), &end);
    // Overflow gives +-HUGE_VAL; underflow to 0 is fine.
    return end == s.c_str() + n && std::isfinite(value);
}

// A plain decimal integer, optionally signed, that fits in a long long.
inline bool parse_int(const std::string& s, long long& value) {
    if (s.empty() || s.size() > 20) return false;
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    if (i == s.size()) return false;
    for (size_t j = i; j < s.size(); j++)
        if (s[j] < '0' || s[j] > '9') return false;
    errno = 0;
    char* end = nullptr;
    value = std::strtoll(s.c_str(), &end, 10);
    return errno == 0 && end == s.c_str() + s.size();
}

// `s` cut to `max_len` bytes, with anything but printable ASCII shown as '?',
// for quoting team output in a judge message.
inline std::string printable(const std::string& s, size_t max_len = 40) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < max_len; i++)
        out.push_back(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
    if (s.size() > max_len) out += "...";
    return out;
}

// Checks the three fixed arguments and remembers the feedback directory.
inline void init(int argc, char** argv) {
    if (argc < 4)
        judge_error("usage: %s input_file answer_file feedback_dir [flags...] < team_output",
                    argc > 0 ? argv[0] : "validator");
    feedback_dir() = argv[3];
    // The spec says feedback_dir ends with a path separator; tolerate one without.
    if (!feedback_dir().empty() && feedback_dir().back() != '/') feedback_dir() += '/';
}

}  // namespace validate

#endif  // CIRCLEAREA_VALIDATE_H
