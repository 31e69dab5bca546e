"""Driver for the kafka-mock test peer (tests/tools/kafka_mock.cpp): librdkafka's mock Kafka
cluster in its own process, listening on 127.0.0.1, controlled over its stdin. Plus kcat wrappers
to read and write topics as an outside client would.

    with KafkaMock(kafka_mock_binary(suite.args), workdir, topics={"logs": 4}) as kafka:
        ... point the agent at kafka.bootstraps ...
        kafka.down("all"); kafka.up("all")
        kafka.push_errors(0, 50, "REQUEST_TIMED_OUT")     # the next 50 Produce requests fail
        messages = consume(kafka.bootstraps, "logs", 1000, timeout=30)
        # [{"partition", "offset", "key", "value", "headers": [(name, value), ...]}, ...]

Standard library only.
"""
import json
import os
import queue
import shutil
import subprocess
import threading
import time

API_PRODUCE = 0
API_FETCH = 1
API_OFFSET_COMMIT = 8


def kafka_mock_binary(args):
    """kafka-mock, built next to the http-receiver (--receiver) or the agent (--binary)."""
    candidates = []
    for path in (getattr(args, "receiver", None), getattr(args, "binary", None)):
        if path:
            candidates.append(os.path.join(os.path.dirname(os.path.abspath(path)), "kafka-mock"))
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise AssertionError(f"kafka-mock not found (looked at {candidates}); build the `kafka-mock` target "
                         "(tests/tools/kafka_mock.cpp) in the same build directory as http-receiver")


def kcat_binary():
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if kcat is None:
        raise AssertionError("kcat is not installed (scripts/install-deps.sh installs it)")
    return kcat


class KafkaMock:
    """One kafka-mock process (a mock cluster of `brokers` brokers) with the given topics."""

    def __init__(self, binary, workdir=None, topics=None, brokers=3, start_timeout=10):
        self.binary = binary
        self.workdir = workdir
        self.topics = dict(topics if topics is not None else {"logs": 4})
        self.brokers = brokers
        self.start_timeout = start_timeout
        self.bootstraps = None
        self.proc = None
        self._lines = queue.Queue()
        self._stderr = None
        self._lock = threading.Lock()

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        return False

    def start(self):
        if not self.binary or not os.path.isfile(self.binary):
            raise AssertionError(f"kafka-mock binary not found: {self.binary!r}")
        args = [self.binary, "--brokers", str(self.brokers)]
        for name, partitions in self.topics.items():
            args += ["--topic", f"{name}:{partitions}"]
        if self.workdir:
            os.makedirs(self.workdir, exist_ok=True)
            self._stderr = open(os.path.join(self.workdir, "kafka-mock.stderr"), "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr or subprocess.DEVNULL, text=True, bufsize=1)
        threading.Thread(target=self._reader, daemon=True).start()
        line = self._next_line(self.start_timeout)
        if line is None or not line.startswith("BOOTSTRAP "):
            code = self.proc.poll()
            self.stop()
            raise AssertionError(f"kafka-mock did not print its BOOTSTRAP line within {self.start_timeout}s "
                                 f"(got {line!r}, exit code {code}){self._stderr_tail()}")
        self.bootstraps = line.split(" ", 1)[1].strip()
        return self

    def _reader(self):
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)  # EOF

    def _next_line(self, timeout):
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def _stderr_tail(self):
        if not self.workdir:
            return ""
        try:
            with open(os.path.join(self.workdir, "kafka-mock.stderr"), "rb") as f:
                tail = f.read()[-2000:].decode("utf-8", "replace")
            return f"\nkafka-mock stderr:\n{tail}" if tail else ""
        except OSError:
            return ""

    def command(self, line, timeout=10):
        """Sends one command; returns after its `ok`, raises on `error ...` or silence."""
        with self._lock:
            if self.proc is None or self.proc.poll() is not None:
                raise AssertionError(f"kafka-mock is not running (command {line!r}){self._stderr_tail()}")
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            answer = self._next_line(timeout)
        if answer != "ok":
            raise AssertionError(f"kafka-mock {line!r} -> {answer!r}")

    def down(self, broker="all"):
        self.command(f"down {broker}")

    def up(self, broker="all"):
        self.command(f"up {broker}")

    def push_errors(self, api_key, count, name):
        self.command(f"errors {int(api_key)} {int(count)} {name}")

    def clear_errors(self, api_key):
        self.command(f"clear {int(api_key)}")

    def create_topic(self, name, partitions):
        self.command(f"topic {name} {int(partitions)}")
        self.topics[name] = partitions

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                try:
                    self.proc.stdin.write("quit\n")
                    self.proc.stdin.flush()
                except (BrokenPipeError, OSError, ValueError):
                    pass
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.proc.terminate()
                    try:
                        self.proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        self.proc.kill()
                        self.proc.wait()
        finally:
            try:
                self.proc.stdin.close()
            except (OSError, ValueError):
                pass
            self.proc = None
            if self._stderr:
                self._stderr.close()
                self._stderr = None


def _headers(raw):
    """kcat -J headers: a flat [name, value, name, value, ...] list -> [(name, value), ...]."""
    if not raw:
        return []
    return [(raw[i], raw[i + 1]) for i in range(0, len(raw) - 1, 2)]


def consume_once(bootstraps, topic, partition=None, timeout=20):
    """Every message of `topic` now (to the end of each partition), with kcat -C -J -e."""
    args = [kcat_binary(), "-C", "-J", "-e", "-q", "-o", "beginning", "-b", bootstraps, "-t", topic, "-m", "5",
            "-X", "topic.metadata.refresh.interval.ms=1000"]
    if partition is not None:
        args += ["-p", str(partition)]
    try:
        r = subprocess.run(args, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"kcat -C {topic} did not reach the end of the topic within {timeout}s") from e
    if r.returncode != 0:
        raise AssertionError(f"kcat -C {topic} exited {r.returncode}: {r.stderr.decode('utf-8', 'replace')[-1000:]}")
    out = []
    for raw in r.stdout.splitlines():
        if not raw.strip():
            continue
        m = json.loads(raw)
        out.append({"partition": m["partition"], "offset": m["offset"], "key": m.get("key"),
                    "value": m.get("payload"), "headers": _headers(m.get("headers"))})
    return out


def consume(bootstraps, topic, count, timeout=30, partition=None):
    """Reads `topic` from the beginning until at least `count` messages are there or `timeout`
    passed; returns what is there (the caller checks the count)."""
    deadline = time.monotonic() + timeout
    messages = []
    while True:
        try:
            messages = consume_once(bootstraps, topic, partition, timeout=max(5.0, deadline - time.monotonic()))
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            messages = messages or []
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.5)


def produce(bootstraps, topic, values, key=None, partition=None, headers=None, timeout=30):
    """Produces each of `values` (str; may hold tabs and newlines, not \\x01) as one message."""
    values = list(values)
    if any("\x01" in v for v in values):
        raise ValueError("produce(): a value contains \\x01, the delimiter used with kcat")
    args = [kcat_binary(), "-P", "-q", "-b", bootstraps, "-t", topic, "-D", "\\x01"]
    if key is not None:
        args += ["-k", key]
    if partition is not None:
        args += ["-p", str(partition)]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}={value}"]
    data = "\x01".join(values).encode()
    try:
        r = subprocess.run(args, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"kcat -P {topic} did not finish within {timeout}s") from e
    if r.returncode != 0:
        raise AssertionError(f"kcat -P {topic} exited {r.returncode}: {r.stderr.decode('utf-8', 'replace')[-1000:]}")
