// Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
// LCG (seed 12345): the first N draws, then the next N. Prints its length.
use std::io::Read;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let n: usize = input.trim().parse().unwrap();
    let mut x: i64 = 12345;
    let mut draw = || {
        x = x * 48271 % 2147483647;
        (x % 4) as u8
    };
    let s: Vec<u8> = (0..n).map(|_| draw()).collect();
    let t: Vec<u8> = (0..n).map(|_| draw()).collect();
    let mut prev = vec![0i32; n + 1];
    let mut cur = vec![0i32; n + 1];
    for i in 1..=n {
        for j in 1..=n {
            cur[j] = if s[i - 1] == t[j - 1] {
                prev[j - 1] + 1
            } else {
                prev[j].max(cur[j - 1])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    println!("{}", prev[n]);
}
