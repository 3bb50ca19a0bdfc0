#!/usr/bin/env python3
"""Judge one submission with DMOJ's own judge (PyPI `dmoj` 4.1.0) and print one JSON line.

Usage: dmoj_judge.py PROBLEM_DIR SOURCE LANG [--repeat N] [--time-limit-ms MS] [--memory-mib MIB]

PROBLEM_DIR is in ICPC/Kattis layout (data/secret/*.in + *.ans, default token comparison). It is
converted into a DMOJ problem (init.yml, `checker: standard`) in a temporary problems folder, a
judge config is generated for DMOJ's CPP17/CPP20 (g++) and PY3 (python3) executors, and the
submission goes through DMOJ's `Judge.begin_grading` exactly as `dmoj-cli submit` does: a forked
worker compiles in cptbox and runs every test in cptbox (ptrace + seccomp), and the results come
back over DMOJ's IPC. Run it with the venv's python (bench/peer/dmoj.sh does).
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

PEER = 'dmoj 4.1.0'
PROBLEM_ID = 'bench'
# `cpp` is C++20, as xcode's own C++ (bench/benches/languages.rs: g++ -O2 -std=c++20).
LANGS = {'cpp': 'CPP20', 'cpp17': 'CPP17', 'cpp20': 'CPP20', 'python3': 'PY3'}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('problem_dir')
    parser.add_argument('source')
    parser.add_argument('lang', choices=sorted(LANGS))
    parser.add_argument('--repeat', type=int, default=1)
    parser.add_argument('--time-limit-ms', type=int, default=2000)
    parser.add_argument('--memory-mib', type=int, default=256)
    parser.add_argument('--gxx', default=shutil.which('g++') or '/usr/bin/g++')
    parser.add_argument(
        '--python',
        default='/usr/bin/python3',
        help="interpreter for PY3 (default: Debian's /usr/bin/python3; the sandbox user cannot read pyenv's under /root)",
    )
    parser.add_argument('--keep', action='store_true', help='keep the generated problem and config; print where')
    parser.add_argument('-v', '--verbose', action='store_true', help="print DMOJ's own per-test report to stderr")
    return parser.parse_args()


def write_problem(problem_dir, problems_root):
    """ICPC layout -> DMOJ problem folder; returns the number of tests."""
    inputs = sorted(glob.glob(os.path.join(problem_dir, 'data', 'secret', '*.in')))
    if not inputs:
        sys.exit(f'no data/secret/*.in in {problem_dir}')
    dest = os.path.join(problems_root, PROBLEM_ID)
    os.makedirs(dest)
    cases = []
    for i, path in enumerate(inputs):
        ans = path[: -len('.in')] + '.ans'
        if not os.path.isfile(ans):
            sys.exit(f'missing {ans}')
        # DMOJ reads the data itself, outside the sandbox: symlinks are enough.
        os.symlink(os.path.abspath(path), os.path.join(dest, f'{i:03d}.in'))
        os.symlink(os.path.abspath(ans), os.path.join(dest, f'{i:03d}.out'))
        cases.append(f"  - {{in: '{i:03d}.in', out: '{i:03d}.out', points: 1}}\n")
    with open(os.path.join(dest, 'init.yml'), 'w') as f:
        f.write('checker: standard\ntest_cases:\n' + ''.join(cases))
    return len(inputs)


def write_config(path, problems_root, gxx, python):
    extra_fs = ''
    prefix = os.path.dirname(os.path.dirname(python))
    if not python.startswith('/usr/'):
        # DMOJ's sandbox reads only /usr, /lib*, /opt and a few files; a pyenv Python lives elsewhere.
        extra_fs = f"extra_fs:\n  PY3:\n    - recursive_dir: '{prefix}'\n"
    with open(path, 'w') as f:
        f.write(
            f"problem_storage_globs:\n  - '{problems_root}/*'\n"
            f"runtime:\n  g++17: '{gxx}'\n  g++20: '{gxx}'\n  python3: '{python}'\n"
            f'{extra_fs}'
        )


class Recorder:
    """DMOJ's packet-manager interface (cf. dmoj.cli.LocalPacketManager), recording when each packet arrives."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.t0 = time.perf_counter()
        self.compile_end = None
        self.compile_error = None
        self.results = []  # (seconds since t0, case number, Result)
        self.internal_error = None

    def begin_grading_packet(self, is_pretested):
        self.compile_end = time.perf_counter() - self.t0

    def compile_error_packet(self, log):
        self.compile_end = time.perf_counter() - self.t0
        self.compile_error = log

    def test_case_status_packet(self, position, result):
        self.results.append((time.perf_counter() - self.t0, position, result))

    def internal_error_packet(self, message):
        self.internal_error = message

    def __getattr__(self, name):
        # Every other packet (batches, grading end, ...) is of no interest here.
        return lambda *args, **kwargs: None


