"""The delivery promise (CONTRACT §7) under real faults: files -> disk buffer -> http sink -> the
http-receiver test peer, with kill -9, a receiver that is down, answers 500/429/400, a full disk,
and a corrupt buffer.

Every line is numbered (`<stream> <seq> payload`); the receiver stores what it accepted, so each
test checks that every (stream, seq) arrived at least once, and reports how many arrived twice.
"""
import json
import os
import random
import shutil
import subprocess
import threading
import time

from harness import Suite, buffered_agent, check, scaled, wait_until
from receiver import Receiver

PAYLOAD = "p" * 100


def line(stream, seq, tag=""):
    return f"{stream} {seq:09d} {tag}{PAYLOAD}\n"


def arrived(rx):
    """{(stream, seq): count} of every numbered line the receiver accepted."""
    seen = {}
    for raw in rx.lines():
        try:
            message = json.loads(raw)["message"]
        except (ValueError, KeyError):
            raise AssertionError(f"the receiver holds a line that is not an event JSON: {raw[:200]!r}")
        parts = message.split(" ", 2)
        if len(parts) != 3:
            continue
        key = (parts[0], int(parts[1]))
        seen[key] = seen.get(key, 0) + 1
    return seen


def missing_and_duplicates(seen, expected):
    """expected: {stream: count}. Returns (missing keys, number of extra copies)."""
    missing = [(s, i) for s, n in expected.items() for i in range(n) if (s, i) not in seen]
    duplicates = sum(c - 1 for c in seen.values() if c > 1)
    return missing, duplicates


def http_agent(binary, workdir, rx, extra=None, sink=None, include_rotated=False):
    http = {"enabled": True, "url": rx.url("/logs"), "timeout": "5s"}
    http.update(sink or {})
    # With rotated names included (app.log.1, ...), files rotated more than once while the agent
    # was down are still read: a file is known by its identity, not its name (docs/operations.md).
    include = [os.path.join(workdir, "in", "*.log*" if include_rotated else "*.log")]
    return buffered_agent(binary, workdir, {"http": http}, extra=extra, include=include)


def write_lines(path, stream, start, count, tag_every=0, tag=""):
    with open(path, "a") as f:
        f.write("".join(line(stream, start + i, tag if tag_every and (start + i) % tag_every == 0 else "")
                        for i in range(count)))


def wait_all_arrived(rx, expected, timeout, agent=None):
    total = sum(expected.values())

    def done():
        if agent is not None and not agent.alive():
            raise AssertionError(f"the agent died:\n{agent.log_tail()}")
        return rx.stats()["lines"] >= total and not missing_and_duplicates(arrived(rx), expected)[0]

    wait_until(done, timeout, f"all {total} lines at the receiver", interval=0.5)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for row in f:
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
    return 0


def test_kill9_at_random_moments_with_rotation(binary, workdir):
    """kill -9 at 20 random moments while lines are written to files rotated by rename: every
    line arrives at least once; only the unacknowledged tail may arrive twice. The rotated names
    match the include globs, as they must for no loss when a file is rotated more than once while
    the agent is down."""
    total = scaled(200000, minimum=20000)
    streams = ["a", "b"]
    per_stream = total // len(streams)
    kills = 20
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = http_agent(binary, workdir, rx, include_rotated=True)
        agent.start()
        written = {s: 0 for s in streams}
        stop_writing = threading.Event()
        errors = []

        def writer():
            try:
                rotations = 0
                chunk = 500
                # Paced over ~20 s, so that the kills (every 0.5-2 s) land all along the stream.
                pause = len(streams) * chunk / (total / 20.0)
                while not stop_writing.is_set() and any(written[s] < per_stream for s in streams):
                    for s in streams:
                        n = min(chunk, per_stream - written[s])
                        if n > 0:
                            write_lines(os.path.join(indir, f"{s}.log"), s, written[s], n)
                            written[s] += n
                    # Rename rotation every ~10% of the lines, as logrotate does.
                    if sum(written.values()) // max(1, total // 10) > rotations:
                        rotations += 1
                        for s in streams:
                            os.rename(os.path.join(indir, f"{s}.log"), os.path.join(indir, f"{s}.log.{rotations}"))
                    time.sleep(pause)
            except Exception as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)

        thread = threading.Thread(target=writer)
        thread.start()
        rng = random.Random(1234)
        for k in range(kills):
            time.sleep(rng.uniform(0.5, 2.0))
            agent.kill9()
            time.sleep(rng.uniform(0.0, 0.2))
            agent.start()
        thread.join()
        check(not errors, f"writer failed: {errors}")
        expected = {s: per_stream for s in streams}
        wait_all_arrived(rx, expected, 180, agent)
        missing, duplicates = missing_and_duplicates(arrived(rx), expected)
        check(not missing, f"{len(missing)} lines lost, e.g. {missing[:5]}")
        print(f"    {total} lines, {kills} kills: every line arrived; {duplicates} arrived twice "
              f"({100.0 * duplicates / total:.2f}%)")
        code = agent.stop()
        check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")


