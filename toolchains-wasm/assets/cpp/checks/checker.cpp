#include "testlib.h"
int main(int argc, char *argv[]) {
    registerTestlibCmd(argc, argv);
    int x = ouf.readInt(1, 10, "x");
    quitf(x == ans.readInt() ? _ok : _wa, "x = %d", x);
}
