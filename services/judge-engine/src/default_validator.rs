//! The default output validator of the ICPC/Kattis problem package format: a token-by-token
//! comparison of the judge answer and the contestant output, steered by `validator_flags`.
//!
//! Behaviour follows the specification ("Default Output Validator Specification", legacy and
//! 2023-07-draft) and, where the text is silent, the reference implementation in problemtools
//! (`support/default_validator/default_validator.cc`):
//! - whitespace is exactly the six C `isspace` bytes (space, `\t`, `\n`, `\v`, `\f`, `\r`), so a
//!   `\r` of CRLF output is whitespace;
//! - with `space_change_sensitive`, every whitespace run must be byte-identical, including the
//!   leading and trailing ones, so a missing or extra final newline is rejected;
//! - case-insensitive means ASCII case only;
//! - with a float tolerance, a judge token is a number if it is a decimal float (the grammar of
//!   the 2023-07 spec: no hex, no `inf`/`nan`) with a finite value; otherwise, like `nan`, `inf`
//!   or `1e999`, it is compared as a string;
//! - repeated tolerance flags: the last one wins, `float_tolerance` setting both.
//!
//! Inputs are bytes, never assumed UTF-8; the comparison is linear and allocates only to explain
//! a mismatch.

use std::fmt;
use std::str::FromStr;

/// Flags of the default validator, parsed from `validator_flags` words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flags {
    pub case_sensitive: bool,
    pub space_change_sensitive: bool,
    pub float_relative_tolerance: Option<f64>,
    pub float_absolute_tolerance: Option<f64>,
}

/// A `validator_flags` word the default validator does not understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    #[error(
        "unknown validator flag `{0}` (known: case_sensitive, space_change_sensitive, \
         float_tolerance ε, float_relative_tolerance ε, float_absolute_tolerance ε)"
    )]
    Unknown(String),
    #[error("validator flag `{0}` must be followed by a number")]
    MissingNumber(String),
    #[error("validator flag `{flag}` needs a finite non-negative number, got `{value}`")]
    BadNumber { flag: String, value: String },
}

impl Flags {
    /// Parses the words of `validator_flags`, e.g. `["float_tolerance", "1e-6"]`.
    pub fn parse<S: AsRef<str>>(words: &[S]) -> Result<Flags, FlagError> {
        let mut flags = Flags::default();
        let mut words = words.iter().map(AsRef::as_ref);
        while let Some(word) = words.next() {
            match word {
                "case_sensitive" => flags.case_sensitive = true,
                "space_change_sensitive" => flags.space_change_sensitive = true,
                "float_tolerance" | "float_relative_tolerance" | "float_absolute_tolerance" => {
                    let value = words
                        .next()
                        .ok_or_else(|| FlagError::MissingNumber(word.to_owned()))?;
                    let tolerance = parse_float(value.as_bytes())
                        .filter(|t| *t >= 0.0)
                        .ok_or_else(|| FlagError::BadNumber {
                            flag: word.to_owned(),
                            value: value.to_owned(),
                        })?;
                    if word != "float_absolute_tolerance" {
                        flags.float_relative_tolerance = Some(tolerance);
                    }
                    if word != "float_relative_tolerance" {
                        flags.float_absolute_tolerance = Some(tolerance);
                    }
                }
                _ => return Err(FlagError::Unknown(word.to_owned())),
            }
        }
        Ok(flags)
    }
}

/// Parses a whole `validator_flags` string, split on whitespace.
impl FromStr for Flags {
    type Err = FlagError;

    fn from_str(s: &str) -> Result<Flags, FlagError> {
        Flags::parse(&s.split_whitespace().collect::<Vec<_>>())
    }
}

/// Why the contestant output was rejected, in a short message for contestants and judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub message: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Compares the contestant output with the judge answer: `Ok` means accepted.
pub fn check(judge_answer: &[u8], team_output: &[u8], flags: &Flags) -> Result<(), Mismatch> {
    let tolerance = Tolerance::of(flags);
    let mut judge = Cursor::new(judge_answer);
    let mut team = Cursor::new(team_output);
    let mut matched = 0usize;
    loop {
        let team_before = team;
        let judge_space = judge.skip_space();
        let team_space = team.skip_space();
        if flags.space_change_sensitive && judge_space != team_space {
            return Err(space_mismatch(
                &judge,
                &team,
                &team_before,
                judge_space,
                team_space,
            ));
        }
        let Some(expected) = judge.token() else {
            break;
        };
        let Some(got) = team.token() else {
            return Err(ends_early(expected, &judge, team_output, matched));
        };
        if let Err(why) = compare(expected, got, flags.case_sensitive, tolerance) {
            return Err(mismatch(format!(
                "{}: {why}",
                token_position(&judge, &team)
            )));
        }
        matched += 1;
    }
    match team.token() {
        Some(extra) => Err(mismatch(format!(
            "trailing output at line {}, token {}: {}",
            team.line,
            team.token,
            quote(extra)
        ))),
        None => Ok(()),
    }
}

