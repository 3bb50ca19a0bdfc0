#include <bits/stdc++.h>
int main() {
    std::vector<int> v(3);
    try {
        v.at(7) = std::stoi("x");
    } catch (const std::exception &e) {
        std::printf("%s\n", e.what());
    }
}
