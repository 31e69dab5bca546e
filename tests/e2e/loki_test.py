"""The Loki sink end to end: the real agent pushes to the http-receiver acting as Loki (it decodes
protobuf+snappy and JSON+gzip, checks label syntax and per-stream order as Loki does, and stores
every accepted entry with its labels, metadata and tenant).

Lines are numbered (`<stream> <seq> payload`) so each test can check that every line arrived, and
how many arrived twice.
"""
import json
import os
import shutil
import subprocess
import time

from harness import SCALE, Suite, buffered_agent, check, scaled, wait_until
from receiver import Receiver

PAYLOAD = "p" * 80


def write_lines(path, stream, start, count):
    with open(path, "a") as f:
        f.write("".join(f"{stream} {start + i:09d} {PAYLOAD}\n" for i in range(count)))


def loki_agent(binary, workdir, rx, loki=None, extra=None, url=None):
    """An agent tailing <workdir>/in/*.log with the disk buffer, the DLQ and the loki sink on."""
    sink = {"enabled": True, "url": url or rx.loki_url(), "timeout": "5s", "batch_timeout": "100ms"}
    sink.update(loki or {})
    config = {"file_monitor": {"labels": {"job": "app", "team": "core"}}}
    for section, values in (extra or {}).items():
        config.setdefault(section, {}).update(values)
    return buffered_agent(binary, workdir, {"loki": sink}, extra=config)


