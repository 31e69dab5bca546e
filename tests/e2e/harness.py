"""End-to-end test harness: runs the real log-capturer binary against real files.

Each test file is a standalone script (ctest runs `python3 X_test.py --binary PATH`). It prints
one line per check and a closing `N passed, N failed` line, and exits non-zero on any failure.
LOGCAP_E2E_SCALE (default 1.0) scales line counts down for slow builds (sanitizers).
"""
import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

SCALE = float(os.environ.get("LOGCAP_E2E_SCALE", "1.0"))


def scaled(n, minimum=100):
    return max(minimum, int(n * SCALE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def yaml_value(v, indent=0):
    """A tiny YAML emitter for the configs the tests write (dicts, lists, scalars)."""
    pad = "  " * indent
    if isinstance(v, dict):
        lines = []
        for k, item in v.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{k}:")
                lines.append(yaml_value(item, indent + 1))
            else:
                lines.append(f"{pad}{k}: {yaml_scalar(item)}")
        return "\n".join(lines)
    if isinstance(v, list):
        return "\n".join(f"{pad}- {yaml_scalar(i)}" for i in v)
    return pad + yaml_scalar(v)


def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return json.dumps(str(v))


class Agent:
    """One agent process with its own temp directory, config and HTTP port."""

    def __init__(self, binary, workdir, include, sinks=None, extra=None, command_prefix=None):
        self.binary = binary
        # Optional argv put before the binary, e.g. ["unshare", "--uts", "sh", "-c", 'exec "$0" "$@"']:
        # it must end by exec'ing the binary, so that the process started is the agent itself.
        self.command_prefix = list(command_prefix or [])
        self.workdir = workdir
        self.port = free_port()
        self.output_dir = os.path.join(workdir, "out")
        self.data_dir = os.path.join(workdir, "data")
        self.config_path = os.path.join(workdir, "config.yaml")
        self.stderr_path = os.path.join(workdir, "agent.stderr")
        self.stdout_path = os.path.join(workdir, "agent.stdout")
        self.proc = None
        config = {
            "app": {"data_dir": self.data_dir, "log_level": "info", "log_format": "text", "shutdown_timeout": "20s"},
            "server": {"enabled": True, "host": "127.0.0.1", "port": self.port},
            "file_monitor": {
                "enabled": True,
                "include": include,
                "read_from": "beginning",
                "poll_interval": "100ms",
                "scan_interval": "500ms",
                "rotate_wait": "2s",
                "labels": {"job": "e2e"},
            },
            "dispatcher": {"batch_timeout": "100ms"},
            "sinks": sinks if sinks is not None else {
                "local_file": {
                    "enabled": True,
                    "directory": self.output_dir,
                    "filename_pattern": "out.log",
                    "output_format": "json",
                }
            },
            "disk_buffer": {"enabled": False},
            "dlq": {"enabled": False},
        }
        for section, values in (extra or {}).items():
            config.setdefault(section, {}).update(values)
        self.config = config
        self.write_config()

    def write_config(self, text=None):
        with open(self.config_path, "w") as f:
            f.write(text if text is not None else yaml_value(self.config) + "\n")

    def start(self, wait_ready=True):
        self.stderr = open(self.stderr_path, "ab")
        self.stdout = open(self.stdout_path, "ab")
        self.proc = subprocess.Popen(self.command_prefix + [self.binary, "--config", self.config_path],
                                     stdout=self.stdout, stderr=self.stderr, stdin=subprocess.DEVNULL)
        if wait_ready:
            wait_until(lambda: self.proc.poll() is not None or self.get("/ready")[0] == 200, 30,
                       "the agent to become ready")
            if self.proc.poll() is not None:
                raise AssertionError(f"agent exited with {self.proc.returncode} at start:\n{self.log_tail()}")
        return self

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"agent did not stop within {timeout}s:\n{self.log_tail()}")
        self.stderr.close()
        self.stdout.close()
        self.proc = None
        return code

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.stderr.close()
        self.stdout.close()
        self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=40):
        try:
            with open(self.stderr_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            return 0, ""

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def metric(self, name, labels=None):
        """Sum of the samples of a metric whose labels include `labels`."""
        status, text = self.get("/metrics")
        if status != 200:
            return None
        total = 0.0
        for line in text.splitlines():
            if line.startswith("#") or not line.startswith(name):
                continue
            head, _, value = line.rpartition(" ")
            metric_name = head.split("{", 1)[0]
            if metric_name != name:
                continue
            if labels and not all(f'{k}="{v}"' in head for k, v in labels.items()):
                continue
            total += float(value)
        return total

    def output_records(self):
        """Every JSON record the local_file sink wrote (all files in the output directory)."""
        records = []
        if not os.path.isdir(self.output_dir):
            return records
        for name in sorted(os.listdir(self.output_dir)):
            path = os.path.join(self.output_dir, name)
            if name.endswith(".gz") or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            # The sink may be writing right now: a last line without its newline is not complete yet.
            for raw in data[:data.rfind(b"\n") + 1].splitlines():
                records.append(json.loads(raw))
        return records


def input_dir(workdir):
    """Makes and returns <workdir>/in: where a test writes the files the agent tails."""
    path = os.path.join(workdir, "in")
    os.makedirs(path, exist_ok=True)
    return path


def buffered_agent(binary, workdir, sinks, shutdown_timeout="5s", extra=None, include=None):
    """An agent tailing <workdir>/in/*.log (or the `include` globs) into `sinks`, with the disk buffer
    (synced every 50 ms), the DLQ, quick dispatcher retries and 100 ms batches: the setup of every
    delivery test. `extra` sections are merged over it. Returns (agent, input directory)."""
    indir = input_dir(workdir)
    config = {
        "disk_buffer": {"enabled": True, "sync_interval": "50ms"},
        "dlq": {"enabled": True},
        "dispatcher": {"batch_timeout": "100ms", "retry_base_delay": "50ms", "retry_max_delay": "1s"},
        "app": {"shutdown_timeout": shutdown_timeout},
    }
    for section, values in (extra or {}).items():
        config.setdefault(section, {}).update(values)
    agent = Agent(binary, workdir, include=include or [os.path.join(indir, "*.log")], sinks=sinks, extra=config)
    return agent, indir


@contextlib.contextmanager
def running_agent(binary, workdir, **kwargs):
    """An agent tailing <workdir>/in/*.log, yielded with that directory. On a normal exit it is
    stopped with SIGTERM and must exit 0; on an error it is stopped and the error goes on."""
    indir = input_dir(workdir)
    agent = Agent(binary, workdir, include=[os.path.join(indir, "*.log")], **kwargs).start()
    try:
        yield agent, indir
    except BaseException:
        agent.stop()
        raise
    code = agent.stop()
    check(code == 0, f"exit code {code} after SIGTERM")


class Suite:
    """Runs check functions, prints a line for each, and a closing `N passed, N failed`."""

    def __init__(self, name):
        self.name = name
        parser = argparse.ArgumentParser()
        parser.add_argument("--binary", required=True)
        parser.add_argument("--keep", action="store_true", help="keep temp dirs")
        parser.add_argument("--receiver", help="the http-receiver test peer (tests/tools/http_receiver.cpp)")
        self.args = parser.parse_args()
        if not os.path.isfile(self.args.binary):
            print(f"FAIL: binary {self.args.binary} does not exist")
            sys.exit(1)
        self.passed = 0
        self.failed = 0

    def workdir(self, label):
        return tempfile.mkdtemp(prefix=f"logcap-{self.name}-{label}-")

    def run(self, fn):
        label = fn.__name__
        workdir = self.workdir(label)
        started = time.monotonic()
        try:
            fn(self.args.binary, workdir)
            self.passed += 1
            print(f"PASS {label} ({time.monotonic() - started:.1f}s)", flush=True)
            if not self.args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        except Exception:  # noqa: BLE001 - report every failure and go on
            self.failed += 1
            print(f"FAIL {label} (workdir kept: {workdir})", flush=True)
            traceback.print_exc()
            agent_log = os.path.join(workdir, "agent.stderr")
            if os.path.exists(agent_log):
                with open(agent_log, "rb") as f:
                    tail = f.read().splitlines()[-30:]
                print("--- agent stderr (tail) ---")
                print(b"\n".join(tail).decode("utf-8", "replace"))

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def sequence_check(records, expected_counts, key_of):
    """Checks that for each stream key, the sequence numbers are exactly 0..n-1 in order.

    key_of(record) -> (stream, seq) or None for records to ignore. Returns a list of problems.
    """
    seen = {}
    problems = []
    for r in records:
        parsed = key_of(r)
        if parsed is None:
            continue
        stream, seq = parsed
        nxt = seen.get(stream, 0)
        if seq != nxt:
            if len(problems) < 10:
                kind = "duplicate or reorder" if seq < nxt else "gap (lost lines)"
                problems.append(f"{stream}: expected seq {nxt}, got {seq} ({kind})")
            if seq < nxt:
                continue
        seen[stream] = seq + 1
    for stream, count in expected_counts.items():
        if seen.get(stream, 0) != count:
            problems.append(f"{stream}: got {seen.get(stream, 0)} of {count} lines")
    return problems
