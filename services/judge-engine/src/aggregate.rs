//! From test results to group results, the submission's verdict and score, and which tests
//! a failure makes pointless (`on_reject: break`).

use crate::check::Score;
use crate::problem::{
    Aggregation, Format, Group, GroupRules, Item, OnReject, Problem, VerdictMode,
};
use crate::verdict::{GroupResult, Verdict};

/// Where a test sits: the groups above it, innermost last, as indexes into [`Plan::groups`].
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub group: String,
    pub ancestors: Vec<usize>,
    /// The test's parent's rules (its score depends on them).
    pub parent: usize,
}

/// The problem's groups flattened, and each test's place among them.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub groups: Vec<&'a Group>,
    pub slots: Vec<Slot>,
}

impl<'a> Plan<'a> {
    pub fn new(problem: &'a Problem) -> Self {
        let mut plan = Self {
            groups: Vec::new(),
            slots: Vec::new(),
        };
        plan.walk(&problem.data, &mut Vec::new());
        plan
    }

    fn walk(&mut self, group: &'a Group, stack: &mut Vec<usize>) {
        let id = self.groups.len();
        self.groups.push(group);
        stack.push(id);
        for item in &group.items {
            match item {
                Item::Test(_) => self.slots.push(Slot {
                    group: group.name.clone(),
                    ancestors: stack.clone(),
                    parent: id,
                }),
                Item::Group(child) => self.walk(child, stack),
            }
        }
        stack.pop();
    }

    /// Whether test `later` is pointless once test `failed` (earlier) was rejected: some group
    /// holding both stops at its first rejection, and the rejection reaches it (groups that
    /// accept whatever their items get stop it on the way).
    pub fn skips(&self, failed: usize, later: usize) -> bool {
        let (a, b) = (&self.slots[failed].ancestors, &self.slots[later].ancestors);
        let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        // The rejection travels up from the failed test's parent; a group that holds the later
        // test and breaks on rejection skips it.
        for depth in (0..a.len()).rev() {
            let rules = &self.groups[a[depth]].rules;
            if depth < common && rules.on_reject == OnReject::Break {
                return true;
            }
            if rules.verdict == VerdictMode::AlwaysAccept || rules.accept_if_any_accepted {
                return false;
            }
        }
        false
    }
}

/// A test's result as aggregation sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    pub verdict: Verdict,
    pub score: Option<f64>,
}

/// A test's score in its parent group, given its verdict and what the validator said.
pub(crate) fn test_score(
    scoring: bool,
    rules: &GroupRules,
    test_max: Option<f64>,
    verdict: Verdict,
    said: Option<Score>,
) -> Option<f64> {
    if !scoring || rules.aggregation == Aggregation::PassFail {
        return None;
    }
    let accepted = verdict == Verdict::Accepted;
    // Whether the test has a maximum, not its group: a legacy group's `range` gives the group
    // one, and its tests still score `accept_score`.
    match (test_max, accepted) {
        // 2023: a failed test scores 0; an accepted one its maximum unless the validator says.
        (Some(_), false) => Some(0.0),
        (Some(max), true) => Some(match said {
            Some(Score::Absolute(score)) => score,
            Some(Score::Multiplier(multiplier)) => multiplier * max,
            None => max,
        }),
        // Legacy: accept_score / reject_score unless the validator says.
        (None, false) => Some(rules.reject_score),
        (None, true) => Some(match said {
            Some(Score::Absolute(score)) => score,
            Some(Score::Multiplier(multiplier)) => multiplier * rules.accept_score,
            None => rules.accept_score,
        }),
    }
}

/// One group's (or the submission's) aggregated result.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub verdict: Verdict,
    pub score: Option<f64>,
}