def test_receiver_down_for_a_minute(binary, workdir):
    """The receiver refuses connections for 60 s while lines keep coming: nothing is lost, the
    sink reports itself failing with its circuit open, RSS stays bounded, and all arrive after."""
    down_seconds = max(12, int(60 * min(1.0, SCALE_FACTOR)))
    per_second = scaled(5000, minimum=1000)
    # Under the sanitizers (scaled runs) RSS measures ASan's shadow memory and its quarantine of
    # freed blocks (256 MiB by default), not what the agent holds: the bound there only catches a
    # runaway.
    rss_bound_kib = (150 if SCALE_FACTOR >= 1.0 else 512) * 1024
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = http_agent(binary, workdir, rx)
        agent.start()
        path = os.path.join(indir, "app.log")
        write_lines(path, "s", 0, 1000)
        wait_all_arrived(rx, {"s": 1000}, 30, agent)
        rx.control(mode="refuse")
        written = 1000
        peak_rss = 0
        saw_open = False
        started = time.monotonic()
        while time.monotonic() - started < down_seconds:
            write_lines(path, "s", written, per_second // 4)
            written += per_second // 4
            peak_rss = max(peak_rss, rss_kib(agent.proc.pid))
            status, body = agent.get("/health")
            if status == 503 and '"circuit":"open"' in body:
                saw_open = True
            time.sleep(0.25)
        check(saw_open, "the sink never showed as failing with an open circuit in /health during the outage")
        buffered = agent.metric("log_capturer_buffer_size_bytes", {"sink": "http"})
        check(buffered and buffered > 0, f"nothing waited in the disk buffer for the sink (got {buffered})")
        check(peak_rss < rss_bound_kib, f"peak RSS {peak_rss} KiB over the bound {rss_bound_kib} KiB")
        rx.control(mode="ok")
        wait_all_arrived(rx, {"s": written}, 120, agent)
        wait_until(lambda: agent.get("/health")[0] == 200, 30, "/health to be healthy again")
        print(f"    {down_seconds}s down, {written} lines, peak RSS {peak_rss // 1024} MiB (bound "
              f"{rss_bound_kib // 1024} MiB), buffered at the end of the outage {int(buffered)} bytes")
        code = agent.stop()
        check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")


def test_500_429_and_poison_lines_go_to_the_dlq(binary, workdir):
    """Intermittent 500s and 429 with Retry-After lose nothing; 400 for chosen lines puts exactly
    those in the DLQ with their reason; a replay delivers them once the receiver accepts them."""
    total = scaled(20000, minimum=4000)
    poison_every = 997
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = http_agent(binary, workdir, rx)
        agent.start()
        rx.control(status=500, every=3)
        rx.control(reject_substring="POISON")
        write_lines(os.path.join(indir, "app.log"), "s", 0, total // 2, tag_every=poison_every, tag="POISON ")
        time.sleep(1.0)
        rx.control(status=429, retry_after="1", count=5)
        rx.control(reject_substring="POISON")
        write_lines(os.path.join(indir, "app.log"), "s", total // 2, total - total // 2, tag_every=poison_every,
                    tag="POISON ")
        poison = {("s", i) for i in range(total) if i % poison_every == 0}
        clean = {"s": total}

        def all_clean_arrived():
            seen = arrived(rx)
            return all((("s", i) in seen) for i in range(total) if ("s", i) not in poison)

        wait_until(all_clean_arrived, 120, "every clean line at the receiver", interval=0.5)
        seen = arrived(rx)
        leaked = [k for k in poison if k in seen]
        check(not leaked, f"poison lines reached the receiver: {leaked[:5]}")
        status, body = agent.get("/api/v1/dlq")
        check(status == 200, f"GET /api/v1/dlq -> {status} {body}")
        dlq = json.loads(body)
        wait_until(lambda: json.loads(agent.get("/api/v1/dlq")[1])["store"]["entries"] >= len(poison), 30,
                   f"{len(poison)} entries in the DLQ")
        dlq = json.loads(agent.get("/api/v1/dlq")[1])
        check(dlq["store"]["entries"] == len(poison), f"DLQ holds {dlq['store']['entries']}, expected {len(poison)}")
        check(dlq["store"]["by_sink"]["http"].get("bad_request") == len(poison), f"DLQ by reason: {dlq}")
        metric = agent.metric("log_capturer_dlq_entries_total", {"sink": "http", "reason": "bad_request"})
        check(metric == len(poison), f"log_capturer_dlq_entries_total = {metric}, expected {len(poison)}")
        retries = agent.metric("log_capturer_logs_sent_total", {"sink": "http", "status": "retry"})
        check(retries and retries > 0, "no retries were counted despite 500s and 429s")
        for code in ("500", "429", "400", "200"):
            counted = agent.metric("log_capturer_sink_requests_total", {"sink": "http", "code": code})
            check(counted and counted > 0, f"log_capturer_sink_requests_total{{code={code}}} = {counted}")
        # A DLQ entry names the sink, the reason and the server's text.
        files = [f for f in os.listdir(os.path.join(agent.data_dir, "dlq")) if f.endswith(".ndjson")]
        with open(os.path.join(agent.data_dir, "dlq", sorted(files)[0])) as f:
            entry = json.loads(f.readline())
        check(entry["sink"] == "http" and entry["reason"] == "bad_request" and "POISON" in entry["error"]
              and "POISON" in entry["event"]["message"], f"DLQ entry: {entry}")

        # The receiver is fixed: replay the DLQ.
        rx.control(mode="ok")
        status, body = agent.request("POST", "/api/v1/dlq/replay", json.dumps({"sink": "http"}).encode(),
                                     {"Content-Type": "application/json"})
        check(status == 202, f"POST /api/v1/dlq/replay -> {status} {body}")
        wait_until(lambda: json.loads(agent.get("/api/v1/dlq")[1])["store"]["entries"] == 0, 60,
                   "the DLQ to be empty after the replay")
        wait_all_arrived(rx, clean, 60, agent)
        _, duplicates = missing_and_duplicates(arrived(rx), clean)
        print(f"    {total} lines, {len(poison)} poison lines in the DLQ then replayed; {int(retries)} retried "
              f"event deliveries; {duplicates} duplicates")
        code = agent.stop()
        check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")


def test_disk_full_under_the_buffer(binary, workdir):
    """The buffer's file system fills up: no crash, a clear error in /health, sources paused,
    and every line delivered once space returns."""
    mount = os.path.join(workdir, "small-fs")
    os.makedirs(mount)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount], capture_output=True, text=True)
    check(result.returncode == 0, f"cannot mount a small tmpfs for the disk-full test (needs root): {result.stderr}")
    try:
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (6 * 1024 * 1024))
        total = 60000  # ~7 MiB of lines: more than the 2 MiB left
        with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
            agent, indir = http_agent(binary, workdir, rx, extra={
                "disk_buffer": {"enabled": True, "directory": os.path.join(mount, "buffer"),
                                "max_file_size": "1MiB", "max_total_size": "1GiB", "sync_interval": "50ms"}})
            agent.start()
            rx.control(mode="refuse")
            write_lines(os.path.join(indir, "app.log"), "s", 0, total)

            def degraded():
                status, body = agent.get("/health")
                return status == 503 and "disk_buffer" in body and "No space left" in body

            wait_until(degraded, 60, "/health to report the full disk")
            check(agent.alive(), "the agent died on a full disk")
            errors = agent.metric("log_capturer_buffer_write_errors_total")
            check(errors and errors > 0, f"log_capturer_buffer_write_errors_total = {errors}")
            # Space returns, and so does the receiver.
            os.remove(filler)
            rx.control(mode="ok")
            wait_all_arrived(rx, {"s": total}, 120, agent)
            wait_until(lambda: agent.get("/health")[0] == 200, 30, "/health to be healthy again")
            code = agent.stop()
            check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")
    finally:
        subprocess.run(["umount", "-l", mount], capture_output=True)


