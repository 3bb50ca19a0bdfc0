// Helpers for an interactive Kattis-style output validator:
//
//     validator input_file answer_file feedback_dir [args...] < team_output > team_input
//
// Exit 42 accepts, 43 rejects (Wrong Answer), each with a line appended to
// feedback_dir + "judgemessage.txt". A validator that cannot run (bad
// arguments, unreadable input) exits with kJudgeError instead.
//
// C++ standard library and C stdio only; builds with -fno-exceptions for native
// targets and for wasm32-wasip1.
#ifndef GUESS_VALIDATE_H
#define GUESS_VALIDATE_H

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#if !defined(__wasi__)
#include <signal.h>
#endif

namespace interact {

constexpr int kAccept = 42;
constexpr int kWrongAnswer = 43;
constexpr int kJudgeError = 1;

inline std::string& feedback_dir() {
    static std::string dir;
    return dir;
}

inline void vjudge_message(const char* fmt, va_list args) {
    std::string path = feedback_dir() + "judgemessage.txt";
    FILE* f = std::fopen(path.c_str(), "a");
    if (f == nullptr) return;
    std::vfprintf(f, fmt, args);
    std::fputc('\n', f);
    std::fclose(f);
}

[[noreturn]] inline void accept(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vjudge_message(fmt, args);
    va_end(args);
    std::exit(kAccept);
}

[[noreturn]] inline void wrong_answer(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vjudge_message(fmt, args);
    va_end(args);
    std::exit(kWrongAnswer);
}

[[noreturn]] inline void judge_error(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::fputs("judge error: ", stderr);
    std::vfprintf(stderr, fmt, args);
    std::fputc('\n', stderr);
    va_end(args);
    std::exit(kJudgeError);
}

inline void init(int argc, char** argv) {
    if (argc < 4)
        judge_error("usage: %s input_file answer_file feedback_dir [args...]", argc > 0 ? argv[0] : "validator");
    feedback_dir() = argv[3];
    if (!feedback_dir().empty() && feedback_dir().back() != '/') feedback_dir() += '/';
#if !defined(__wasi__)
    // A submission that exits early must not kill us with SIGPIPE when we
    // reply: the write just fails and the next read sees end of file.
    signal(SIGPIPE, SIG_IGN);
#endif
}

inline bool is_space(int c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

// Next whitespace-separated token from the submission; false at end of file.
// Tokens longer than max_len are cut (the caller rejects them anyway).
inline bool next_token(std::string& token, size_t max_len = 64) {
    token.clear();
    int c;
    while ((c = std::getchar()) != EOF && is_space(c)) {
    }
    if (c == EOF) return false;
    while (c != EOF && !is_space(c)) {
        if (token.size() < max_len) token.push_back(static_cast<char>(c));
        c = std::getchar();
    }
    return true;
}

// Whether anything but whitespace is left before end of file.
inline bool has_more_output() {
    int c;
    while ((c = std::getchar()) != EOF)
        if (!is_space(c)) return true;
    return false;
}

// One line to the submission, flushed at once.
inline void send(const char* line) {
    std::fputs(line, stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// `s` with anything but printable ASCII shown as '?', for judge messages.
inline std::string printable(const std::string& s) {
    std::string out;
    for (char c : s) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    return out;
}

// A decimal integer in [lo, hi] without sign or leading zeros.
inline bool parse_in_range(const std::string& s, long lo, long hi, long& value) {
    if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return false;
    long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    if (v < lo || v > hi) return false;
    value = v;
    return true;
}

}  // namespace interact

#endif  // GUESS_VALIDATE_H