/// Aggregates `group` from the marks of its tests (`None`: not judged, skipped after a
/// failure). Appends every group's result to `out`, depth first, the group before its items.
pub(crate) fn aggregate(
    scoring: bool,
    group: &Group,
    marks: &[Option<Mark>],
    next: &mut usize,
    out: &mut Vec<GroupResult>,
) -> Outcome {
    let position = out.len();
    out.push(GroupResult {
        name: group.name.clone(),
        verdict: Verdict::Accepted,
        score: None,
        max_score: group.rules.max_score,
    });
    let mut items: Vec<Option<Outcome>> = Vec::with_capacity(group.items.len());
    for item in &group.items {
        match item {
            Item::Test(_) => {
                let mark = marks[*next];
                *next += 1;
                items.push(mark.map(|mark| Outcome {
                    verdict: mark.verdict,
                    score: mark.score,
                }));
            }
            Item::Group(child) => {
                let before = *next;
                let outcome = aggregate(scoring, child, marks, next, out);
                let judged = marks[before..*next].iter().any(Option::is_some);
                items.push(judged.then_some(outcome));
            }
        }
    }
    let rules = &group.rules;
    let counted: Vec<Option<Outcome>> = if rules.ignore_sample && !items.is_empty() {
        items[1..].to_vec()
    } else {
        items
    };
    let verdicts: Vec<Verdict> = counted
        .iter()
        .map(|item| item.map_or(Verdict::Accepted, |outcome| outcome.verdict))
        .collect();
    let any_skipped = counted.iter().any(Option::is_none);
    let verdict = group_verdict(rules, &verdicts);
    let score = if scoring {
        let scores: Vec<f64> = counted
            .iter()
            .map(|item| item.and_then(|outcome| outcome.score).unwrap_or(0.0))
            .collect();
        match rules.aggregation {
            // 2023-07: "If it has no subgroups or test cases, then its score is 0."
            Aggregation::PassFail => rules.max_score.map(|max| {
                if verdict == Verdict::Accepted && !any_skipped && !counted.is_empty() {
                    max
                } else {
                    0.0
                }
            }),
            Aggregation::Sum => Some(scores.iter().sum()),
            Aggregation::Min => Some(scores.iter().copied().fold(f64::INFINITY, f64::min))
                .map(|min| if min.is_finite() { min } else { 0.0 }),
            Aggregation::Max => Some(scores.iter().copied().fold(0.0, f64::max)),
            Aggregation::Avg => Some(if scores.is_empty() {
                0.0
            } else {
                scores.iter().sum::<f64>() / scores.len() as f64
            }),
        }
    } else {
        None
    };
    let score = score.map(round_score);
    out[position].verdict = verdict;
    out[position].score = score;
    Outcome { verdict, score }
}

fn group_verdict(rules: &GroupRules, verdicts: &[Verdict]) -> Verdict {
    if rules.verdict == VerdictMode::AlwaysAccept {
        return Verdict::Accepted;
    }
    if rules.accept_if_any_accepted && verdicts.contains(&Verdict::Accepted) {
        return Verdict::Accepted;
    }
    let mut rejected = verdicts.iter().copied().filter(|v| *v != Verdict::Accepted);
    match rules.verdict {
        VerdictMode::FirstError => rejected.next().unwrap_or(Verdict::Accepted),
        _ => rejected
            .reduce(|worst, v| {
                if v.severity() > worst.severity() {
                    v
                } else {
                    worst
                }
            })
            .unwrap_or(Verdict::Accepted),
    }
}

/// Scores are shown with a few decimals: keep sums of thirds from printing 99.99999999.
fn round_score(score: f64) -> f64 {
    (score * 1e6).round() / 1e6
}

/// The submission's score and its maximum: the `secret` group's for 2023 and native packages,
/// the root's for legacy ones.
pub(crate) fn submission_score(
    problem: &Problem,
    groups: &[GroupResult],
    root: Outcome,
) -> (Option<f64>, Option<f64>) {
    if !problem.scoring {
        return (None, None);
    }
    match problem.format {
        Format::KattisLegacy => (root.score, legacy_max(problem)),
        _ => {
            let secret = groups.iter().find(|group| group.name == "secret");
            (
                secret.and_then(|group| group.score),
                secret.and_then(|group| group.max_score),
            )
        }
    }
}