def test_corrupt_buffer_is_counted_and_the_rest_delivered(binary, workdir):
    """Flipped bytes in a buffer segment: `buffer check` names the file and offset, the agent
    starts, counts the bad record and delivers the rest; `buffer repair` leaves a clean buffer."""
    total = scaled(20000, minimum=5000)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = http_agent(binary, workdir, rx, extra={"app": {"shutdown_timeout": "1s"}})
        agent.start()
        rx.control(mode="refuse")
        write_lines(os.path.join(indir, "app.log"), "s", 0, total)
        wait_until(lambda: agent.metric("log_capturer_buffer_size_bytes", {"sink": "http"}) and
                   json.loads(agent.get("/api/v1/stats")[1])["buffers"]["events_appended"] >= total, 60,
                   "every line in the disk buffer")
        code = agent.stop()
        check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")

        buffer_dir = os.path.join(agent.data_dir, "buffer")
        segments = sorted(f for f in os.listdir(buffer_dir) if f.endswith(".wal"))
        check(segments, f"no segment in {buffer_dir}: {os.listdir(buffer_dir)}")
        victim = os.path.join(buffer_dir, segments[0])
        size = os.path.getsize(victim)
        check(size > 100000, f"segment {victim} is only {size} bytes")
        with open(victim, "r+b") as f:
            f.seek(size // 2)
            byte = f.read(1)
            f.seek(size // 2)
            f.write(bytes([byte[0] ^ 0xFF]))
        pristine = os.path.join(workdir, "buffer-copy")
        shutil.copytree(buffer_dir, pristine)

        check_run = subprocess.run([binary, "buffer", "check", buffer_dir], capture_output=True, text=True)
        check(check_run.returncode == 1, f"buffer check exit {check_run.returncode}: {check_run.stdout}{check_run.stderr}")
        check(segments[0] in check_run.stdout, f"buffer check does not name {segments[0]}:\n{check_run.stdout}")

        rx.control(mode="ok")
        agent.start()
        expected = {"s": total}

        def most_arrived():
            return rx.stats()["lines"] >= total - 2000

        wait_until(most_arrived, 60, "the undamaged lines at the receiver")
        time.sleep(1.0)
        corrupt = agent.metric("log_capturer_buffer_corrupt_records_total")
        check(corrupt and corrupt >= 1, f"log_capturer_buffer_corrupt_records_total = {corrupt}")
        missing, _ = missing_and_duplicates(arrived(rx), expected)
        check(len(missing) <= 2000, f"{len(missing)} lines missing: more than one damaged record's worth")
        print(f"    {total} lines buffered, one byte flipped: {len(missing)} lines in the damaged record(s) "
              f"counted lost, {corrupt:.0f} corrupt record(s) counted, the rest delivered")
        code = agent.stop()
        check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")

        repair = subprocess.run([binary, "buffer", "repair", pristine], capture_output=True, text=True)
        check(repair.returncode == 0, f"buffer repair exit {repair.returncode}: {repair.stdout}{repair.stderr}")
        recheck = subprocess.run([binary, "buffer", "check", pristine], capture_output=True, text=True)
        check(recheck.returncode == 0, f"buffer check after repair exit {recheck.returncode}: {recheck.stdout}")


def test_shutdown_keeps_the_rest_for_the_next_start(binary, workdir):
    """SIGTERM while the receiver is down: exit 0 within the shutdown timeout, and what was not
    delivered goes out after the next start."""
    total = scaled(10000, minimum=2000)
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, indir = http_agent(binary, workdir, rx, extra={"app": {"shutdown_timeout": "2s"}})
        agent.start()
        rx.control(mode="refuse")
        write_lines(os.path.join(indir, "app.log"), "s", 0, total)
        wait_until(lambda: json.loads(agent.get("/api/v1/stats")[1])["buffers"]["events_appended"] >= total, 60,
                   "every line in the disk buffer")
        started = time.monotonic()
        code = agent.stop()
        took = time.monotonic() - started
        check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")
        check(took < 10, f"stopping took {took:.1f}s with shutdown_timeout 2s")
        check(rx.stats()["lines"] == 0, "lines arrived while the receiver refused connections")
        rx.control(mode="ok")
        agent.start()
        wait_all_arrived(rx, {"s": total}, 60, agent)
        code = agent.stop()
        check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")


def test_http_ingest_answers_202_once_durable(binary, workdir):
    """With the disk buffer on, POST /api/v1/logs answers 202 only once the events are durable in
    the buffer, even while the sink is down; they are delivered when it is back."""
    with Receiver(SUITE.args.receiver, os.path.join(workdir, "rx")) as rx:
        agent, _ = http_agent(binary, workdir, rx)
        agent.start()
        rx.control(mode="refuse")
        body = "\n".join(json.dumps({"message": f"h {i:09d} {PAYLOAD}"}) for i in range(500)).encode()
        for _ in range(4):
            status, text = agent.request("POST", "/api/v1/logs", body, {"Content-Type": "application/x-ndjson"})
            check(status == 202, f"POST /api/v1/logs -> {status} {text}")
            answer = json.loads(text)
            check(answer.get("durable") is True and answer.get("accepted") == 500, f"answer: {answer}")
        rx.control(mode="ok")
        wait_until(lambda: rx.stats()["lines"] >= 2000, 60, "the 2000 ingested events at the receiver")
        code = agent.stop()
        check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")


SCALE_FACTOR = float(os.environ.get("LOGCAP_E2E_SCALE", "1.0"))

if __name__ == "__main__":
    SUITE = Suite("delivery")
    if not SUITE.args.receiver:
        print("FAIL: --receiver (the http-receiver binary) is required")
        raise SystemExit(1)
    for test in (test_http_ingest_answers_202_once_durable, test_500_429_and_poison_lines_go_to_the_dlq, test_shutdown_keeps_the_rest_for_the_next_start,
                 test_corrupt_buffer_is_counted_and_the_rest_delivered, test_disk_full_under_the_buffer,
                 test_receiver_down_for_a_minute, test_kill9_at_random_moments_with_rotation):
        SUITE.run(test)
    SUITE.finish()
