// Output validator for Circle Area (Kattis interface):
//
//     validate input_file answer_file feedback_dir [flags...] < team_output
//
// Flags (from validator_flags in problem.yaml):
//     float_tolerance E            both absolute and relative tolerance E
//     float_absolute_tolerance E   accept |team - judge| <= E
//     float_relative_tolerance E   accept |team - judge| <= E * |judge|
// A number is accepted if it is within either tolerance. At least one
// tolerance must be given: without one the validator reports a judge error,
// so a judging system that drops validator_flags is caught.
#include "validate.h"

using validate::judge_error;
using validate::wrong_answer;

namespace {

bool parse_tolerance(const char* text, double& out) {
    double v;
    if (!validate::parse_float(text, v) || v < 0) return false;
    out = v;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    validate::init(argc, argv);

    double abs_tol = -1, rel_tol = -1;  // negative: not given
    for (int i = 4; i < argc; i += 2) {
        std::string flag = argv[i];
        bool takes_value = flag == "float_tolerance" || flag == "float_absolute_tolerance" ||
                           flag == "float_relative_tolerance";
        if (!takes_value) judge_error("unknown flag '%s'", argv[i]);
        if (i + 1 >= argc) judge_error("flag '%s' needs a value", argv[i]);
        double value;
        if (!parse_tolerance(argv[i + 1], value))
            judge_error("bad value '%s' for flag '%s'", argv[i + 1], argv[i]);
        if (flag != "float_relative_tolerance") abs_tol = value;
        if (flag != "float_absolute_tolerance") rel_tol = value;
    }
    if (abs_tol < 0 && rel_tol < 0)
        judge_error("no tolerance given: expected validator_flags such as 'float_tolerance 1e-6'");

    std::string input_text, answer_text, team_text;
    if (!validate::read_file(argv[1], input_text)) judge_error("cannot read input file '%s'", argv[1]);
    if (!validate::read_file(argv[2], answer_text)) judge_error("cannot read answer file '%s'", argv[2]);

    std::vector<std::string> input = validate::tokens(input_text);
    long long cases = 0;
    if (input.empty() || !validate::parse_int(input[0], cases) || cases < 1 ||
        cases + 1 != static_cast<long long>(input.size()))
        judge_error("malformed input file '%s'", argv[1]);

    std::vector<std::string> answer = validate::tokens(answer_text);
    if (static_cast<long long>(answer.size()) != cases)
        judge_error("answer file has %zu numbers, input has %lld circles", answer.size(), cases);

    // Team output: at most 1 MiB is plenty for 100 numbers.
    if (!validate::read_all(stdin, team_text, size_t(1) << 20))
        wrong_answer("output is larger than 1 MiB");
    std::vector<std::string> team = validate::tokens(team_text);

    for (long long i = 0; i < cases; i++) {
        double judge;
        if (!validate::parse_float(answer[i], judge))
            judge_error("answer file token %lld is not a number: '%s'", i + 1, answer[i].c_str());
        if (i >= static_cast<long long>(team.size()))
            wrong_answer("circle %lld: expected an area, but the output ended (%zu numbers for %lld circles)",
                         i + 1, team.size(), cases);
        double got;
        if (!validate::parse_float(team[i], got))
            wrong_answer("circle %lld: '%s' is not a decimal number", i + 1, validate::printable(team[i]).c_str());
        double diff = std::fabs(got - judge);
        bool ok = (abs_tol >= 0 && diff <= abs_tol) || (rel_tol >= 0 && diff <= rel_tol * std::fabs(judge));
        if (!ok)
            wrong_answer("circle %lld: expected %.10f, got %s (difference %.3g)", i + 1, judge,
                         validate::printable(team[i]).c_str(), diff);
    }
    if (static_cast<long long>(team.size()) > cases)
        wrong_answer("trailing output: %zu numbers for %lld circles", team.size(), cases);

    validate::accept("%lld of %lld areas within tolerance", cases, cases);
}