/// A legacy problem's best score: every test accepted with its default score.
fn legacy_max(problem: &Problem) -> Option<f64> {
    let tests = problem.tests().len();
    let plan = Plan::new(problem);
    let marks: Vec<Option<Mark>> = (0..tests)
        .map(|index| {
            let rules = &plan.groups[plan.slots[index].parent].rules;
            Some(Mark {
                verdict: Verdict::Accepted,
                score: test_score(true, rules, None, Verdict::Accepted, None),
            })
        })
        .collect();
    let mut out = Vec::new();
    aggregate(true, &problem.data, &marks, &mut 0, &mut out).score
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::TestCase;

    fn group(name: &str, rules: GroupRules, items: Vec<Item>) -> Group {
        Group {
            name: name.into(),
            rules,
            items,
        }
    }

    fn test(name: &str) -> Item {
        Item::Test(TestCase {
            name: name.into(),
            input: "/dev/null".into(),
            answer: "/dev/null".into(),
            validator_flags: Vec::new(),
            args: Vec::new(),
            max_score: None,
            description: None,
            hint: None,
            sample: false,
        })
    }

    fn subtask(name: &str, max: f64, items: Vec<Item>) -> Item {
        let rules = GroupRules {
            max_score: Some(max),
            ..GroupRules::default()
        };
        Item::Group(group(name, rules, items))
    }

    #[test]
    fn legacy_tests_score_accept_score_even_when_their_group_has_a_range() {
        // `range: 0 2` gives the group a maximum; its tests have none of their own.
        let rules = GroupRules {
            aggregation: Aggregation::Min,
            max_score: Some(2.0),
            accept_score: 1.5,
            reject_score: -1.0,
            ..GroupRules::default()
        };
        assert_eq!(
            test_score(true, &rules, None, Verdict::Accepted, None),
            Some(1.5)
        );
        assert_eq!(
            test_score(true, &rules, None, Verdict::WrongAnswer, None),
            Some(-1.0)
        );
        // A 2023 test with its own maximum scores it, or 0.
        assert_eq!(
            test_score(true, &rules, Some(25.0), Verdict::Accepted, None),
            Some(25.0)
        );
        assert_eq!(
            test_score(true, &rules, Some(25.0), Verdict::WrongAnswer, None),
            Some(0.0)
        );
    }

    #[test]
    fn subtasks_score_all_or_nothing_and_an_empty_one_scores_zero() {
        let secret = group(
            "secret",
            GroupRules {
                aggregation: Aggregation::Sum,
                max_score: Some(100.0),
                on_reject: OnReject::Continue,
                ..GroupRules::default()
            },
            vec![
                subtask("secret/empty", 20.0, Vec::new()),
                subtask(
                    "secret/a",
                    30.0,
                    vec![test("secret/a/1"), test("secret/a/2")],
                ),
                subtask("secret/b", 50.0, vec![test("secret/b/1")]),
            ],
        );
        let mark = |verdict| {
            Some(Mark {
                verdict,
                score: None,
            })
        };
        let marks = [
            mark(Verdict::Accepted),
            mark(Verdict::Accepted),
            mark(Verdict::WrongAnswer),
        ];
        let mut out = Vec::new();
        let outcome = aggregate(true, &secret, &marks, &mut 0, &mut out);
        assert_eq!(outcome.score, Some(30.0));
        assert_eq!(outcome.verdict, Verdict::WrongAnswer);
        let scores: Vec<(String, Option<f64>)> =
            out.iter().map(|g| (g.name.clone(), g.score)).collect();
        assert_eq!(
            scores,
            vec![
                ("secret".into(), Some(30.0)),
                ("secret/empty".into(), Some(0.0)),
                ("secret/a".into(), Some(30.0)),
                ("secret/b".into(), Some(0.0)),
            ]
        );
    }
}
