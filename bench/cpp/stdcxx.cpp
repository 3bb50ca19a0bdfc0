#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    long long n, x, s = 0;
    cin >> n;
    for (long long i = 0; i < n; i++) {
        cin >> x;
        s += x;
    }
    cout << s << '\n';
}