def judge_once(judge, recorder, submission_id, lang_id, source, time_limit_s, memory_kib, report):
    from dmoj.judge import Submission

    recorder.reset()
    submission = Submission(submission_id, PROBLEM_ID, lang_id, source, time_limit_s, memory_kib, False, {})
    judge.begin_grading(submission, blocking=True, report=report)
    total = time.perf_counter() - recorder.t0
    if recorder.internal_error:
        sys.exit('DMOJ internal error:\n' + recorder.internal_error)
    results = [r for _, _, r in recorder.results]
    return {
        'verdicts': ['CE'] if recorder.compile_error is not None else [r.readable_codes()[0] for r in results],
        'total_s': round(total, 4),
        'first_verdict_s': round(recorder.results[0][0], 4) if results else None,
        'compile_s': round(recorder.compile_end, 4),
        'case_cpu_s': [round(r.execution_time, 4) for r in results],
        'case_wall_s': [round(r.wall_clock_time, 4) for r in results],
        'case_max_kib': [r.max_memory for r in results],
    }


def median(runs, key):
    values = [run[key] for run in runs if run[key] is not None]
    return round(statistics.median(values), 4) if values else None


def main():
    args = parse_args()
    # DMOJ prints its self-tests and warnings on stdout; keep stdout for the one JSON line.
    json_out = sys.stdout
    sys.stdout = sys.stderr
    # A shell wrapper (pyenv's shim) cannot run in the sandbox: give DMOJ the interpreter itself.
    python = os.path.realpath(args.python)
    lang_id = LANGS[args.lang]
    runtime = args.gxx if lang_id.startswith('CPP') else python
    if not os.access(runtime, os.X_OK):
        sys.exit(f'{runtime} cannot be run by uid {os.getuid()} (dmoj.sh runs DMOJ as an unprivileged user)')
    with open(args.source) as f:
        source = f.read()

    work = tempfile.mkdtemp(prefix='dmoj-peer-')
    try:
        problems_root = os.path.join(work, 'problems')
        tests = write_problem(args.problem_dir, problems_root)
        config = os.path.join(work, 'judge.yml')
        write_config(config, problems_root, args.gxx, python)

        # judgeenv parses the command line and must run before any executor module is imported
        # (they read the runtime config at import time).
        sys.argv = ['dmoj-cli', '-c', config, '-e', lang_id, '--no-ansi']
        from dmoj import executors, judgeenv
        from dmoj.cli import LocalJudge

        judgeenv.load_env(cli=True)
        # Self-tests the executor inside the sandbox, once, before any timing (a live judge does it at start-up).
        executors.load_executors()
        if lang_id not in executors.executors:
            sys.exit(f'DMOJ could not load executor {lang_id} (see the self-test output above)')

        judge = LocalJudge()
        recorder = Recorder()
        judge.packet_manager = recorder
        report = (lambda line: print(line, file=sys.stderr)) if args.verbose else (lambda line: None)

        runs = []
        for i in range(args.repeat):
            run = judge_once(
                judge, recorder, i + 1, lang_id, source, args.time_limit_ms / 1000, args.memory_mib * 1024, report
            )
            if run['verdicts'] != ['CE'] and len(run['verdicts']) != tests:
                sys.exit(f'DMOJ reported {len(run["verdicts"])} results for {tests} tests')
            runs.append(run)
    finally:
        if args.keep:
            print(f'kept {work}', file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    out = {
        'peer': PEER,
        'lang': args.lang,
        'executor': lang_id,
        'runtime': runtime,
        'verdicts': runs[0]['verdicts'],
        # Medians over the runs; every run's own figures follow in `runs`.
        'total_s': median(runs, 'total_s'),
        'first_verdict_s': median(runs, 'first_verdict_s'),
        'compile_s': median(runs, 'compile_s'),
        'runs': runs,
    }
    print(json.dumps(out), file=json_out)


if __name__ == '__main__':
    main()
