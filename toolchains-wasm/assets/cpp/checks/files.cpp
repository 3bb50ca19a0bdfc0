#include <fstream>
#include <string>
int main(int argc, char *argv[]) {
    std::ifstream in(argv[1]);
    std::ofstream out(argv[2]);
    std::string s;
    while (in >> s) out << s;
    return !in.eof();
}
