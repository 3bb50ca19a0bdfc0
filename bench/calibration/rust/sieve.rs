// Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
use std::io::Read;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let n: usize = input.trim().parse().unwrap();
    let mut composite = vec![false; n + 1];
    let mut i = 2;
    while i * i <= n {
        if !composite[i] {
            let mut j = i * i;
            while j <= n {
                composite[j] = true;
                j += i;
            }
        }
        i += 1;
    }
    let (mut count, mut sum) = (0u64, 0u64);
    for i in 2..=n {
        if !composite[i] {
            count += 1;
            sum += i as u64;
        }
    }
    println!("{count} {sum}");
}