def seen_lines(rx):
    """{(stream, seq): count} of the numbered lines the receiver stored."""
    seen = {}
    for e in rx.loki_entries():
        parts = e["line"].split(" ", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        key = (parts[0], int(parts[1]))
        seen[key] = seen.get(key, 0) + 1
    return seen


def missing(seen, expected):
    return [(s, i) for s, n in expected.items() for i in range(n) if (s, i) not in seen]


def wait_all(rx, expected, timeout, agent):
    total = sum(expected.values())

    def done():
        if not agent.alive():
            raise AssertionError(f"the agent died:\n{agent.log_tail()}")
        return rx.loki_stats()["entries"] >= total and not missing(seen_lines(rx), expected)

    wait_until(done, timeout, f"all {total} lines at the receiver", interval=0.3)


def check_promises(rx):
    """What the sink promises Loki in every push: sorted streams, one per label set."""
    stats = rx.loki_stats()
    check(stats["order_violations_in_push"] == 0, f"unsorted entries in a push: {stats}")
    check(stats["duplicate_streams_in_push"] == 0, f"a label set twice in one push: {stats}")


def promtool_passes(agent):
    """The agent's /metrics, with the Loki sink's series in it, passes `promtool check metrics`."""
    promtool = shutil.which("promtool")
    check(promtool is not None, "promtool is installed (scripts/install-deps.sh installs prometheus)")
    status, text = agent.get("/metrics")
    check(status == 200, f"GET /metrics -> {status}")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    check(r.returncode == 0, f"promtool check metrics failed:\n{r.stdout}{r.stderr}")


def stop_ok(agent):
    code = agent.stop()
    check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")


def test_protobuf_lines_arrive_with_labels_metadata_and_tenant(binary, workdir):
    """Two files and the ingest API: every line arrives once, under {job, source_type} (+ level for
    ingested events), with the other labels as structured metadata, in time order per stream."""
    n = scaled(20000, minimum=2000)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = loki_agent(binary, workdir, rx, loki={"tenant_id": "team-a", "labels": {"cluster": "e2e"}})
        agent.start()
        write_lines(os.path.join(indir, "a.log"), "a", 0, n)
        write_lines(os.path.join(indir, "b.log"), "b", 0, n)
        body = "\n".join(json.dumps({"message": f"h {i:09d} {PAYLOAD}", "level": "warn",
                                     "labels": {"request_id": f"r{i}"}}) for i in range(100)).encode()
        status, text = agent.request("POST", "/api/v1/logs", body, {"Content-Type": "application/x-ndjson"})
        check(status == 202, f"ingest -> {status} {text}")
        expected = {"a": n, "b": n, "h": 100}
        wait_all(rx, expected, 120, agent)
        entries = rx.loki_entries()
        dup = sum(c - 1 for c in seen_lines(rx).values())
        check(dup == 0, f"{dup} lines arrived twice without any fault")
        by_stream = {}
        for e in entries:
            by_stream.setdefault(e["labels"], []).append(e)
        check(set(by_stream) == {'{cluster="e2e", job="app", source_type="file"}',
                                 '{cluster="e2e", level="warn", source_type="http"}'},
              f"streams: {sorted(by_stream)}")
        for labels, items in by_stream.items():
            times = [int(e["ts"]) for e in items]
            check(times == sorted(times), f"{labels}: entries stored out of time order")
        file_entry = by_stream['{cluster="e2e", job="app", source_type="file"}'][0]
        check(file_entry["metadata"] == {"team": "core"}, f"file entry metadata {file_entry['metadata']}")
        http_entry = by_stream['{cluster="e2e", level="warn", source_type="http"}'][0]
        check(http_entry["metadata"].get("request_id", "").startswith("r"), f"ingest metadata {http_entry}")
        check({e["tenant"] for e in entries} == {"team-a"}, "every push carried X-Scope-OrgID team-a")
        check({e["format"] for e in entries} == {"protobuf"}, "protobuf by default")
        check_promises(rx)
        check(agent.metric("log_capturer_sink_requests_total", {"sink": "loki", "code": "204"}) > 0,
              "requests counted by status code")
        check(agent.metric("log_capturer_logs_sent_total", {"sink": "loki", "status": "success"}) >= 2 * n + 100,
              "logs_sent_total{sink=loki} counts every line")
        stop_ok(agent)


def test_json_format_with_gzip(binary, workdir):
    """format: json pushes gzip'ed JSON; every line arrives, without metadata (auto)."""
    n = scaled(5000, minimum=1000)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = loki_agent(binary, workdir, rx, loki={"format": "json"})
        agent.start()
        write_lines(os.path.join(indir, "a.log"), "a", 0, n)
        wait_all(rx, {"a": n}, 60, agent)
        entries = rx.loki_entries()
        check({e["format"] for e in entries} == {"json"}, "json pushes")
        check(all(e["metadata"] == {} for e in entries), "no structured metadata in JSON by default")
        check(rx.stats()["by_encoding"].get("gzip", 0) > 0, f"gzip bodies: {rx.stats()['by_encoding']}")
        check_promises(rx)
        stop_ok(agent)


def test_429_and_500_bursts_lose_nothing(binary, workdir):
    """429 with Retry-After, then a 500 on every third push: every line arrives."""
    n = scaled(30000, minimum=3000)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = loki_agent(binary, workdir, rx, loki={"batch_size": 500})
        agent.start()
        rx.control(status=429, retry_after="1", count=4)
        write_lines(os.path.join(indir, "a.log"), "a", 0, n // 2)
        wait_until(lambda: rx.stats()["by_status"].get("429", 0) >= 4, 30, "four 429 answers")
        rx.control(status=500, every=3, count=20)
        write_lines(os.path.join(indir, "a.log"), "a", n // 2, n - n // 2)
        wait_all(rx, {"a": n}, 120, agent)
        statuses = rx.stats()["by_status"]
        check(statuses.get("500", 0) >= 1, f"500s were answered: {statuses}")
        check(agent.metric("log_capturer_sink_requests_total", {"sink": "loki", "code": "429"}) >= 4,
              "429 answers counted")
        check(agent.metric("log_capturer_logs_sent_total", {"sink": "loki", "status": "retry"}) > 0,
              "retries counted")
        check_promises(rx)
        stop_ok(agent)


def ingest(agent, stream, start, count, ts):
    """POSTs count numbered events stamped ts (RFC 3339) to the ingest API."""
    body = "\n".join(json.dumps({"message": f"{stream} {start + i:09d} {PAYLOAD}", "timestamp": ts})
                     for i in range(count)).encode()
    status, text = agent.request("POST", "/api/v1/logs", body, {"Content-Type": "application/x-ndjson"})
    check(status == 202, f"ingest -> {status} {text}")


def rfc3339(epoch_s):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s)) + "Z"


def test_out_of_order_entries_follow_the_action(binary, workdir):
    """A Loki that refuses out-of-order writes: newer events first, then older ones of the same
    stream. dlq keeps them in the DLQ (reason out_of_order), drop counts them, rewrite_timestamp
    delivers them stamped now."""
    now = int(time.time())
    for action in ("dlq", "drop", "rewrite_timestamp"):
        sub = os.path.join(workdir, action)
        with Receiver(SUITE.args.receiver, os.path.join(sub, "rx")) as rx:
            rx.control(loki_order="ordered")
            agent, _ = loki_agent(binary, sub, rx, loki={"out_of_order_action": action})
            agent.start()
            ingest(agent, "new", 0, 50, rfc3339(now - 60))
            wait_until(lambda: rx.loki_stats()["entries"] >= 50, 30, "the newer events")
            ingest(agent, "old", 0, 30, rfc3339(now - 600))
            refused = {"action": action, "reason": "out_of_order", "sink": "loki"}
            wait_until(lambda: (agent.metric("log_capturer_sink_refused_entries_total", refused) or 0) >= 30, 30,
                       f"30 refused entries counted for {action}")
            if action == "dlq":
                wait_until(lambda: json.loads(agent.get("/api/v1/dlq")[1])["store"]["entries"] >= 30, 30,
                           "30 entries in the DLQ")
                check(agent.metric("log_capturer_dlq_entries_total", {"sink": "loki", "reason": "out_of_order"}) == 30,
                      "dlq_entries_total{reason=out_of_order} = 30")
                # Once Loki accepts older lines (unordered writes, 1 h window), a replay delivers them.
                rx.control(loki_order="unordered")
                status, body = agent.request("POST", "/api/v1/dlq/replay", json.dumps({"sink": "loki"}).encode(),
                                             {"Content-Type": "application/json"})
                check(status == 202, f"POST /api/v1/dlq/replay -> {status} {body}")
                wait_until(lambda: json.loads(agent.get("/api/v1/dlq")[1])["store"]["entries"] == 0, 30,
                           "the DLQ to be empty after the replay")
                old = [e for e in rx.loki_entries() if e["line"].startswith("old ")]
                check(len({e["line"] for e in old}) == 30, f"{len(old)} old entries stored after the replay")
                check(all(e["ts"] == (now - 600) * 10**9 for e in old), "replayed with their own timestamps")
            elif action == "drop":
                check(agent.metric("log_capturer_logs_dropped_total", {"stage": "sink", "reason": "out_of_order"}) == 30,
                      "dropped counted")
            else:
                wait_until(lambda: sum(1 for k in seen_lines(rx) if k[0] == "old") == 30, 30,
                           "the 30 old events delivered stamped now")
                old = [e for e in rx.loki_entries() if e["line"].startswith("old ")]
                check(all(int(e["ts"]) >= (now - 5) * 10**9 for e in old), "rewritten to about now")
            check(rx.loki_stats()["refused"]["out_of_order"] >= 30, f"receiver refusals {rx.loki_stats()}")
            check_promises(rx)
            promtool_passes(agent)
            stop_ok(agent)


def test_poison_lines_go_to_the_dlq_with_lokis_message(binary, workdir):
    """A 400 that is not about time (here: forbidden text, refused per entry, the rest stored):
    exactly the refused lines are in the DLQ with Loki's message; every other line arrives."""
    n = scaled(5000, minimum=1000)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        rx.control(reject_substring="POISON")
        agent, indir = loki_agent(binary, workdir, rx)
        agent.start()
        with open(os.path.join(indir, "a.log"), "a") as f:
            for i in range(n):
                f.write(f"a {i:09d} {'POISON' if i % 1000 == 7 else PAYLOAD}\n")
        poison = len([i for i in range(n) if i % 1000 == 7])
        expected = {("a", i) for i in range(n) if i % 1000 != 7}
        wait_until(lambda: expected <= set(seen_lines(rx)), 60, "every good line")
        wait_until(lambda: json.loads(agent.get("/api/v1/dlq")[1])["store"]["entries"] >= poison, 30,
                   f"{poison} entries in the DLQ")
        check(agent.metric("log_capturer_dlq_entries_total", {"sink": "loki", "reason": "bad_request"}) == poison,
              "exactly the poison lines in the DLQ")
        check(not any("POISON" in e["line"] for e in rx.loki_entries()), "no poison line stored")
        stop_ok(agent)


def make_certs(directory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=log-capturer test CA")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for name in ("server", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/CN={name}")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", *(["-extfile", "san.ext"] if name == "server" else []))


class TlsFront:
    """socat terminating TLS (OpenSSL, client certificate required) in front of the receiver."""

    def __init__(self, certs, target_port):
        self.port = None
        self.certs = certs
        self.target = target_port
        self.proc = None

    def __enter__(self):
        from harness import free_port
        if shutil.which("socat") is None:
            raise AssertionError("socat is not installed (scripts/install-deps.sh installs it)")
        self.port = free_port()
        c = self.certs
        self.proc = subprocess.Popen(
            ["socat", f"OPENSSL-LISTEN:{self.port},bind=127.0.0.1,reuseaddr,fork,cert={c}/server.pem,"
                      f"key={c}/server.key,cafile={c}/ca.pem,verify=1",
             f"TCP:127.0.0.1:{self.target}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        from receiver import port_refuses
        wait_until(lambda: self.proc.poll() is not None or not port_refuses("127.0.0.1", self.port), 10,
                   "socat to listen")
        if self.proc.poll() is not None:
            raise AssertionError(f"socat exited: {self.proc.stderr.read().decode()}")
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        return False


def test_tls_with_a_self_signed_ca_and_client_certificate(binary, workdir):
    """https to a TLS front that requires a client certificate: with the CA, cert and key every
    line arrives; without the CA the agent reports the TLS failure and keeps the data."""
    n = scaled(3000, minimum=500)
    certs = os.path.join(workdir, "certs")
    os.makedirs(certs)
    make_certs(certs)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx, TlsFront(certs, rx.data_port) as front:
        url = f"https://127.0.0.1:{front.port}"
        tls = {"ca_file": f"{certs}/ca.pem", "cert_file": f"{certs}/client.pem", "key_file": f"{certs}/client.key"}
        agent, indir = loki_agent(binary, os.path.join(workdir, "bad"), rx, url=url, loki={"tenant_id": "secure"})
        agent.start()
        write_lines(os.path.join(indir, "a.log"), "a", 0, n)
        wait_until(lambda: "loki" in agent.get("/health")[1] and agent.get("/health")[0] == 503, 30,
                   "/health to report the failing sink")
        check(rx.loki_stats()["entries"] == 0, "nothing got through without trusting the CA")
        stop_ok(agent)

        agent, indir = loki_agent(binary, os.path.join(workdir, "good"), rx, url=url,
                                  loki={"tenant_id": "secure", "tls": tls})
        agent.start()
        write_lines(os.path.join(indir, "a.log"), "a", 0, n)
        wait_all(rx, {"a": n}, 60, agent)
        check({e["tenant"] for e in rx.loki_entries()} == {"secure"}, "tenant header through TLS")
        stop_ok(agent)


def test_unauthorized_keeps_the_data_and_opens_the_breaker(binary, workdir):
    """401: /health names the problem, the circuit opens, nothing is lost; fixed, all arrives."""
    n = scaled(3000, minimum=500)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        rx.control(require_tenant=True)
        agent, indir = loki_agent(binary, workdir, rx)
        agent.start()
        write_lines(os.path.join(indir, "a.log"), "a", 0, n)
        wait_until(lambda: "sinks.loki.auth" in agent.get("/health")[1], 30, "/health to name sinks.loki.auth")
        check(agent.metric("log_capturer_sink_circuit_state", {"sink": "loki"}) == 2, "the circuit is open")
        rx.control(require_tenant=False)
        wait_all(rx, {"a": n}, 120, agent)
        stop_ok(agent)


def test_receiver_down_for_a_minute(binary, workdir):
    """Loki refuses connections for a minute (20 s under sanitizers) while lines keep coming:
    everything arrives afterwards, in order per stream."""
    down_s = 60 if SCALE >= 1.0 else 20
    per_second = scaled(2000, minimum=500)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = loki_agent(binary, workdir, rx)
        agent.start()
        rx.control(mode="refuse")
        written = 0
        deadline = time.monotonic() + down_s
        while time.monotonic() < deadline:
            write_lines(os.path.join(indir, "a.log"), "a", written, per_second // 4)
            written += per_second // 4
            time.sleep(0.25)
        check(rx.loki_stats()["entries"] == 0, "nothing arrived while refusing")
        check(agent.get("/health")[0] == 503, "/health degraded while Loki is down")
        rx.control(mode="ok")
        wait_all(rx, {"a": written}, 180, agent)
        check_promises(rx)
        stop_ok(agent)


if __name__ == "__main__":
    SUITE = Suite("loki")
    if not SUITE.args.receiver:
        print("FAIL: --receiver (the http-receiver binary) is required")
        raise SystemExit(1)
    for test in (test_protobuf_lines_arrive_with_labels_metadata_and_tenant, test_json_format_with_gzip,
                 test_429_and_500_bursts_lose_nothing, test_out_of_order_entries_follow_the_action,
                 test_poison_lines_go_to_the_dlq_with_lokis_message,
                 test_tls_with_a_self_signed_ca_and_client_certificate,
                 test_unauthorized_keeps_the_data_and_opens_the_breaker, test_receiver_down_for_a_minute):
        SUITE.run(test)
    SUITE.finish()
