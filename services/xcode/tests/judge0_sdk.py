"""Runs code on Xcode's Judge0-compatible API with the official Judge0 Python SDK (PyPI
`judge0`), unchanged: `python3 judge0_sdk.py http://HOST:PORT/judge0 ACCESS_TOKEN`."""
import sys

import judge0

endpoint, token = sys.argv[1], sys.argv[2]
client = judge0.Client(endpoint, headers={"X-Auth-Token": token})

result = judge0.run(client=client, source_code="print('hello from judge0')", language=judge0.PYTHON)
assert result.status == judge0.Status.ACCEPTED, result
assert result.stdout == "hello from judge0\n", result.stdout

cpp = '#include <iostream>\nint main() { int a, b; std::cin >> a >> b; std::cout << a * b << "\\n"; }\n'
result = judge0.run(client=client, source_code=cpp, language=judge0.CPP, stdin="6 7", expected_output="42")
assert result.status == judge0.Status.ACCEPTED, result
assert result.stdout.strip() == "42", result.stdout

result = judge0.run(client=client, source_code="print(1)", language=judge0.PYTHON, expected_output="2")
assert result.status == judge0.Status.WRONG_ANSWER, result

submissions = [judge0.Submission(source_code=f"print({i} * {i})", language=judge0.PYTHON) for i in range(3)]
results = judge0.run(client=client, submissions=submissions)
assert [r.stdout for r in results] == ["0\n", "1\n", "4\n"], [r.stdout for r in results]

result = judge0.run(client=client, source_code="int main( {", language=judge0.C)
assert result.status == judge0.Status.COMPILATION_ERROR, result
assert result.compile_output, result

print("judge0 sdk: ok")
