"""Self-test of the http-receiver test peer and its driver (receiver.py): bodies are counted and
stored exactly, every fault mode does what the e2e tests will rely on, and it exits 0 on SIGTERM."""
import gzip
import http.client
import json
import os
import socket
import subprocess
import threading
import time

from harness import Suite, check, free_port, wait_until
from receiver import Receiver, port_refuses

RECEIVER = None  # set from --receiver in __main__


def receiver(workdir, **kwargs):
    return Receiver(RECEIVER, workdir, **kwargs)


def post(rx, body, path="/logs", headers=None, conn=None):
    """POSTs to the data port; returns (status, headers dict with lower-case names, body text)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(rx.host, rx.data_port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers or {})
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text
    finally:
        if own:
            conn.close()


def post_gzip(rx, text, path="/logs", conn=None):
    return post(rx, gzip.compress(text.encode()), path, {"Content-Encoding": "gzip"}, conn)


def ndjson(prefix, n):
    return "".join(json.dumps({"msg": f"{prefix} {i}", "seq": i}) + "\n" for i in range(n))


def test_plain_and_gzip_bodies_are_counted_and_stored(binary, workdir):
    with receiver(workdir) as rx:
        status, _, body = post(rx, b"a\nb\nc")  # no trailing newline: still 3 lines
        check((status, json.loads(body)) == (200, {"accepted": 3}), f"plain: {status} {body}")
        status, _, body = post(rx, b"d\ne\n")  # a trailing newline is not a line
        check(json.loads(body) == {"accepted": 2}, f"trailing newline: {body}")
        status, _, body = post(rx, b"")
        check((status, json.loads(body)) == (200, {"accepted": 0}), f"empty body: {status} {body}")
        big = ndjson("gz", 1000)
        big_gz = gzip.compress(big.encode())
        status, _, body = post(rx, big_gz, "/api/v1/push", {"Content-Encoding": "gzip"})
        check((status, json.loads(body)) == (200, {"accepted": 1000}), f"gzip: {status} {body}")
        # Two concatenated gzip members are one valid gzip body.
        two = gzip.compress(b"m1\n") + gzip.compress(b"m2\n")
        status, _, body = post(rx, two, headers={"Content-Encoding": "GZIP"})
        check(json.loads(body) == {"accepted": 2}, f"two gzip members: {status} {body}")

        expected = ["a", "b", "c", "d", "e"] + big.splitlines() + ["m1", "m2"]
        lines = rx.lines()
        check(lines == expected, f"stored lines differ: {len(lines)} vs {len(expected)}; head {lines[:6]}")
        check([json.loads(x)["seq"] for x in lines[5:1005]] == list(range(1000)), "gzip lines stored in order")
        s = rx.stats()
        wire = len(b"a\nb\nc") + len(b"d\ne\n") + len(big_gz) + len(two)
        check(s["requests"] == 5 and s["lines"] == 1007, f"requests/lines: {s}")
        check(s["bytes_decoded"] == 5 + 4 + len(big) + 6, f"bytes_decoded {s['bytes_decoded']}")
        check(s["bytes_wire"] == wire, f"bytes_wire {s['bytes_wire']} vs {wire}")
        check(s["by_status"] == {"200": 5}, f"by_status {s['by_status']}")
        check(s["by_path"] == {"/logs": 4, "/api/v1/push": 1}, f"by_path {s['by_path']}")
        check(s["by_encoding"] == {"identity": 3, "gzip": 2}, f"by_encoding {s['by_encoding']}")
        check(s["mode"] == "ok" and s["data_port"] == rx.data_port, f"mode/port {s}")
        for key in ("requests", "lines", "bytes_wire", "bytes_decoded", "delay_ms_total", "by_status",
                    "by_path", "by_encoding", "mode", "faults"):
            check(key in s, f"stats has {key}")


def test_bytes_wire_is_exact(binary, workdir):
    with receiver(workdir) as rx:
        bodies = [b"x\n" * 10, gzip.compress(ndjson("w", 50).encode()), b"y"]
        post(rx, bodies[0])
        post(rx, bodies[1], headers={"Content-Encoding": "gzip"})
        post(rx, bodies[2])
        s = rx.stats()
        check(s["bytes_wire"] == sum(len(b) for b in bodies), f"bytes_wire {s['bytes_wire']}")
        check(s["lines"] == 61, f"lines {s['lines']}")


def test_large_gzip_bodies_decode_fully(binary, workdir):
    with receiver(workdir) as rx:
        big = "".join(f"{i:08d} " + "x" * 91 + "\n" for i in range(20000))  # 2 MB
        # The first member is large and the last one tiny, so the size hint in the gzip trailer is
        # wrong and the decode buffer must grow while inflating.
        body = gzip.compress(big.encode()) + gzip.compress(b"tail\n")
        status, _, text = post(rx, body, headers={"Content-Encoding": "gzip"})
        check((status, json.loads(text)) == (200, {"accepted": 20001}), f"{status} {text}")
        lines = rx.lines()
        check(lines == big.splitlines() + ["tail"], f"stored {len(lines)} lines, last {lines[-2:]}")
        check(rx.stats()["bytes_decoded"] == len(big) + 5, f"bytes_decoded {rx.stats()['bytes_decoded']}")


def test_bad_gzip_is_400_and_stores_nothing(binary, workdir):
    with receiver(workdir) as rx:
        good = gzip.compress(b"one\ntwo\n")
        for label, body in (("not gzip", b"plain text\n"), ("truncated", good[:-6]),
                            ("trailing garbage", good + b"garbage"), ("empty", b"")):
            status, _, text = post(rx, body, headers={"Content-Encoding": "gzip"})
            check(status == 400 and "bad gzip" in text, f"{label}: {status} {text}")
        s = rx.stats()
        check(s["by_status"] == {"400": 4} and s["lines"] == 0, f"stats {s}")
        check(rx.lines() == [], "nothing stored")
        status, _, _ = post(rx, good, headers={"Content-Encoding": "gzip"})
        check(status == 200 and rx.lines() == ["one", "two"], "a good gzip body after bad ones is accepted")


def test_refuse_then_ok_on_the_same_port(binary, workdir):
    with receiver(workdir) as rx:
        port = rx.data_port
        conn = http.client.HTTPConnection(rx.host, port, timeout=10)
        status, _, _ = post(rx, b"before\n", conn=conn)
        check(status == 200, "keep-alive connection works before refuse")
        settings = rx.control(mode="refuse")
        check(settings["mode"] == "refuse", f"control answer {settings}")
        check(port_refuses(rx.host, port), "a new connection is refused")
        try:
            post(rx, b"on-old-connection\n", conn=conn)
            check(False, "the open keep-alive connection should have been closed")
        except (ConnectionError, http.client.HTTPException, socket.timeout, OSError):
            pass
        conn.close()
        check(rx.stats()["mode"] == "refuse", "stats say refuse")
        settings = rx.control(mode="ok")
        check(settings["mode"] == "ok", f"control answer {settings}")
        check(rx.stats()["data_port"] == port, "same data port")
        status, _, _ = post(rx, b"after\n")
        check(status == 200, f"accepted again on port {port}: {status}")
        check(rx.lines() == ["before", "after"], f"stored {rx.lines()}")
        # Refuse twice and ok twice are harmless.
        rx.control(mode="refuse")
        rx.control(mode="refuse")
        rx.control(mode="ok")
        rx.control(mode="ok")
        check(post(rx, b"again\n")[0] == 200, "still serving after repeated refuse/ok")


def test_status_with_count_then_back_to_normal(binary, workdir):
    with receiver(workdir) as rx:
        settings = rx.control(status=500, count=2)
        check(settings["status"] == 500 and settings["count"] == 2, f"control answer {settings}")
        results = [post(rx, f"line {i}\n".encode())[0] for i in range(4)]
        check(results == [500, 500, 200, 200], f"statuses {results}")
        check(rx.lines() == ["line 2", "line 3"], f"failed requests store nothing: {rx.lines()}")
        s = rx.stats()
        check(s["lines"] == 2 and s["requests"] == 4 and s["by_status"] == {"500": 2, "200": 2}, f"stats {s}")
        check(s["faults"]["status"] == 0, "the fault is over after count requests")
        # Without count: until changed.
        rx.control(status=503)
        check([post(rx, b"z\n")[0] for _ in range(5)] == [503] * 5, "503 until changed")
        rx.control(mode="ok")
        check(post(rx, b"z\n")[0] == 200, "mode ok clears it")


def test_429_and_503_carry_retry_after(binary, workdir):
    with receiver(workdir) as rx:
        rx.control(status=429, retry_after="2")
        status, headers, text = post(rx, b"x\n")
        check(status == 429 and headers.get("retry-after") == "2", f"429: {status} {headers}")
        check("429" in text, f"body {text}")
        rx.control(status=503, retry_after=7, count=1)
        status, headers, _ = post(rx, b"x\n")
        check(status == 503 and headers.get("retry-after") == "7", f"503: {status} {headers}")
        rx.control(status=503, count=1)
        status, headers, _ = post(rx, b"x\n")
        check(status == 503 and "retry-after" not in headers, f"503 without retry_after: {headers}")
        check(post(rx, b"x\n")[0] == 200, "back to 200")
        check(rx.lines() == ["x"], f"only the accepted request is stored: {rx.lines()}")


def test_every_kth_request(binary, workdir):
    with receiver(workdir) as rx:
        rx.control(status=503, every=3)
        results = [post(rx, f"{i}\n".encode())[0] for i in range(1, 10)]
        check(results == [200, 200, 503] * 3, f"every 3rd: {results}")
        check(rx.lines() == [str(i) for i in range(1, 10) if i % 3], f"stored {rx.lines()}")
        rx.control(status=500, every=2, count=2)
        results = [post(rx, b"k\n")[0] for _ in range(7)]
        check(results == [200, 500, 200, 500, 200, 200, 200], f"every 2nd, twice: {results}")


def test_any_status_code(binary, workdir):
    with receiver(workdir) as rx:
        for code in (401, 403, 413, 418, 502):
            rx.control(status=code, count=1)
            status, _, _ = post(rx, b"s\n")
            check(status == code, f"{code}: got {status}")
        check(rx.lines() == [], "no failed request stored")
        # A 2xx is a success: stored and counted, answered with that code.
        rx.control(status=202, count=1)
        status, _, text = post(rx, b"ok1\nok2\n")
        check(status == 202 and json.loads(text) == {"accepted": 2}, f"202: {status} {text}")
        rx.control(status=204, count=1)
        check(post(rx, b"ok3\n")[0] == 204, "204")
        check(rx.lines() == ["ok1", "ok2", "ok3"], f"2xx stored: {rx.lines()}")
        s = rx.stats()
        check(s["by_status"] == {"401": 1, "403": 1, "413": 1, "418": 1, "502": 1, "202": 1, "204": 1},
              f"by_status {s['by_status']}")


def test_reject_substring_rejects_the_whole_request(binary, workdir):
    with receiver(workdir) as rx:
        rx.control(reject_substring="POISON")
        lines = [f"line {i}" for i in range(1, 31)]
        lines[16] = "line 17 has POISON in it"
        lines[20] = "line 21 POISON too"
        status, _, text = post(rx, ("\n".join(lines) + "\n").encode())
        check(status == 400, f"status {status}")
        error = json.loads(text)["error"]
        check("line 17" in error and "POISON" in error, f"names the first bad line: {error}")
        status, _, text = post_gzip(rx, "fine\nPOISON first\n")
        check(status == 400 and "line 2" in text, f"gzip body checked after decoding: {status} {text}")
        status, _, _ = post(rx, b"clean 1\nclean 2\n")
        check(status == 200, "a clean request is accepted")
        check(rx.lines() == ["clean 1", "clean 2"], f"nothing of the rejected requests stored: {rx.lines()}")
        s = rx.stats()
        check(s["lines"] == 2 and s["by_status"] == {"400": 2, "200": 1}, f"stats {s}")
        rx.control(reject_substring=None)
        check(post(rx, b"POISON ok now\n")[0] == 200, "cleared with null")


def test_delay_and_control_stays_responsive(binary, workdir):
    with receiver(workdir) as rx:
        rx.control(delay_ms=300)
        started = time.monotonic()
        status, _, _ = post(rx, b"slow\n")
        took = time.monotonic() - started
        check(status == 200 and took >= 0.29, f"delayed answer: {status} after {took:.3f}s")
        check(rx.stats()["delay_ms_total"] >= 290, f"delay_ms_total {rx.stats()['delay_ms_total']}")
        # A long delay on the data server must not hold up the control server.
        rx.control(delay_ms=2000)
        result = {}
        t = threading.Thread(target=lambda: result.update(r=post(rx, b"very slow\n")))
        t.start()
        wait_until(lambda: rx.stats()["requests"] == 2, 5, "the slow request to arrive")
        started = time.monotonic()
        rx.stats()
        rx.control(delay_ms=0)
        took = time.monotonic() - started
        check(took < 0.5, f"control answered in {took:.3f}s while a data request was delayed")
        t.join(10)
        check(result.get("r", (0,))[0] == 200, f"the delayed request completed: {result}")
        check(rx.lines() == ["slow", "very slow"], f"stored {rx.lines()}")
        started = time.monotonic()
        post(rx, b"fast\n")
        check(time.monotonic() - started < 0.25, "delay_ms 0 removes the delay")


def test_refuse_interrupts_a_delayed_request(binary, workdir):
    with receiver(workdir) as rx:
        rx.control(delay_ms=5000)
        result = {}

        def slow():
            try:
                result["r"] = post(rx, b"doomed\n")
            except (ConnectionError, http.client.HTTPException, OSError) as e:
                result["r"] = e

        t = threading.Thread(target=slow)
        t.start()
        wait_until(lambda: rx.stats()["requests"] == 1, 5, "the delayed request to arrive")
        started = time.monotonic()
        rx.control(mode="refuse")
        check(time.monotonic() - started < 2, "refuse does not wait out the delay")
        t.join(10)
        r = result.get("r")
        check(isinstance(r, Exception) or r[0] == 503, f"the delayed request failed: {r}")
        check(rx.lines() == [] and rx.stats()["lines"] == 0, "nothing of it stored")
        rx.control(mode="ok")
        check(post(rx, b"fine\n")[0] == 200, "serving again, without the delay")


def test_reset_zeroes_counters_and_store(binary, workdir):
    with receiver(workdir) as rx:
        post(rx, b"1\n2\n")
        rx.control(status=500, count=1)
        post(rx, b"3\n")
        rx.control(reject_substring="BAD")
        rx.reset()
        s = rx.stats()
        check(s["requests"] == 0 and s["lines"] == 0 and s["bytes_wire"] == 0 and s["bytes_decoded"] == 0,
              f"counters zero: {s}")
        check(s["by_status"] == {} and s["by_path"] == {} and s["by_encoding"] == {}, f"maps empty: {s}")
        check(rx.lines() == [] and os.path.getsize(rx.store_path) == 0, "store truncated")
        check(s["faults"]["reject_substring"] == "BAD", "faults are kept by reset")
        post(rx, b"after reset\n")
        check(rx.lines() == ["after reset"], f"appends after truncation start at 0: {rx.lines()}")
        check(rx.wait_lines(1, 5) and not rx.wait_lines(2, 0.2), "wait_lines sees exactly one line")


def test_control_validates_requests(binary, workdir):
    with receiver(workdir) as rx:
        for body in ({"statu": 500}, {"status": 700}, {"status": "500"}, {"mode": "maybe"}, {"count": 3},
                     {"status": 500, "count": 0}, {"delay_ms": -1}, {"reject_substring": 5}):
            try:
                answer = rx.control(**body)
            except AssertionError as e:
                check("-> 400" in str(e), f"{body}: {e}")
            else:
                check(False, f"{body} should be refused, got {answer}")
        conn = http.client.HTTPConnection(rx.host, rx.control_port, timeout=10)
        conn.request("POST", "/_control", body=b"{not json")
        resp = conn.getresponse()
        check(resp.status == 400, f"bad JSON -> {resp.status}")
        resp.read()
        conn.close()
        s = rx.stats()
        check(s["faults"]["status"] == 0 and s["mode"] == "ok", f"nothing applied: {s['faults']}")
        # Several fields at once; mode ok clears everything first.
        f = rx.control(status=503, retry_after="1", reject_substring="X", delay_ms=10)
        check((f["status"], f["retry_after"], f["reject_substring"], f["delay_ms"]) == (503, "1", "X", 10), f"{f}")
        f = rx.control(mode="ok")
        check((f["status"], f["retry_after"], f["reject_substring"], f["delay_ms"]) == (0, "", "", 0), f"{f}")


def test_paths_and_options(binary, workdir):
    with receiver(workdir, paths=["/custom/push"], max_body_bytes=1000) as rx:
        check(post(rx, b"p\n", path="/custom/push")[0] == 200, "--path is served")
        check(post(rx, b"p\n", path="/custom/push?tenant=a")[0] == 200, "the query string is ignored")
        check(post(rx, b"p\n", path="/logs")[0] == 404, "--path replaces the default paths")
        check(post(rx, b"x" * 2000, path="/custom/push")[0] == 413, "--max-body-bytes")
        check(rx.stats()["by_path"] == {"/custom/push": 2}, f"by_path {rx.stats()['by_path']}")
    with receiver(os.path.join(workdir, "nostore"), store=False) as rx:
        check(post(rx, b"a\n")[0] == 200 and rx.stats()["lines"] == 1, "works without a store")
        check(not os.path.exists(os.path.join(workdir, "nostore", "receiver.store")), "no store file")


def test_sigterm_exits_zero_with_busy_connections(binary, workdir):
    rx = receiver(workdir).start()
    try:
        idle = http.client.HTTPConnection(rx.host, rx.data_port, timeout=10)
        post(rx, b"k\n", conn=idle)  # an idle keep-alive connection stays open
        rx.control(delay_ms=10000)
        t = threading.Thread(target=lambda: post_swallow(rx))
        t.start()
        wait_until(lambda: rx.stats()["requests"] == 2, 5, "the delayed request to arrive")
        started = time.monotonic()
        code = rx.stop(check_exit=False)
        took = time.monotonic() - started
        check(code == 0, f"exit code {code} after SIGTERM:\n{rx.log_tail()}")
        check(took < 5, f"stopped in {took:.1f}s despite a 10 s delay")
        t.join(10)
        idle.close()
    finally:
        rx.stop(check_exit=False)
    # SIGINT too.
    rx = receiver(os.path.join(workdir, "int")).start()
    rx.proc.send_signal(2)
    check(rx.stop(check_exit=False) == 0, "exit 0 on SIGINT")


def post_swallow(rx):
    try:
        post(rx, b"slow\n")
    except (ConnectionError, http.client.HTTPException, OSError):
        pass


def test_start_failures_are_clear(binary, workdir):
    try:
        Receiver(os.path.join(workdir, "no-such-binary"), workdir).start()
        check(False, "a missing binary must fail")
    except AssertionError as e:
        check("not found" in str(e), f"message: {e}")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([RECEIVER, "--port", str(port)], capture_output=True, timeout=20)
        check(proc.returncode != 0 and proc.stdout == b"", f"busy port: exit {proc.returncode}, {proc.stdout!r}")
        check(str(port) in proc.stderr.decode(), f"stderr names the port: {proc.stderr!r}")
    proc = subprocess.run([RECEIVER, "--bogus", "1"], capture_output=True, timeout=20)
    check(proc.returncode == 2 and b"unknown option" in proc.stderr, f"bad option: {proc.returncode} {proc.stderr!r}")
    proc = subprocess.run([RECEIVER, "--control-port", str(free_port()), "--store", "/nonexistent-dir/x"],
                          capture_output=True, timeout=20)
    check(proc.returncode == 1 and b"store" in proc.stderr, f"bad store: {proc.returncode} {proc.stderr!r}")


if __name__ == "__main__":
    suite = Suite("receiver_selftest")
    RECEIVER = suite.args.receiver
    if not RECEIVER or not os.path.isfile(RECEIVER):
        print(f"FAIL: --receiver {RECEIVER!r} is not a file (build the http-receiver target)")
        raise SystemExit(1)
    for t in (test_plain_and_gzip_bodies_are_counted_and_stored, test_bytes_wire_is_exact,
              test_large_gzip_bodies_decode_fully, test_bad_gzip_is_400_and_stores_nothing, test_refuse_then_ok_on_the_same_port,
              test_status_with_count_then_back_to_normal, test_429_and_503_carry_retry_after,
              test_every_kth_request, test_any_status_code, test_reject_substring_rejects_the_whole_request,
              test_delay_and_control_stays_responsive, test_refuse_interrupts_a_delayed_request,
              test_reset_zeroes_counters_and_store, test_control_validates_requests, test_paths_and_options,
              test_sigterm_exits_zero_with_busy_connections, test_start_failures_are_clear):
        suite.run(t)
    suite.finish()