/// Tokens are quoted up to this many characters.
const QUOTE_CHARS: usize = 40;

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A reading position in one file, with the line and the token within the line for messages.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// 1-based line of `pos`.
    line: usize,
    /// Tokens read on `line` so far.
    token: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8]) -> Cursor<'a> {
        Cursor {
            data,
            pos: 0,
            line: 1,
            token: 0,
        }
    }

    /// Skips the whitespace at the cursor and returns it.
    fn skip_space(&mut self) -> &'a [u8] {
        let rest = &self.data[self.pos..];
        let len = rest
            .iter()
            .position(|&b| !is_space(b))
            .unwrap_or(rest.len());
        let run = &rest[..len];
        self.advance_lines(run);
        self.pos += len;
        run
    }

    fn advance_lines(&mut self, space: &[u8]) {
        let newlines = space.iter().filter(|&&b| b == b'\n').count();
        if newlines > 0 {
            self.line += newlines;
            self.token = 0;
        }
    }

    /// The token at the cursor, which must be past any whitespace.
    fn peek_token(&self) -> Option<&'a [u8]> {
        let rest = &self.data[self.pos..];
        let len = rest.iter().position(|&b| is_space(b)).unwrap_or(rest.len());
        (len > 0).then(|| &rest[..len])
    }

    fn token(&mut self) -> Option<&'a [u8]> {
        let token = self.peek_token()?;
        self.pos += token.len();
        self.token += 1;
        Some(token)
    }
}

/// The usable float tolerances; `None` when tokens are compared as strings only.
#[derive(Clone, Copy)]
struct Tolerance {
    absolute: Option<f64>,
    relative: Option<f64>,
}

impl Tolerance {
    fn of(flags: &Flags) -> Option<Tolerance> {
        // Like problemtools, a negative (or NaN) tolerance counts as unset.
        let usable = |t: Option<f64>| t.filter(|t| *t >= 0.0);
        let tolerance = Tolerance {
            absolute: usable(flags.float_absolute_tolerance),
            relative: usable(flags.float_relative_tolerance),
        };
        (tolerance.absolute.is_some() || tolerance.relative.is_some()).then_some(tolerance)
    }

    /// The largest difference accepted from the judge value `expected`.
    fn allowed(self, expected: f64) -> f64 {
        let absolute = self.absolute.unwrap_or(f64::NEG_INFINITY);
        let relative = self
            .relative
            .map_or(f64::NEG_INFINITY, |r| r * expected.abs());
        absolute.max(relative)
    }
}

/// Compares one pair of tokens; `Err` explains the difference.
fn compare(
    expected: &[u8],
    got: &[u8],
    case_sensitive: bool,
    tolerance: Option<Tolerance>,
) -> Result<(), String> {
    if expected == got {
        return Ok(());
    }
    if let Some(tolerance) = tolerance
        && let Some(a) = parse_float(expected)
    {
        let Some(s) = parse_float(got) else {
            return Err(format!(
                "expected a number close to {}, got {}",
                quote(expected),
                quote(got)
            ));
        };
        let difference = (a - s).abs();
        let allowed = tolerance.allowed(a);
        if difference <= allowed {
            return Ok(());
        }
        return Err(format!(
            "expected {}, got {}: difference {difference:e} exceeds the allowed {allowed:e}",
            quote(expected),
            quote(got)
        ));
    }
    if !case_sensitive && expected.eq_ignore_ascii_case(got) {
        return Ok(());
    }
    Err(string_mismatch(expected, got, case_sensitive))
}

/// Explains two different string tokens, showing where long tokens differ.
fn string_mismatch(expected: &[u8], got: &[u8], case_sensitive: bool) -> String {
    let same = |(a, b): (&u8, &u8)| {
        if case_sensitive {
            a == b
        } else {
            a.eq_ignore_ascii_case(b)
        }
    };
    let differ_at = expected
        .iter()
        .zip(got)
        .position(|pair| !same(pair))
        .unwrap_or(expected.len().min(got.len()));
    let case_note = if case_sensitive && expected.eq_ignore_ascii_case(got) {
        " (letter case differs)"
    } else {
        ""
    };
    if expected.len().max(got.len()) <= QUOTE_CHARS || differ_at <= QUOTE_CHARS / 2 {
        return format!(
            "expected {}, got {}{case_note}",
            quote(expected),
            quote(got)
        );
    }
    // Both tokens share the bytes before `differ_at` (up to ASCII case), so one start suits both.
    let start = char_start(expected, differ_at - QUOTE_CHARS / 4);
    format!(
        "expected {}, got {}{case_note} (first difference after {differ_at} bytes)",
        quote_from(expected, start),
        quote_from(got, start)
    )
}

/// Moves `at` back to the start of a UTF-8 character, if it is in one.
fn char_start(bytes: &[u8], mut at: usize) -> usize {
    let mut steps = 0;
    while at > 0 && steps < 3 && bytes.get(at).is_some_and(|b| b & 0xC0 == 0x80) {
        at -= 1;
        steps += 1;
    }
    at
}

