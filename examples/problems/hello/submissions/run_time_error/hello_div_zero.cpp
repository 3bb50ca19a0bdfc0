// Prints the right greeting, then divides by zero: the output is correct but
// the program crashes, so the verdict is Run-Time Error, not Accepted.
#include <cstdio>
#include <string>
#include <iostream>

int main() {
    std::string name;
    std::cin >> name;
    std::printf("Hello, %s!\n", name.c_str());
    std::fflush(stdout);
    volatile int zero = 0;  // volatile: the division happens at run time
    int letters_per_nothing = static_cast<int>(name.size()) / zero;
    std::printf("%d\n", letters_per_nothing);
    return 0;
}
