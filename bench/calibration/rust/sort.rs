// Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
// sorted array modulo 1e9+7.
use std::io::Read;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let n: usize = input.trim().parse().unwrap();
    let mut x: i64 = 12345;
    let mut a: Vec<i32> = (0..n)
        .map(|_| {
            x = x * 48271 % 2147483647;
            x as i32
        })
        .collect();
    a.sort_unstable();
    let mut hash: i64 = 0;
    for &value in &a {
        hash = (hash * 31 + value as i64) % 1_000_000_007;
    }
    println!("{hash}");
}
