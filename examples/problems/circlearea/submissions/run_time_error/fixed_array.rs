// Keeps the areas in a 10-element array: with more than 10 circles the index
// goes out of bounds and the program panics (Run-Time Error). Up to 10 circles
// it is correct.
use std::io::{self, Read};

fn main() {
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).unwrap();
    let mut it = input.split_ascii_whitespace();
    let t: usize = it.next().unwrap().parse().unwrap();
    let mut areas = [0.0f64; 10];
    for i in 0..t {
        let r: f64 = it.next().unwrap().parse().unwrap();
        areas[i] = std::f64::consts::PI * r * r;
    }
    let out: Vec<String> = areas[..t].iter().map(|a| format!("{:.10}", a)).collect();
    println!("{}", out.join("\n"));
}
