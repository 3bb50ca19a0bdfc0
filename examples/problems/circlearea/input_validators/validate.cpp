// Input validator for Circle Area (Kattis interface): the input file is on
// stdin; exit 42 if it is valid, 43 otherwise.
//
//   line 1: T, an integer 1 <= T <= 100 (no sign, no leading zeros)
//   then T lines: r, 0 < r <= 10000, digits with at most 6 after a decimal point
//   (no sign, no exponent, no leading zeros before other digits)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

[[noreturn]] void reject(const char* why, int line) {
    std::fprintf(stderr, "line %d: %s\n", line, why);
    std::exit(43);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

int main() {
    std::string data;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) data.append(buf, n);

    // Split into lines; every line, including the last, must end with '\n'.
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t i = 0; i < data.size(); i++) {
        if (data[i] == '\n') {
            lines.push_back(data.substr(start, i - start));
            start = i + 1;
        }
    }
    if (start != data.size()) reject("missing newline at end of file", int(lines.size()) + 1);
    if (lines.empty()) reject("empty input", 1);

    const std::string& first = lines[0];
    if (first.empty() || first.size() > 3) reject("T must be an integer from 1 to 100", 1);
    for (char c : first)
        if (!is_digit(c)) reject("T must be an integer from 1 to 100", 1);
    if (first[0] == '0') reject("T must not have leading zeros", 1);
    int t = std::atoi(first.c_str());
    if (t < 1 || t > 100) reject("T must be an integer from 1 to 100", 1);
    if (int(lines.size()) != t + 1) reject("expected exactly T radius lines", int(lines.size()));

    for (int k = 1; k <= t; k++) {
        const std::string& s = lines[k];
        size_t i = 0;
        while (i < s.size() && is_digit(s[i])) i++;
        size_t int_digits = i;
        if (int_digits == 0 || int_digits > 5) reject("radius must start with 1 to 5 digits", k + 1);
        if (int_digits > 1 && s[0] == '0') reject("radius has a leading zero", k + 1);
        if (i < s.size()) {
            if (s[i] != '.') reject("unexpected character in radius", k + 1);
            i++;
            size_t frac_start = i;
            while (i < s.size() && is_digit(s[i])) i++;
            size_t frac_digits = i - frac_start;
            if (frac_digits < 1 || frac_digits > 6) reject("radius needs 1 to 6 digits after '.'", k + 1);
            if (i != s.size()) reject("unexpected character in radius", k + 1);
        }
        double r = std::strtod(s.c_str(), nullptr);
        if (!(r > 0) || r > 10000) reject("radius must satisfy 0 < r <= 10000", k + 1);
    }
    return 42;
}
