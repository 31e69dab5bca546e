"""Driver for the http-receiver test peer (tests/tools/http_receiver.cpp): the HTTP server that
sinks deliver to in end-to-end tests and benchmarks. It counts what arrives, stores accepted lines
in a file, and fails on demand (see Receiver.control).

    with Receiver(suite.args.receiver, workdir) as rx:
        ... point a sink at rx.url("/logs") ...
        check(rx.wait_lines(1000, 30), "all lines arrived")
        rx.control(status=503, retry_after="1", count=3)

It is also a faithful single Loki on /loki/api/v1/push (protobuf or JSON, tenants, Loki's ordering
and validation rules and messages):

        ... point a Loki sink at rx.loki_url() ...
        check(rx.wait_lines(1000, 30), "all entries accepted")   # lines = accepted Loki entries
        entries = rx.loki_entries()   # [{"tenant","labels","ts","line","metadata","format"}, ...]
        check(rx.loki_stats()["order_violations_in_push"] == 0, "sorted pushes")
        rx.control(loki_order="ordered", loki_max_age_s=3600, require_tenant=True)
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


class Receiver:
    """One http-receiver process with its store and logs in `workdir`."""

    def __init__(self, binary, workdir, store=True, paths=None, max_body_bytes=None, host="127.0.0.1"):
        self.binary = binary
        self.workdir = workdir
        self.host = host
        self.store_path = os.path.join(workdir, "receiver.store") if store else None
        self.stdout_path = os.path.join(workdir, "receiver.stdout")
        self.stderr_path = os.path.join(workdir, "receiver.stderr")
        self.paths = list(paths or [])
        self.max_body_bytes = max_body_bytes
        self.proc = None
        self.data_port = None
        self.control_port = None

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        # On an error in the body, that error is the one to report: stop without checking.
        self.stop(check_exit=exc_type is None)
        return False

    def start(self, timeout=10):
        if not self.binary or not os.path.isfile(self.binary):
            raise AssertionError(f"http-receiver binary not found: {self.binary!r} (pass --receiver)")
        os.makedirs(self.workdir, exist_ok=True)
        args = [self.binary, "--host", self.host, "--port", "0", "--control-port", "0"]
        if self.store_path:
            args += ["--store", self.store_path]
        if self.max_body_bytes is not None:
            args += ["--max-body-bytes", str(self.max_body_bytes)]
        for p in self.paths:
            args += ["--path", p]
        self.stdout = open(self.stdout_path, "wb")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.stdout, stderr=self.stderr, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            line = self._port_line()
            if line is not None:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                code = self.proc.poll()
                if code is None:
                    self.proc.kill()
                    self.proc.wait()
                self._close_files()
                self.proc = None
                what = f"exited with {code}" if code is not None else f"printed no port line within {timeout}s"
                raise AssertionError(f"http-receiver {what} ({' '.join(args)}); stderr:\n{self.log_tail()}")
            time.sleep(0.02)
        fields = dict(part.split("=", 1) for part in line.split())
        self.data_port = int(fields["data_port"])
        self.control_port = int(fields["control_port"])
        return self

    def _port_line(self):
        try:
            with open(self.stdout_path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        if b"\n" not in data:
            return None
        line = data.split(b"\n", 1)[0].decode("utf-8", "replace")
        if not line.startswith("data_port="):
            raise AssertionError(f"http-receiver printed an unexpected first line: {line!r}")
        return line

    def _close_files(self):
        self.stdout.close()
        self.stderr.close()

    def stop(self, sig=signal.SIGTERM, timeout=20, check_exit=True):
        """Stops the receiver; raises if it does not exit 0 (unless check_exit is False)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._close_files()
            self.proc = None
            if check_exit:
                raise AssertionError(f"http-receiver did not stop within {timeout}s:\n{self.log_tail()}")
            return None
        self._close_files()
        self.proc = None
        if check_exit and code != 0:
            raise AssertionError(f"http-receiver exited with {code}:\n{self.log_tail()}")
        return code

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=40):
        try:
            with open(self.stderr_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def url(self, path="/logs"):
        """The data URL a sink under test should deliver to."""
        return f"http://{self.host}:{self.data_port}{path}"

    def _control_request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://{self.host}:{self.control_port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            raise AssertionError(f"receiver {method} {path} {body!r} -> {e.code}: {text}") from None

    def control(self, **fields):
        """Sets faults, e.g. control(mode="refuse"), control(status=429, retry_after="2", count=3),
        control(status=500, every=2), control(reject_substring="POISON"), control(delay_ms=200),
        control(mode="ok") (clears every fault and Loki setting). Loki settings: loki_order
        ("unordered" default | "ordered"), loki_window_s (3600), loki_max_age_s (0 = off),
        loki_grace_s (600), loki_max_line_size (0 = off), require_tenant (False).
        Returns the resulting settings (what GET /_control shows)."""
        return self._control_request("POST", "/_control", fields)[1]

    def settings(self):
        """The current faults and Loki settings (GET /_control)."""
        return self._control_request("GET", "/_control")[1]

    def stats(self):
        """{"requests", "lines", "bytes_wire", "bytes_decoded", "delay_ms_total", "by_status",
        "by_path", "by_encoding", "mode", "data_port", "faults", "loki"}"""
        return self._control_request("GET", "/_stats")[1]

    def reset(self):
        """Zeroes the counters, forgets the Loki streams and truncates the store (faults and
        settings are kept)."""
        self._control_request("POST", "/_reset")

    # --- Loki -------------------------------------------------------------------------------

    LOKI_PUSH_PATH = "/loki/api/v1/push"

    def loki_url(self):
        """The base URL of the Loki API (a Loki sink appends /loki/api/v1/push)."""
        return f"http://{self.host}:{self.data_port}"

    def loki_stats(self):
        """{"pushes" (applied: not injected failures, 401/415 or undecodable bodies), "entries"
        (accepted), "duplicates" (skipped), "streams" (distinct tenant + labels), "refused":
        {"out_of_order", "too_far_behind", "too_old", "too_new", "line_too_long", "forbidden",
        "invalid_labels"} (entries), "by_format": {"protobuf", "json"} (pushes), "tenants":
        {tenant: accepted entries}, "order_violations_in_push" (streams of a push not sorted by
        time), "duplicate_streams_in_push" (label sets repeated within a push)}"""
        return self.stats()["loki"]

    def loki_entries(self):
        """The accepted Loki entries in arrival order: dicts with "tenant", "labels" (canonical
        `{a="1", b="2"}`), "ts" (int, nanoseconds), "line", "metadata" (dict) and "format"."""
        entries = []
        for line in self.lines():  # generic (NDJSON) pushes may share the store: skip their lines
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "labels" in record and "tenant" in record and "ts" in record:
                record["ts"] = int(record["ts"])
                entries.append(record)
        return entries

    def loki_push(self, body, headers, path=None, conn=None):
        """POSTs a push body (see loki_wire.py); returns (status, headers with lower-case names,
        body text)."""
        own = conn is None
        if own:
            conn = http.client.HTTPConnection(self.host, self.data_port, timeout=30)
        try:
            conn.request("POST", path or self.LOKI_PUSH_PATH, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text
        finally:
            if own:
                conn.close()

    def lines(self):
        """Every stored line (accepted requests only, duplicates included), without newlines."""
        if not self.store_path:
            raise AssertionError("this Receiver was started with store=False")
        try:
            with open(self.store_path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        if not data:
            return []
        return data.decode("utf-8", "replace").removesuffix("\n").split("\n")

    def records(self):
        """The stored lines parsed as JSON."""
        return [json.loads(line) for line in self.lines()]

    def wait_lines(self, n, timeout, interval=0.05):
        """Polls the stats until at least n lines were accepted; returns whether they were."""
        deadline = time.monotonic() + timeout
        while True:
            if self.stats()["lines"] >= n:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(interval)


def port_refuses(host, port):
    """True if a TCP connect to host:port is refused (nothing listening)."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True
