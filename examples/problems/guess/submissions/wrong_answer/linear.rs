// Guesses 1, 2, 3, ...: finds numbers up to 10 but runs out of guesses for any
// larger number. When the validator ends the interaction (end of input), it
// exits quietly, so the only failure is the Wrong Answer.
use std::io::{self, BufRead, Write};

fn main() {
    let stdin = io::stdin();
    let mut stdout = io::stdout();
    let mut line = String::new();
    for guess in 1..=1000 {
        writeln!(stdout, "{}", guess).unwrap();
        stdout.flush().unwrap();
        line.clear();
        if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line.trim() == "correct" {
            return;
        }
    }
}
