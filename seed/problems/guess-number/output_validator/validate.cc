// Interactive validator for Guess the Number. The secret number is the only
// token of the input file (the answer file is not used). The submission writes
// guesses; we answer "lower", "higher" or "correct". Ten wrong guesses, a
// malformed guess, end of output before the number is found, or anything
// written after "correct" is Wrong Answer.
#include "validate.h"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    interact::init(argc, argv);
    constexpr int kMaxGuesses = 10;

    FILE* in = std::fopen(argv[1], "r");
    if (in == nullptr) interact::judge_error("cannot open input file '%s'", argv[1]);
    long secret = 0;
    char extra;
    if (std::fscanf(in, "%ld", &secret) != 1 || secret < 1 || secret > 1000 ||
        std::fscanf(in, " %c", &extra) == 1)
        interact::judge_error("input file must hold one integer from 1 to 1000");
    std::fclose(in);

    std::string token;
    for (int guesses = 1; guesses <= kMaxGuesses; guesses++) {
        if (!interact::next_token(token))
            interact::wrong_answer("output ended after %d guesses without finding %ld", guesses - 1, secret);
        long guess;
        if (!interact::parse_in_range(token, 1, 1000, guess))
            interact::wrong_answer("guess %d: '%s' is not an integer from 1 to 1000", guesses,
                                  interact::printable(token).c_str());
        if (guess == secret) {
            interact::send("correct");
            if (interact::has_more_output())
                interact::wrong_answer("found %ld in %d guesses, but wrote more after 'correct'", secret, guesses);
            interact::accept("found %ld in %d guesses", secret, guesses);
        }
        if (guesses == kMaxGuesses)
            interact::wrong_answer("10 guesses used, the last was %ld; the number was %ld", guess, secret);
        interact::send(secret < guess ? "lower" : "higher");
    }
    return interact::kJudgeError;  // not reached
}