fn quote(token: &[u8]) -> String {
    quote_from(token, 0)
}

/// Quotes `token[start..]` in backticks, shortened to `QUOTE_CHARS` characters, with invalid
/// UTF-8 replaced and control characters escaped.
fn quote_from(token: &[u8], start: usize) -> String {
    let token = &token[start.min(token.len())..];
    // A character takes at most 4 bytes: enough to fill the quote, never the whole of a huge token.
    let head = &token[..token.len().min(QUOTE_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut chars = text.chars();
    let mut out = String::with_capacity(QUOTE_CHARS + 8);
    out.push('`');
    if start > 0 {
        out.push('…');
    }
    for c in chars.by_ref().take(QUOTE_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if chars.next().is_some() || head.len() < token.len() {
        out.push('…');
    }
    out.push('`');
    out
}

fn mismatch(message: String) -> Mismatch {
    Mismatch { message }
}

/// Where the token just read is: the contestant's line, and the answer's line if different.
fn token_position(judge: &Cursor<'_>, team: &Cursor<'_>) -> String {
    let mut position = format!("line {}, token {}", team.line, team.token);
    if judge.line != team.line {
        position.push_str(&format!(" (answer line {})", judge.line));
    }
    position
}

fn ends_early(expected: &[u8], judge: &Cursor<'_>, team_output: &[u8], matched: usize) -> Mismatch {
    let expected = quote(expected);
    mismatch(if matched > 0 {
        format!(
            "contestant output ends early after {matched} token{}: expected {expected} at answer line {}",
            if matched == 1 { "" } else { "s" },
            judge.line
        )
    } else if team_output.is_empty() {
        format!("contestant output is empty: expected {expected}")
    } else {
        format!("contestant output contains only whitespace: expected {expected}")
    })
}

/// Explains differing whitespace runs; the cursors are just past them, `team_before` before.
fn space_mismatch(
    judge: &Cursor<'_>,
    team: &Cursor<'_>,
    team_before: &Cursor<'_>,
    judge_space: &[u8],
    team_space: &[u8],
) -> Mismatch {
    let common = judge_space
        .iter()
        .zip(team_space)
        .take_while(|(a, b)| a == b)
        .count();
    let mut at = *team_before;
    at.advance_lines(&team_space[..common]);
    let position = if at.token == 0 {
        format!("line {}, at the start", at.line)
    } else {
        format!("line {}, after token {}", at.line, at.token)
    };
    let describe = |space: &[u8], cursor: &Cursor<'_>| match space.get(common) {
        Some(&byte) => space_name(byte).to_owned(),
        None => cursor
            .peek_token()
            .map_or("end of output".to_owned(), quote),
    };
    mismatch(format!(
        "{position}: whitespace differs: expected {}, got {}",
        describe(judge_space, judge),
        describe(team_space, team)
    ))
}

fn space_name(byte: u8) -> &'static str {
    match byte {
        b' ' => "a space",
        b'\t' => "a tab",
        b'\n' => "a newline",
        b'\r' => "a carriage return (\\r)",
        0x0b => "a vertical tab",
        _ => "a form feed",
    }
}

/// The value of a decimal float token (`[+-]? (d* . d+ | d+ .? ) ([eE] [+-]? d+)?`), if finite.
fn parse_float(token: &[u8]) -> Option<f64> {
    if !is_decimal_float(token) {
        return None;
    }
    let value: f64 = std::str::from_utf8(token).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

fn is_decimal_float(token: &[u8]) -> bool {
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let sign = |s: &[u8]| usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let mut rest = &token[sign(token)..];
    let whole = digits(rest);
    rest = &rest[whole..];
    let mut fraction = 0;
    if let Some(after_dot) = rest.strip_prefix(b".") {
        fraction = digits(after_dot);
        rest = &after_dot[fraction..];
    }
    if whole + fraction == 0 {
        return false;
    }
    if let Some(exponent) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exponent = &exponent[sign(exponent)..];
        let exponent_digits = digits(exponent);
        if exponent_digits == 0 {
            return false;
        }
        rest = &exponent[exponent_digits..];
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn flags(s: &str) -> Flags {
        s.parse().expect("test flags are valid")
    }

    fn accepts(judge: &str, team: &str, flag_words: &str) -> bool {
        check(judge.as_bytes(), team.as_bytes(), &flags(flag_words)).is_ok()
    }

    fn rejection(judge: impl AsRef<[u8]>, team: impl AsRef<[u8]>, flag_words: &str) -> String {
        check(judge.as_ref(), team.as_ref(), &flags(flag_words))
            .expect_err("output should be rejected")
            .message
    }

    // Flags.

    #[test]
    fn no_flags_is_the_default() {
        assert_eq!(Flags::parse::<&str>(&[]), Ok(Flags::default()));
        assert_eq!(flags("  "), Flags::default());
    }

    #[test]
    fn every_flag_parses() {
        let parsed = flags(
            "case_sensitive space_change_sensitive float_relative_tolerance 1e-4 \
             float_absolute_tolerance 0.5",
        );
        assert_eq!(
            parsed,
            Flags {
                case_sensitive: true,
                space_change_sensitive: true,
                float_relative_tolerance: Some(1e-4),
                float_absolute_tolerance: Some(0.5),
            }
        );
    }

    #[test]
    fn float_tolerance_sets_both_and_the_last_flag_wins() {
        let both = flags("float_tolerance 1e-6");
        assert_eq!(both.float_relative_tolerance, Some(1e-6));
        assert_eq!(both.float_absolute_tolerance, Some(1e-6));
        let later = flags("float_tolerance 1e-6 float_absolute_tolerance 0");
        assert_eq!(later.float_relative_tolerance, Some(1e-6));
        assert_eq!(later.float_absolute_tolerance, Some(0.0));
    }

    #[test]
    fn flag_errors_name_the_word() {
        let unknown = Flags::parse(&["case_sensitive", "ignore_case"]).expect_err("unknown flag");
        assert_eq!(unknown, FlagError::Unknown("ignore_case".into()));
        assert!(unknown.to_string().contains("`ignore_case`"));

        let missing = Flags::parse(&["float_tolerance"]).expect_err("missing number");
        assert_eq!(missing, FlagError::MissingNumber("float_tolerance".into()));
        assert!(missing.to_string().contains("`float_tolerance`"));

        for bad in ["abc", "-1e-6", "nan", "inf", "1e999", "0x1p-3", ""] {
            let error = Flags::parse(&["float_relative_tolerance", bad]).expect_err(bad);
            assert_eq!(
                error,
                FlagError::BadNumber {
                    flag: "float_relative_tolerance".into(),
                    value: bad.into()
                }
            );
            assert!(error.to_string().contains("`float_relative_tolerance`"));
        }
        assert!(matches!(
            "CASE_SENSITIVE".parse::<Flags>(),
            Err(FlagError::Unknown(_))
        ));
    }

    // Tokens and whitespace.

    #[test]
    fn identical_and_empty_outputs_are_accepted() {
        assert!(accepts("1 2\n3\n", "1 2\n3\n", ""));
        assert!(accepts("", "", ""));
        assert!(accepts("", "", "space_change_sensitive"));
        assert!(accepts("", " \n\t", ""));
        assert!(accepts("\n", "", ""));
    }

    #[test]
    fn whitespace_amount_and_kind_do_not_matter_by_default() {
        assert!(accepts("1 2\n3\n", "  1\t\t2 3", ""));
        assert!(accepts("a b", "\n\na\x0b\x0cb\r\n\r\n", ""));
    }

    #[test]
    fn crlf_output_is_whitespace_but_space_change_sensitive_rejects_it() {
        assert!(accepts("1 2\n3\n", "1 2\r\n3\r\n", ""));
        let message = rejection("1 2\n3\n", "1 2\r\n3\r\n", "space_change_sensitive");
        assert_eq!(
            message,
            "line 1, after token 2: whitespace differs: expected a newline, got a carriage return (\\r)"
        );
    }

    #[test]
    fn only_the_six_c_whitespace_bytes_separate_tokens() {
        // NUL, NBSP (Latin-1 and UTF-8) and other control bytes are part of tokens.
        for glue in ["\0", "\u{a0}", "\x1b", "\x7f"] {
            assert!(!accepts("a b", &format!("a{glue}b"), ""), "{glue:?}");
        }
        assert!(check(b"a b", b"a\xa0b", &Flags::default()).is_err());
    }

    #[test]
    fn space_change_sensitive_requires_identical_whitespace() {
        let sensitive = "space_change_sensitive";
        assert!(accepts("1 2\n3\n", "1 2\n3\n", sensitive));
        assert_eq!(
            rejection("1 2\n", "1  2\n", sensitive),
            "line 1, after token 1: whitespace differs: expected `2`, got a space"
        );
        assert_eq!(
            rejection("1  2\n", "1 2\n", sensitive),
            "line 1, after token 1: whitespace differs: expected a space, got `2`"
        );
        assert_eq!(
            rejection("1 2\n", "1\t2\n", sensitive),
            "line 1, after token 1: whitespace differs: expected a space, got a tab"
        );
        assert_eq!(
            rejection("1\n2\n", " 1\n2\n", sensitive),
            "line 1, at the start: whitespace differs: expected `1`, got a space"
        );
        assert_eq!(
            rejection("1\n\n2\n", "1\n2\n", sensitive),
            "line 2, at the start: whitespace differs: expected a newline, got `2`"
        );
    }

    #[test]
    fn space_change_sensitive_checks_the_final_newline() {
        let sensitive = "space_change_sensitive";
        assert_eq!(
            rejection("42\n", "42", sensitive),
            "line 1, after token 1: whitespace differs: expected a newline, got end of output"
        );
        assert_eq!(
            rejection("42\n", "42\n\n", sensitive),
            "line 2, at the start: whitespace differs: expected end of output, got a newline"
        );
        assert_eq!(
            rejection("42", "42\n", sensitive),
            "line 1, after token 1: whitespace differs: expected end of output, got a newline"
        );
        assert!(!accepts("", "\n", sensitive));
        assert!(!accepts("\n", "", sensitive));
    }

    #[test]
    fn case_is_ignored_unless_case_sensitive() {
        assert!(accepts("Yes\nPOSSIBLE", "YES\npossible", ""));
        assert_eq!(
            rejection("Yes", "YES", "case_sensitive"),
            "line 1, token 1: expected `Yes`, got `YES` (letter case differs)"
        );
        assert!(accepts("Yes", "Yes", "case_sensitive"));
    }

    #[test]
    fn case_folding_is_ascii_only() {
        assert!(!accepts("é", "É", ""));
        assert!(!accepts("straße", "STRASSE", ""));
    }

    #[test]
    fn without_tolerance_numbers_must_match_exactly() {
        assert_eq!(
            rejection("1.0", "1", ""),
            "line 1, token 1: expected `1.0`, got `1`"
        );
        assert!(!accepts("0.5", ".5", ""));
        assert!(accepts("1E5", "1e5", ""));
        assert!(!accepts("1E5", "1e5", "case_sensitive"));
    }

    // Floats.

    #[test]
    fn any_float_formatting_is_accepted_with_a_tolerance() {
        assert!(accepts("0.0314", "3.14000000e-2", "float_tolerance 1e-9"));
        assert!(accepts("0.5", ".5", "float_absolute_tolerance 0"));
        assert!(accepts("5", "5.", "float_relative_tolerance 0"));
        assert!(accepts("100", "+1E+02", "float_tolerance 0"));
        assert!(accepts("-0", "0.000", "float_tolerance 0"));
    }

    #[test]
    fn absolute_tolerance_bounds_the_difference() {
        let flag = "float_absolute_tolerance 0.125";
        assert!(accepts("1000", "1000.1", flag));
        assert!(accepts("0.5", "0.375", flag));
        assert_eq!(
            rejection("1000", "1000.25", flag),
            "line 1, token 1: expected `1000`, got `1000.25`: difference 2.5e-1 exceeds the \
             allowed 1.25e-1"
        );
    }

    #[test]
    fn relative_tolerance_is_relative_to_the_judge_value() {
        let flag = "float_relative_tolerance 0.09";
        // |109.5 - 100| = 9.5: within 9% of 109.5 (9.855), not of 100 (9).
        assert!(accepts("109.5", "100", flag));
        assert!(!accepts("100", "109.5", flag));
        assert!(!accepts("0", "1e-300", flag));
        assert!(accepts("0", "0.0", flag));
    }

    #[test]
    fn with_both_tolerances_either_suffices() {
        let flag = "float_relative_tolerance 1e-3 float_absolute_tolerance 1e-6";
        assert!(accepts("1000", "1000.9", flag)); // relative only
        assert!(accepts("0", "0.0000009", flag)); // absolute only
        assert!(!accepts("1000", "1001.1", flag));
        assert!(!accepts("0", "0.0000011", flag));
    }

    #[test]
    fn negative_tolerances_set_directly_count_as_unset() {
        let negative = Flags {
            float_absolute_tolerance: Some(-1.0),
            float_relative_tolerance: Some(f64::NAN),
            ..Flags::default()
        };
        assert!(check(b"1.0", b"1", &negative).is_err());
        assert!(check(b"1.0", b"1.0", &negative).is_ok());
    }

    #[test]
    fn integers_are_floats_when_a_tolerance_is_set() {
        assert!(accepts("7", "7.0000000001", "float_tolerance 1e-6"));
        assert!(accepts("7 8", "7.0 8e0", "float_absolute_tolerance 0"));
    }

    #[test]
    fn a_number_expected_but_not_given_is_rejected() {
        let flag = "float_tolerance 1e-6";
        assert_eq!(
            rejection("3.5", "three", flag),
            "line 1, token 1: expected a number close to `3.5`, got `three`"
        );
        for not_a_number in [
            "nan",
            "NaN",
            "inf",
            "-infinity",
            "1e999",
            "0x1p1",
            "1e",
            "1.5f",
            ".",
        ] {
            assert!(!accepts("2", not_a_number, flag), "{not_a_number}");
        }
    }

    #[test]
    fn non_float_judge_tokens_are_strings_even_with_a_tolerance() {
        let flag = "float_tolerance 1e-6";
        assert!(accepts("x 1.5", "X 1.5000001", flag));
        assert!(!accepts(
            "x 1.5",
            "X 1.5000001",
            "case_sensitive float_tolerance 1e-6"
        ));
        // Like problemtools: NaN, infinities and overflowing numbers are not floats.
        assert!(accepts("nan", "NaN", flag));
        assert!(!accepts("nan", "nan(1)", flag));
        assert!(accepts("inf", "INF", flag));
        assert!(!accepts("inf", "infinity", flag));
        assert!(!accepts("1e999", "2e999", flag));
        assert!(accepts("1e999", "1E999", flag));
        // Hexadecimal floats are not in the spec's grammar.
        assert!(!accepts("0x10", "16", flag));
    }

    #[test]
    fn float_grammar_follows_the_spec() {
        for float in [
            "1", "-1", "+1", ".5", "5.", "1.5e10", "1.5E-10", "1e+5", "007", "0.0",
        ] {
            assert!(parse_float(float.as_bytes()).is_some(), "{float}");
        }
        for other in [
            "", "+", "-", ".", "e5", ".e5", "1e", "1e+", "1.2.3", "--1", "1 ", "0x1", "inf", "nan",
            "1_000", "١",
        ] {
            assert_eq!(parse_float(other.as_bytes()), None, "{other}");
        }
        let long_fraction = format!("0.{}", "3".repeat(5000));
        assert_eq!(parse_float(long_fraction.as_bytes()), Some(1.0 / 3.0));
        assert_eq!(parse_float(b"1e-99999999999999999999"), Some(0.0));
    }

    #[test]
    fn huge_numbers_are_compared_by_value() {
        let digits = "9".repeat(400);
        assert!(!accepts(
            &digits,
            &format!("{digits}0"),
            "float_tolerance 1e-6"
        ));
        assert!(accepts(
            "1e300",
            &format!("1{}", "0".repeat(300)),
            "float_tolerance 0"
        ));
    }

    // Missing and extra output.

    #[test]
    fn missing_output_is_explained() {
        assert_eq!(
            rejection("7\n", "", ""),
            "contestant output is empty: expected `7`"
        );
        assert_eq!(
            rejection("7\n", " \n", ""),
            "contestant output contains only whitespace: expected `7`"
        );
        assert_eq!(
            rejection("1\n7\n", "1\n", ""),
            "contestant output ends early after 1 token: expected `7` at answer line 2"
        );
        assert_eq!(
            rejection("1 2\n3 7\n", "1 2 3", ""),
            "contestant output ends early after 3 tokens: expected `7` at answer line 2"
        );
    }

    #[test]
    fn trailing_output_is_rejected() {
        assert_eq!(
            rejection("1\n", "1\n\nfoo bar\n", ""),
            "trailing output at line 3, token 1: `foo`"
        );
        assert_eq!(
            rejection("", "x", ""),
            "trailing output at line 1, token 1: `x`"
        );
        assert!(!accepts("1", "1 1", "float_tolerance 1"));
    }

    // Messages.

    #[test]
    fn mismatch_positions_name_the_contestant_line_and_token() {
        assert_eq!(
            rejection("1\n2\n42 5\n", "1\n2\n41 5\n", ""),
            "line 3, token 1: expected `42`, got `41`"
        );
        assert_eq!(
            rejection("a b\nc d\n", "a b c e\n", ""),
            "line 1, token 4 (answer line 2): expected `d`, got `e`"
        );
        let shown = Mismatch {
            message: "line 1".into(),
        };
        assert_eq!(shown.to_string(), "line 1");
    }

    #[test]
    fn long_tokens_are_shortened_around_the_difference() {
        let judge = format!("{}X{}", "a".repeat(10_000), "b".repeat(10_000));
        let team = format!("{}Y{}", "a".repeat(10_000), "b".repeat(10_000));
        let message = rejection(&judge, &team, "case_sensitive");
        assert_eq!(
            message,
            format!(
                "line 1, token 1: expected `…{a}X{b}…`, got `…{a}Y{b}…` (first difference after \
                 10000 bytes)",
                a = "a".repeat(10),
                b = "b".repeat(29)
            )
        );
        let trailing = rejection("", "z".repeat(1 << 20), "");
        assert_eq!(
            trailing,
            format!(
                "trailing output at line 1, token 1: `{}…`",
                "z".repeat(QUOTE_CHARS)
            )
        );
        let early = rejection("x".repeat(100), "", "");
        assert!(early.chars().count() < 100, "{early}");
    }

    #[test]
    fn bytes_need_not_be_utf8() {
        let flags = Flags::default();
        assert!(check(b"\xff\xfe 1", b"\xff\xfe 1", &flags).is_ok());
        let message = check(b"\xff\xfe", b"\xff\xfd", &flags)
            .expect_err("different bytes")
            .message;
        assert_eq!(
            message,
            "line 1, token 1: expected `\u{fffd}\u{fffd}`, got `\u{fffd}\u{fffd}`"
        );
        // Unlike problemtools, which compares C strings, bytes after a NUL count.
        assert!(check(b"a\0b", b"a\0c", &flags).is_err());
        let message = check(b"a\0b", b"a\x1bc", &flags)
            .expect_err("control bytes")
            .message;
        assert_eq!(
            message,
            "line 1, token 1: expected `a\\u{0}b`, got `a\\u{1b}c`"
        );
    }

    #[test]
    fn quotes_cut_utf8_at_character_boundaries() {
        let token = "é".repeat(100);
        assert_eq!(
            quote(token.as_bytes()),
            format!("`{}…`", "é".repeat(QUOTE_CHARS))
        );
        let judge = format!("{}a", "é".repeat(50));
        let team = format!("{}b", "é".repeat(50));
        let message = rejection(&judge, &team, "");
        assert!(!message.contains('\u{fffd}'), "{message}");
    }

    // Properties.

    fn space_run(min: usize) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop::sample::select(vec![b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r']),
            min..4,
        )
    }

    fn token() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            any::<u8>().prop_filter("not space", |b| !is_space(*b)),
            1..8,
        )
    }

    fn any_flags() -> impl Strategy<Value = Flags> {
        let tolerance = proptest::option::of(prop_oneof![Just(0.0), 0.0..1.0, Just(-1.0)]);
        (any::<bool>(), any::<bool>(), tolerance.clone(), tolerance).prop_map(
            |(case_sensitive, space_change_sensitive, relative, absolute)| Flags {
                case_sensitive,
                space_change_sensitive,
                float_relative_tolerance: relative,
                float_absolute_tolerance: absolute,
            },
        )
    }

    /// Joins tokens with `spaces[0]` before the first, `spaces[i]` after token `i - 1`.
    fn join(tokens: &[Vec<u8>], spaces: &[Vec<u8>]) -> Vec<u8> {
        let mut out = spaces[0].clone();
        for (i, token) in tokens.iter().enumerate() {
            out.extend_from_slice(token);
            out.extend_from_slice(&spaces[i + 1]);
        }
        out
    }

    /// `count` whitespace runs to join tokens with: the ends may be empty, the middle not.
    fn spaces(count: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
        let middle = proptest::collection::vec(space_run(1), count.saturating_sub(2));
        (space_run(0), middle, space_run(0)).prop_map(move |(first, middle, last)| {
            let mut runs = vec![first];
            runs.extend(middle);
            if count > 1 {
                runs.push(last);
            }
            runs
        })
    }

    /// Tokens or whitespace runs.
    type Pieces = Vec<Vec<u8>>;

    fn tokens_and_two_spacings(
        min_tokens: usize,
    ) -> impl Strategy<Value = (Pieces, Pieces, Pieces)> {
        proptest::collection::vec(token(), min_tokens..8).prop_flat_map(|tokens| {
            let n = tokens.len() + 1;
            (Just(tokens), spaces(n), spaces(n))
        })
    }

    /// Tokens split the way the specification says, for a reference model.
    fn split(bytes: &[u8]) -> Vec<&[u8]> {
        bytes
            .split(|b| is_space(*b))
            .filter(|t| !t.is_empty())
            .collect()
    }

    proptest! {
        #[test]
        fn output_equal_to_the_answer_is_accepted(
            answer in proptest::collection::vec(any::<u8>(), 0..200),
            flags in any_flags(),
        ) {
            prop_assert_eq!(check(&answer, &answer, &flags), Ok(()));
        }

        #[test]
        fn respacing_is_accepted_iff_not_space_change_sensitive(
            (tokens, judge_spaces, team_spaces) in tokens_and_two_spacings(0),
            case_sensitive in any::<bool>(),
        ) {
            let judge = join(&tokens, &judge_spaces);
            let team = join(&tokens, &team_spaces);
            let mut flags = Flags { case_sensitive, ..Flags::default() };
            prop_assert!(check(&judge, &team, &flags).is_ok());
            flags.space_change_sensitive = true;
            prop_assert_eq!(check(&judge, &team, &flags).is_ok(), judge_spaces == team_spaces);
        }

        #[test]
        fn case_flips_are_accepted_iff_not_case_sensitive(
            words in proptest::collection::vec("[a-zA-Z]{1,8}", 1..6),
            flips in proptest::collection::vec(any::<bool>(), 48),
            flags in any_flags(),
        ) {
            let judge = words.join(" ");
            let team: String = judge
                .chars()
                .zip(flips.iter().cycle())
                .map(|(c, &flip)| if flip { flip_case(c) } else { c })
                .collect();
            let accepted = check(judge.as_bytes(), team.as_bytes(), &flags).is_ok();
            prop_assert_eq!(accepted, !flags.case_sensitive || team == judge);
        }

        #[test]
        fn an_extra_token_is_always_rejected(
            (tokens, spaces, _) in tokens_and_two_spacings(0),
            extra in token(),
            separator in space_run(1),
            flags in any_flags(),
        ) {
            let judge = join(&tokens, &spaces);
            let mut team = judge.clone();
            team.extend_from_slice(&separator);
            team.extend_from_slice(&extra);
            prop_assert!(check(&judge, &team, &flags).is_err());
        }

        #[test]
        fn a_missing_token_is_always_rejected(
            (tokens, spaces, _) in tokens_and_two_spacings(1),
            flags in any_flags(),
        ) {
            let judge = join(&tokens, &spaces);
            let team = join(&tokens[..tokens.len() - 1], &spaces);
            prop_assert!(check(&judge, &team, &flags).is_err());
        }

        #[test]
        fn float_reformatting_is_accepted_with_any_tolerance(
            value in any::<f64>().prop_filter("finite", |v| v.is_finite()),
            judge_format in 0..6usize,
            team_format in 0..6usize,
            tolerance in prop_oneof![Just(0.0), 1e-12..1e-3],
            which in 0..3usize,
        ) {
            let flags = tolerance_flags(which, tolerance);
            let judge = format_float(value, judge_format);
            let team = format_float(value, team_format);
            prop_assert!(
                check(judge.as_bytes(), team.as_bytes(), &flags).is_ok(),
                "{} vs {}", judge, team
            );
        }

        #[test]
        fn perturbations_are_judged_against_the_tolerance(
            value in prop_oneof![-1e6f64..-1e-3, 1e-3f64..1e6],
            tolerance in 1e-9..1e-2,
            which in 0..3usize,
            within in 0.0..0.5,
            beyond in 1.5..100.0,
            negative in any::<bool>(),
            team_format in 0..6usize,
        ) {
            let flags = tolerance_flags(which, tolerance);
            let allowed = match which {
                0 => tolerance,
                1 => tolerance * value.abs(),
                _ => tolerance.max(tolerance * value.abs()),
            };
            let sign = if negative { -1.0 } else { 1.0 };
            let judge = format!("{value}");
            let close = format_float(value + sign * within * allowed, team_format);
            let far = format_float(value + sign * beyond * allowed, team_format);
            prop_assert!(check(judge.as_bytes(), close.as_bytes(), &flags).is_ok(), "{}", close);
            prop_assert!(check(judge.as_bytes(), far.as_bytes(), &flags).is_err(), "{}", far);
        }

        #[test]
        fn string_comparison_matches_a_reference_model(
            judge in proptest::collection::vec(
                prop::sample::select(b"aA1 \n\r\xff".to_vec()), 0..40),
            team in proptest::collection::vec(
                prop::sample::select(b"aA1 \n\r\xff".to_vec()), 0..40),
            case_sensitive in any::<bool>(),
            space_change_sensitive in any::<bool>(),
        ) {
            let flags = Flags { case_sensitive, space_change_sensitive, ..Flags::default() };
            let same = |a: &[u8], b: &[u8]| {
                if case_sensitive { a == b } else { a.eq_ignore_ascii_case(b) }
            };
            let expected = if space_change_sensitive {
                same(&judge, &team)
            } else {
                let (j, t) = (split(&judge), split(&team));
                j.len() == t.len() && j.iter().zip(&t).all(|(a, b)| same(a, b))
            };
            prop_assert_eq!(check(&judge, &team, &flags).is_ok(), expected);
        }

        #[test]
        fn messages_stay_short(
            judge in proptest::collection::vec(
                prop::sample::select(b"ab.1 \n\xc3\xa9".to_vec()), 0..3000),
            team in proptest::collection::vec(
                prop::sample::select(b"ab.1 \n\xc3\xa9".to_vec()), 0..3000),
            flags in any_flags(),
        ) {
            if let Err(mismatch) = check(&judge, &team, &flags) {
                prop_assert!(mismatch.message.chars().count() < 260, "{}", mismatch.message);
            }
        }

        #[test]
        fn tolerances_round_trip_through_flags(
            tolerance in prop_oneof![Just(0.0), 0.0..1e9, any::<f64>()
                .prop_filter("finite, non-negative", |t| t.is_finite() && *t >= 0.0)],
            format in 0..6usize,
        ) {
            let text = format_float(tolerance, format);
            let parsed = Flags::parse(&["float_absolute_tolerance", &text]);
            prop_assert_eq!(parsed.map(|f| f.float_absolute_tolerance), Ok(Some(tolerance)));
        }
    }

    fn flip_case(c: char) -> char {
        if c.is_ascii_uppercase() {
            c.to_ascii_lowercase()
        } else {
            c.to_ascii_uppercase()
        }
    }

    /// 0 absolute, 1 relative, 2 both.
    fn tolerance_flags(which: usize, tolerance: f64) -> Flags {
        Flags {
            float_absolute_tolerance: (which != 1).then_some(tolerance),
            float_relative_tolerance: (which != 0).then_some(tolerance),
            ..Flags::default()
        }
    }

    /// Exact decimal renderings of `value` in several common styles.
    fn format_float(value: f64, style: usize) -> String {
        let scientific = format!("{value:e}");
        let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        let exponent: i32 = exponent.parse().unwrap_or_default();
        match style {
            0 => format!("{value}"),
            1 => scientific,
            2 => format!("{value:E}"),
            3 => {
                let plain = format!("{value}");
                if plain.contains('.') {
                    format!("{plain}000")
                } else {
                    format!("{plain}.000")
                }
            }
            4 => format!("{mantissa}E{exponent:+04}"),
            _ => format!("{value:+.16e}"),
        }
    }
}
