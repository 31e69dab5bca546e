"""`log-capturer test PIPELINES CASES` (issue 7 item 4): the shipped example pipelines pass their
cases; a failing case exits 1 with a readable diff; a broken pipelines file exits 2 with
FILE:LINE:COL errors (CONTRACT §2)."""
import os
import re
import subprocess

from harness import Suite, check

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_PIPELINES = os.path.join(ROOT, "examples", "pipelines", "pipelines.yaml")
EXAMPLE_CASES = os.path.join(ROOT, "examples", "pipelines", "cases.yaml")
ERROR_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.+)$")

# Only field_add, so this part does not depend on the parsers.
SMALL_PIPELINES = """\
pipelines:
  - name: default
    steps:
      - name: tag
        type: field_add
        config:
          fields: {env: prod}
"""


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)


def write(workdir, name, text):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_example_pipelines_pass_their_cases(binary, workdir):
    r = run(binary, "test", EXAMPLE_PIPELINES, EXAMPLE_CASES)
    check(r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    check(re.search(r"^\d+ passed, 0 failed$", r.stdout, re.M), f"a summary line: {r.stdout}")
    check("FAIL" not in r.stdout, r.stdout)
    names = [l[5:] for l in r.stdout.splitlines() if l.startswith("ok   ")]
    for pipeline in ("default", "json_logs", "syslog", "nginx", "mysql_slow"):
        check(any(n.startswith(pipeline + ":") for n in names), f"a case of {pipeline} ran: {names}")


def test_a_failing_case_exits_1_with_a_diff(binary, workdir):
    pipelines = write(workdir, "pipelines.yaml", SMALL_PIPELINES)
    cases = write(workdir, "cases.yaml", """\
cases:
  - name: passes
    input: hello
    expect: {message: hello, fields: {env: prod}}
  - name: expects the wrong env
    input: hello
    expect:
      message: hello
      fields: {env: dev}
""")
    r = run(binary, "test", pipelines, cases)
    check(r.returncode == 1, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    check("ok   passes" in r.stdout, r.stdout)
    check("FAIL expects the wrong env" in r.stdout, r.stdout)
    check('fields.env: expected "dev", got "prod"' in r.stdout, f"the diff names the key and both values:\n{r.stdout}")
    check('"message":"hello"' in r.stdout and '"fields":{"env":"prod"}' in r.stdout, f"the actual event:\n{r.stdout}")
    check("1 passed, 1 failed" in r.stdout, r.stdout)


def test_a_broken_pipelines_file_exits_2_with_locations(binary, workdir):
    pipelines = write(workdir, "pipelines.yaml", """\
pipelines:
  - name: default
    steps:
      - name: tag
        type: field_ad
        config: {fields: {env: prod}}
""")
    cases = write(workdir, "cases.yaml", "cases:\n  - name: x\n    input: a\n    expect: {message: a}\n")
    r = run(binary, "test", pipelines, cases)
    check(r.returncode == 2, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    errors = [m for m in (ERROR_LINE.match(l) for l in r.stderr.splitlines()) if m]
    check(errors and errors[0]["file"] == pipelines and errors[0]["line"] == "5" and "field_ad" in errors[0]["msg"],
          f"FILE:5:COL naming the bad type: {r.stderr!r}")
    check(r.stdout == "", f"nothing on stdout: {r.stdout!r}")


def test_a_broken_cases_file_exits_2_with_locations(binary, workdir):
    pipelines = write(workdir, "pipelines.yaml", SMALL_PIPELINES)
    cases = write(workdir, "cases.yaml", "cases:\n  - name: x\n    input: a\n    expect: {mesage: a}\n")
    r = run(binary, "test", pipelines, cases)
    check(r.returncode == 2, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    m = ERROR_LINE.match(r.stderr.splitlines()[0]) if r.stderr else None
    check(m and m["file"] == cases and m["line"] == "4" and "message" in m["msg"], f"FILE:4:COL: {r.stderr!r}")


if __name__ == "__main__":
    suite = Suite("pipeline_test_command")
    for t in (test_example_pipelines_pass_their_cases, test_a_failing_case_exits_1_with_a_diff,
              test_a_broken_pipelines_file_exits_2_with_locations, test_a_broken_cases_file_exits_2_with_locations):
        suite.run(t)
    suite.finish()
