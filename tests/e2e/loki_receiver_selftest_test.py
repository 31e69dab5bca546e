"""Self-test of the http-receiver as a Loki push receiver (tests/tools/loki_*.cpp) and of its
Python side (receiver.py's Loki helpers, loki_wire.py's encoders): what a Loki sink's e2e tests and
benchmarks rely on. Every expectation below is Loki's documented or observed behaviour: decoding,
tenants, label syntax, the distributor's and the ingester's checks with their exact messages,
partial acceptance, duplicates, and the fault controls on the Loki path."""
import gzip
import http.client
import os
import re
import time

from harness import Suite, check
from loki_wire import (PUSH_PATH, canonical_labels, go_rfc3339, go_time_string, json_push, protobuf_push,
                       snappy_block, encode_push_request)
from receiver import Receiver

RECEIVER = None  # set from --receiver in __main__
S = 10**9  # nanoseconds per second


def receiver(workdir, **kwargs):
    return Receiver(RECEIVER, workdir, **kwargs)


def base_ts():
    """A recent timestamp with a fraction (so messages show one): within Loki's acceptance."""
    return (time.time_ns() // S - 600) * S + 123456789


def expect(result, status, body=None, what=""):
    got_status, headers, text = result
    check(got_status == status, f"{what}: status {got_status}, wanted {status}; body: {text!r}")
    if body is not None:
        check(text == body, f"{what}: body differs\n--- got ---\n{text}\n--- wanted ---\n{body}")
    return headers, text


def ingester_message(tenant, labels, refused, total):
    """Loki's ingester answer: refused = [(ts, reason), ...] (all of them; at most 10 are listed)."""
    lines = "".join(f"entry with timestamp {go_time_string(ts)} ignored, reason: '{reason}',\n"
                    for ts, reason in refused[:10])
    return lines + f"user '{tenant}', total ignored: {len(refused)} out of {total} for stream: {labels}"


def too_far_behind(ts, newest, window_s=3600):
    return (f"entry too far behind, entry timestamp is: {go_rfc3339(ts)}, "
            f"oldest acceptable timestamp is: {go_rfc3339(newest - window_s * S)}")


def test_protobuf_push_is_stored_with_labels_metadata_and_tenant(binary, workdir):
    with receiver(workdir) as rx:
        t = base_ts()
        streams = [
            # Spaces around tokens, unsorted names, an empty value (dropped, as in Loki).
            (' { level = "info" , job="app", empty="" } ', [(t, "first line", {"trace_id": "abc", "user": "u1"}),
                                                         (t + 1, "second line")]),
            ('{job="app", path="C:\\\\dir\\"x\\"", tab="a\\tb\\u00e9\\x41\\101"}', [(t + 2, 'quote " and \\ and é')]),
        ]
        headers = expect(rx.loki_push(*protobuf_push(streams, tenant="team-a")), 204, "", "protobuf push")[0]
        check("content-type" not in headers, f"204 has no Content-Type: {headers}")
        entries = rx.loki_entries()
        wanted = [
            {"tenant": "team-a", "labels": '{job="app", level="info"}', "ts": t, "line": "first line",
             "metadata": {"trace_id": "abc", "user": "u1"}, "format": "protobuf"},
            {"tenant": "team-a", "labels": '{job="app", level="info"}', "ts": t + 1, "line": "second line",
             "metadata": {}, "format": "protobuf"},
            {"tenant": "team-a", "labels": '{job="app", path="C:\\\\dir\\"x\\"", tab="a\\tbéAA"}', "ts": t + 2,
             "line": 'quote " and \\ and é', "metadata": {}, "format": "protobuf"},
        ]
        check(entries == wanted, f"stored entries differ:\n{entries}\nwanted\n{wanted}")
        s = rx.stats()
        loki = s["loki"]
        check(s["lines"] == 3 and rx.wait_lines(3, 1), f"lines counts accepted entries: {s['lines']}")
        check((loki["pushes"], loki["entries"], loki["streams"], loki["duplicates"]) == (1, 3, 2, 0), f"{loki}")
        check(loki["by_format"] == {"protobuf": 1, "json": 0} and loki["tenants"] == {"team-a": 3}, f"{loki}")
        check(all(v == 0 for v in loki["refused"].values()), f"nothing refused: {loki['refused']}")
        check(loki["order_violations_in_push"] == 0 and loki["duplicate_streams_in_push"] == 0, f"{loki}")
        check(s["by_status"] == {"204": 1} and s["by_path"] == {PUSH_PATH: 1}, f"{s}")
        body = protobuf_push(streams)[0]
        check(s["bytes_wire"] == len(body), f"bytes_wire {s['bytes_wire']} vs {len(body)}")
        check(s["bytes_decoded"] == len(encode_push_request(streams)), f"bytes_decoded {s['bytes_decoded']}")
        # A big push crosses the snappy literal sizes and the arena's first block.
        big = [('{job="big"}', [(t + i, f"{i:06d} " + "x" * 193) for i in range(5000)])]
        expect(rx.loki_push(*protobuf_push(big)), 204, "", "big protobuf push")
        got = [e for e in rx.loki_entries() if e["labels"] == '{job="big"}']
        check([e["line"] for e in got] == [line for _, line in big[0][1]], "big push stored in order")
        check(rx.loki_stats()["tenants"] == {"team-a": 3, "fake": 5000}, f"{rx.loki_stats()['tenants']}")


def test_json_and_gzip_json_pushes(binary, workdir):
    with receiver(workdir) as rx:
        t = base_ts()
        streams = [({"job": "j", "host": "h1"}, [(t, "plain json", {"trace_id": "t1"}), (t + 5, "two")])]
        expect(rx.loki_push(*json_push(streams)), 204, "", "json push")
        streams2 = [({"job": "j", "host": "h1"}, [(t + 10, "gzip json line \u00fc\n\ttab")]),
                    ({"job": "other"}, [(t, "other stream")])]
        body, headers = json_push(streams2, tenant="t2", gzip_body=True)
        headers["Content-Type"] = "application/json; charset=utf-8"
        expect(rx.loki_push(body, headers), 204, "", "gzip json push")
        entries = rx.loki_entries()
        wanted = [
            {"tenant": "fake", "labels": '{host="h1", job="j"}', "ts": t, "line": "plain json",
             "metadata": {"trace_id": "t1"}, "format": "json"},
            {"tenant": "fake", "labels": '{host="h1", job="j"}', "ts": t + 5, "line": "two", "metadata": {},
             "format": "json"},
            {"tenant": "t2", "labels": '{host="h1", job="j"}', "ts": t + 10, "line": "gzip json line \u00fc\n\ttab",
             "metadata": {}, "format": "json"},
            {"tenant": "t2", "labels": '{job="other"}', "ts": t, "line": "other stream", "metadata": {},
             "format": "json"},
        ]
        check(entries == wanted, f"stored entries differ:\n{entries}\nwanted\n{wanted}")
        loki = rx.loki_stats()
        check(loki["by_format"] == {"protobuf": 0, "json": 2}, f"by_format {loki['by_format']}")
        check(loki["tenants"] == {"fake": 2, "t2": 2} and loki["streams"] == 3, f"{loki}")
        check(rx.stats()["by_encoding"] == {"identity": 1, "gzip": 1}, f"{rx.stats()['by_encoding']}")
        # Both formats land in the same stream state: JSON and protobuf label sets are the same key.
        expect(rx.loki_push(*protobuf_push([('{job="j",host="h1"}', [(t + 10, "gzip json line \u00fc\n\ttab")])],
                                           tenant="t2")), 204, "", "protobuf duplicate of a JSON entry")
        check(rx.loki_stats()["duplicates"] == 1, f"duplicate across formats: {rx.loki_stats()}")


def test_label_errors_refuse_their_stream_only(binary, workdir):
    with receiver(workdir) as rx:
        t = base_ts()
        bad = [
            ("{}", "error at least one label pair is required per stream"),
            ('{job=""}', "error at least one label pair is required per stream"),
            ('{a="1", b="2", a="3"}', "stream '{a=\"1\", a=\"3\", b=\"2\"}' has duplicate label name: 'a'"),
        ]
        # The first 7 are listed in the answer (10 at most); a raw newline would split a line there.
        syntax = ['job="x"', '{job="x"', '{1job="x"}', '{job=~"x"}', '{job="x\\q"}', '{job="x"} extra',
                  '{job="\\400"}', '{job=x}', '{job="x",,}', '', '{job="a\nb"}']
        streams = [('{job="good"}', [(t, "kept")])]
        streams += [(labels, [(t, "lost 1"), (t + 1, "lost 2")]) for labels, _ in bad]
        streams += [(labels, [(t, "lost")]) for labels in syntax]
        _, text = expect(rx.loki_push(*protobuf_push(streams)), 400, None, "push with bad labels")
        lines = text.split("\n")
        check(len(lines) == 10, f"at most 10 label errors are listed, got {len(lines)}:\n{text}")
        check(lines[:3] == [msg for _, msg in bad], f"missing/duplicate messages:\n{lines[:3]}")
        for labels, line in zip(syntax, lines[3:]):
            prefix = f"Error parsing labels '{labels}' with error: "
            check(line.startswith(prefix) and len(line) > len(prefix) + 5, f"{labels!r} -> {line!r}")
        check("offset" in lines[3], f"the reason says where: {lines[3]}")
        check([e["line"] for e in rx.loki_entries()] == ["kept"], f"only the good stream is stored")
        loki = rx.loki_stats()
        check(loki["refused"]["invalid_labels"] == 2 * len(bad) + len(syntax), f"{loki['refused']}")
        check(loki["entries"] == 1 and loki["streams"] == 1, f"{loki}")
        # Valid edge cases: trailing comma, single quotes, raw strings, escapes.
        ok = ['{a="1",}', "{a='x\"y'}", '{a=`raw \\n`}', '{ a = "\\U0001F600" }']
        expect(rx.loki_push(*protobuf_push([(labels, [(t, "ok")]) for labels in ok])), 204, "", "valid edge cases")
        keys = [e["labels"] for e in rx.loki_entries()][1:]
        check(keys == ['{a="1"}', '{a="x\\"y"}', '{a="raw \\\\n"}', '{a="\U0001F600"}'], f"canonical keys {keys}")
        # JSON label errors: invalid names and an empty "stream".
        body, headers = json_push([({"job": "j", "1bad": "x"}, [(t, "l")]), ({}, [(t, "l")]),
                                   ([("a", "1"), ("a", "2")], [(t, "l")])])
        _, text = expect(rx.loki_push(body, headers), 400, None, "json label errors")
        lines = text.split("\n")
        check(lines[0].startswith("Error parsing labels '{job=\"j\", 1bad=\"x\"}' with error: invalid label name"),
              f"json invalid name: {lines[0]}")
        check(lines[1:] == ["error at least one label pair is required per stream",
                            "stream '{a=\"1\", a=\"2\"}' has duplicate label name: 'a'"], f"json: {lines[1:]}")


def test_out_of_order_in_ordered_mode(binary, workdir):
    with receiver(workdir) as rx:
        settings = rx.control(loki_order="ordered")
        check(settings["loki_order"] == "ordered", f"control answer {settings}")
        t = base_ts()
        labels = '{job="ordered"}'
        expect(rx.loki_push(*protobuf_push([(labels, [(t, "a"), (t + 100 * S, "b")])])), 204, "", "first push")
        entries = [(t + 50 * S, "too late"), (t + 200 * S, "c"), (t + 150 * S, "late again"),
                   (t + 200 * S, "c"), (t + 200 * S, "same ts, other line"), (t + 300 * S, "d")]
        want = ingester_message("fake", labels, [(t + 50 * S, "entry out of order"),
                                                 (t + 150 * S, "entry out of order")], 6)
        expect(rx.loki_push(*protobuf_push([(labels, entries)])), 400, want, "ordered push")
        lines = [e["line"] for e in rx.loki_entries()]
        check(lines == ["a", "b", "c", "same ts, other line", "d"], f"partial acceptance: {lines}")
        loki = rx.loki_stats()
        check(loki["refused"]["out_of_order"] == 2 and loki["duplicates"] == 1 and loki["entries"] == 5, f"{loki}")
        check(loki["order_violations_in_push"] == 1, f"the second push was unsorted: {loki}")
        # Per tenant: another tenant's stream with the same labels has its own state.
        expect(rx.loki_push(*protobuf_push([(labels, [(t, "other tenant")])], tenant="other")), 204, "",
               "same labels, other tenant")
        # Ordered mode is not a window: anything newer is fine, however far.
        expect(rx.loki_push(*protobuf_push([(labels, [(t + 400 * S, "e")])])), 204, "", "newer entry")


def test_too_far_behind_in_unordered_mode(binary, workdir):
    with receiver(workdir) as rx:
        check(rx.settings()["loki_order"] == "unordered", "unordered is the default")
        t = base_ts()
        a, b = '{job="a"}', '{job="b"}'
        expect(rx.loki_push(*protobuf_push([(a, [(t, "newest")]), (b, [(t, "newest b")])])), 204, "", "first")
        late = [(t - 3601 * S, "too far"), (t - 3599 * S, "in window"), (t - 10 * S, "older but fine"),
                (t - 4000 * S, "too far 2")]
        want = ingester_message("fake", a, [(ts, too_far_behind(ts, t)) for ts, line in late if "too far" in line], 4)
        expect(rx.loki_push(*protobuf_push([(a, late)])), 400, want, "unordered push")
        check([e["line"] for e in rx.loki_entries()] == ["newest", "newest b", "in window", "older but fine"],
              f"partial acceptance: {[e['line'] for e in rx.loki_entries()]}")
        # Two streams with refusals in one push: Loki answers with the last one's message only.
        push = [(a, [(t - 5000 * S, "a late")]), (b, [(t - 6000 * S, "b late"), (t + 1, "b ok")])]
        want = ingester_message("fake", b, [(t - 6000 * S, too_far_behind(t - 6000 * S, t))], 2)
        expect(rx.loki_push(*protobuf_push(push)), 400, want, "last stream's message")
        # The newest timestamp moves with accepted entries, within a push too; the window is settable.
        rx.control(loki_window_s=60)
        push = [(a, [(t + 1000 * S, "jump"), (t + 900 * S, "61s+ behind"), (t + 941 * S, "59s behind")])]
        want = ingester_message("fake", a, [(t + 900 * S, too_far_behind(t + 900 * S, t + 1000 * S, 60))], 3)
        expect(rx.loki_push(*protobuf_push(push)), 400, want, "window 60 s")
        # More than 10 refusals: 10 listed, all counted.
        push = [(a, [(t - i * S, f"old {i}") for i in range(1, 16)] + [(t + 1100 * S, "new")])]
        refused = [(t - i * S, too_far_behind(t - i * S, t + 1000 * S, 60)) for i in range(1, 16)]
        expect(rx.loki_push(*protobuf_push(push)), 400, ingester_message("fake", a, refused, 16), "15 refused")
        loki = rx.loki_stats()
        check(loki["refused"]["too_far_behind"] == 2 + 2 + 1 + 15, f"{loki['refused']}")
        check(loki["refused"]["out_of_order"] == 0, "unordered mode never says out of order")


def test_too_old_too_new_line_too_long_and_forbidden(binary, workdir):
    with receiver(workdir) as rx:
        rx.control(loki_max_age_s=3600, loki_max_line_size=20, reject_substring="POISON")
        now = time.time_ns()
        labels = '{job="v"}'
        entries = [(now - 7200 * S, "too old"), (now, "fine 1"), (now + 3600 * S + 5, "too new"),
                   (now + 1, "x" * 21), (now + 2, "has POISON"), (now + 3, "fine 2")]
        _, text = expect(rx.loki_push(*protobuf_push([(labels, entries)])), 400, None, "distributor checks")
        lines = text.split("\n")
        check(len(lines) == 4, f"4 distributor messages:\n{text}")
        old = re.fullmatch(rf"entry for stream '\{{job=\"v\"\}}' has timestamp too old: "
                           rf"{re.escape(go_time_string(now - 7200 * S))}, oldest acceptable timestamp is: "
                           r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC)", lines[0])
        check(old is not None, f"too old message: {lines[0]}")
        check(lines[1] == f"entry for stream '{labels}' has timestamp too new: {go_time_string(now + 3600 * S + 5)}",
              f"too new message: {lines[1]}")
        check(lines[2] == f"Max entry size '20' bytes exceeded for stream '{labels}' while adding an entry with "
                          "length '21' bytes", f"line too long message: {lines[2]}")
        check(lines[3] == f"entry for stream '{labels}' contains forbidden text 'POISON'", f"forbidden: {lines[3]}")
        check([e["line"] for e in rx.loki_entries()] == ["fine 1", "fine 2"], "the valid entries are stored")
        refused = rx.loki_stats()["refused"]
        check((refused["too_old"], refused["too_new"], refused["line_too_long"], refused["forbidden"]) == (1, 1, 1, 1),
              f"{refused}")
        # With the age limit off (default), old entries are fine; grace is settable.
        rx.control(mode="ok")
        rx.control(loki_grace_s=0)
        expect(rx.loki_push(*protobuf_push([('{job="w"}', [(now - 30 * 86400 * S, "a month old")])])), 204, "",
               "no age limit by default")
        _, text = expect(rx.loki_push(*protobuf_push([('{job="w"}', [(time.time_ns() + 60 * S, "future")])])),
                         400, None, "grace 0")
        check("has timestamp too new" in text, f"grace 0: {text}")
        # Distributor and ingester refusals in one push: the ingester's message is the answer.
        rx.control(mode="ok", loki_max_line_size=5)
        push = [('{job="w"}', [(now - 31 * 86400 * S, "old"), (now, "looooong")])]
        want = ingester_message("fake", '{job="w"}',
                                [(now - 31 * 86400 * S, too_far_behind(now - 31 * 86400 * S, now - 30 * 86400 * S))],
                                1)
        expect(rx.loki_push(*protobuf_push(push)), 400, want, "ingester message wins; M counts what reached it")


def test_duplicates_are_skipped(binary, workdir):
    with receiver(workdir) as rx:
        t = base_ts()
        labels = '{job="dup"}'
        push = [(labels, [(t, "a"), (t, "a"), (t, "b"), (t + 1, "c"), (t, "a", {"k": "v"})])]
        expect(rx.loki_push(*protobuf_push(push)), 204, "", "first push")
        check([e["line"] for e in rx.loki_entries()] == ["a", "b", "c", "a"], f"{rx.loki_entries()}")
        # The same push again (a client retry): all duplicates, still 204.
        expect(rx.loki_push(*protobuf_push(push)), 204, "", "retried push")
        loki = rx.loki_stats()
        check(loki["entries"] == 4 and loki["duplicates"] == 1 + 5, f"{loki}")
        check(rx.stats()["lines"] == 4, "duplicates are not lines")
        check(loki["duplicate_streams_in_push"] == 0, "a retry is not a duplicate stream")
        # Ordered mode: only the last accepted entry counts as a duplicate.
        rx.control(loki_order="ordered")
        expect(rx.loki_push(*protobuf_push([('{job="o"}', [(t, "x"), (t, "x"), (t, "y"), (t, "x")])])), 204, "",
               "ordered duplicates")
        check([e["line"] for e in rx.loki_entries()][4:] == ["x", "y", "x"], f"{rx.loki_entries()[4:]}")
        check(rx.loki_stats()["duplicates"] == 7, f"{rx.loki_stats()}")


def test_injected_statuses_and_faults_on_the_loki_path(binary, workdir):
    with receiver(workdir) as rx:
        t = base_ts()
        push = protobuf_push([('{job="f"}', [(t, "one")])])
        rx.control(status=429, retry_after="3", count=1)
        headers, text = expect(rx.loki_push(*push), 429, None, "injected 429")
        check(headers.get("retry-after") == "3" and "429" in text, f"429: {headers} {text}")
        rx.control(status=500, count=1)
        headers, _ = expect(rx.loki_push(*push), 500, None, "injected 500")
        check("retry-after" not in headers, f"no Retry-After without retry_after: {headers}")
        check(rx.loki_entries() == [] and rx.stats()["lines"] == 0, "injected statuses store nothing")
        check(rx.loki_stats()["pushes"] == 0, "an injected status is not a processed push")
        expect(rx.loki_push(*push), 204, "", "then accepted")
        rx.control(status=503, retry_after=1, every=2)
        results = [rx.loki_push(*protobuf_push([('{job="f"}', [(t + i, f"n{i}")])]))[0] for i in range(1, 5)]
        check(results == [204, 503, 204, 503], f"every 2nd: {results}")
        rx.control(mode="ok", delay_ms=300)
        started = time.monotonic()
        expect(rx.loki_push(*protobuf_push([('{job="f"}', [(t + 10, "slow")])])), 204, "", "delayed push")
        check(time.monotonic() - started >= 0.29, "delay_ms applies to Loki pushes")
        rx.control(mode="refuse")
        try:
            rx.loki_push(*push)
            check(False, "refuse mode must refuse connections")
        except (ConnectionError, OSError, http.client.HTTPException):
            pass
        rx.control(mode="ok")
        check([e["line"] for e in rx.loki_entries()] == ["one", "n1", "n3", "slow"], f"{rx.loki_entries()}")
        check(rx.stats()["by_status"] == {"429": 1, "500": 1, "204": 4, "503": 2}, f"{rx.stats()['by_status']}")


def test_require_tenant(binary, workdir):
    with receiver(workdir) as rx:
        t = base_ts()
        rx.control(require_tenant=True)
        check(rx.settings()["require_tenant"] is True, "GET /_control shows require_tenant")
        expect(rx.loki_push(*protobuf_push([('{job="t"}', [(t, "anon")])])), 401, "no org id", "no tenant")
        expect(rx.loki_push(*json_push([({"job": "t"}, [(t, "anon")])])), 401, "no org id", "no tenant, json")
        expect(rx.loki_push(*protobuf_push([('{job="t"}', [(t, "x")])], tenant="acme")), 204, "", "with tenant")
        rx.control(mode="ok")
        check(rx.settings()["require_tenant"] is False, "mode ok resets require_tenant")
        expect(rx.loki_push(*protobuf_push([('{job="t"}', [(t, "anon")])])), 204, "", "fake tenant again")
        check([(e["tenant"], e["line"]) for e in rx.loki_entries()] == [("acme", "x"), ("fake", "anon")],
              f"{rx.loki_entries()}")
        check(rx.loki_stats()["tenants"] == {"acme": 1, "fake": 1}, f"{rx.loki_stats()}")


def test_sink_promises_are_measured(binary, workdir):
    with receiver(workdir) as rx:
        t = base_ts()
        # Unsorted entries inside one stream of one push (Loki accepts them; the sink promises not to).
        push = [('{job="u"}', [(t + 2, "2"), (t + 1, "1")]), ('{job="s"}', [(t, "s1"), (t, "s2"), (t + 1, "s3")])]
        expect(rx.loki_push(*protobuf_push(push)), 204, "", "unsorted but accepted")
        loki = rx.loki_stats()
        check(loki["order_violations_in_push"] == 1, f"one unsorted stream: {loki}")
        # The same label set twice in one push, spelled differently.
        push = [('{b="2", a="1"}', [(t, "first")]), ('{job="x"}', [(t, "x")]), ('{a="1",b="2"}', [(t + 1, "again")])]
        expect(rx.loki_push(*protobuf_push(push)), 204, "", "label set repeated")
        loki = rx.loki_stats()
        check(loki["duplicate_streams_in_push"] == 1 and loki["order_violations_in_push"] == 1, f"{loki}")
        check(loki["streams"] == 4, f"distinct streams: {loki['streams']}")


def test_bad_bodies(binary, workdir):
    with receiver(workdir) as rx:
        t = base_ts()
        raw = encode_push_request([('{job="b"}', [(t, "l")])])
        cases = [
            ("text/plain", raw, {"Content-Type": "text/plain"}, 415, "unsupported Content-Type"),
            ("not snappy", b"\xff\xff\xff\xff\xff\xff", {"Content-Type": "application/x-protobuf"}, 400, "snappy"),
            ("raw protobuf", raw, {"Content-Type": "application/x-protobuf"}, 400, "snappy"),
            ("garbage protobuf", snappy_block(b"\x0a\xff\xff\xff\x0f"), {"Content-Type": "application/x-protobuf"},
             400, "cannot parse the protobuf"),
            ("bad json", b'{"streams":[', {"Content-Type": "application/json"}, 400, "cannot parse the JSON"),
            ("json number ts", b'{"streams":[{"stream":{"a":"1"},"values":[[1,"l"]]}]}',
             {"Content-Type": "application/json"}, 400, "streams[0].values[0][0]: the timestamp must be a string"),
            ("json bad ts", b'{"streams":[{"stream":{"a":"1"},"values":[["12x","l"]]}]}',
             {"Content-Type": "application/json"}, 400, "not a decimal int64"),
            ("json short value", b'{"streams":[{"stream":{"a":"1"},"values":[["1"]]}]}',
             {"Content-Type": "application/json"}, 400, "streams[0].values[0] must be"),
            ("bad gzip", b"nope", {"Content-Type": "application/json", "Content-Encoding": "gzip"}, 400, "bad gzip"),
            ("brotli", b"{}", {"Content-Type": "application/json", "Content-Encoding": "br"}, 415, "not supported"),
        ]
        for label, body, headers, status, needle in cases:
            _, text = expect(rx.loki_push(body, headers), status, None, label)
            check(needle in text, f"{label}: {text!r} lacks {needle!r}")
        check(rx.loki_entries() == [] and rx.loki_stats()["pushes"] == 0, "nothing stored or processed")
        # Without Content-Type a push is protobuf, as in Loki; an empty JSON push is fine.
        expect(rx.loki_push(snappy_block(raw), {}), 204, "", "no Content-Type")
        expect(rx.loki_push(b'{"streams":[]}', {"Content-Type": "application/json"}), 204, "", "empty json push")
        expect(rx.loki_push(snappy_block(b""), {"Content-Type": "application/x-protobuf"}), 204, "", "empty pb")
        # The generic paths are unchanged.
        conn = http.client.HTTPConnection(rx.host, rx.data_port, timeout=10)
        conn.request("POST", "/logs", body=b"a\nb\n")
        resp = conn.getresponse()
        check((resp.status, resp.read()) == (200, b'{"accepted":2}'), "NDJSON on /logs still works")
        conn.close()
        check(rx.lines()[-2:] == ["a", "b"], f"{rx.lines()}")


def test_control_fields_and_reset(binary, workdir):
    with receiver(workdir) as rx:
        defaults = {"loki_order": "unordered", "loki_window_s": 3600, "loki_max_age_s": 0, "loki_grace_s": 600,
                    "loki_max_line_size": 0, "require_tenant": False}
        got = {k: rx.settings()[k] for k in defaults}
        check(got == defaults, f"defaults: {got}")
        for body in ({"loki_order": "random"}, {"loki_window_s": -1}, {"loki_max_age_s": "1"},
                     {"loki_grace_s": 10**12}, {"loki_max_line_size": 1.5}, {"require_tenant": 1}):
            try:
                answer = rx.control(**body)
            except AssertionError as e:
                check("-> 400" in str(e), f"{body}: {e}")
            else:
                check(False, f"{body} should be refused, got {answer}")
        changed = {"loki_order": "ordered", "loki_window_s": 10, "loki_max_age_s": 20, "loki_grace_s": 30,
                   "loki_max_line_size": 40, "require_tenant": True}
        answer = rx.control(**changed)
        check({k: answer[k] for k in changed} == changed, f"all set: {answer}")
        answer = rx.control(mode="ok")
        check({k: answer[k] for k in defaults} == defaults, f"mode ok resets: {answer}")
        # Reset forgets the streams: an entry too far behind before is accepted after.
        t = base_ts()
        expect(rx.loki_push(*protobuf_push([('{job="r"}', [(t, "new")])])), 204, "", "newest")
        expect(rx.loki_push(*protobuf_push([('{job="r"}', [(t - 7200 * S, "old")])])), 400, None, "behind")
        rx.control(loki_order="ordered")
        rx.reset()
        loki = rx.loki_stats()
        check(loki["pushes"] == 0 and loki["entries"] == 0 and loki["streams"] == 0 and loki["tenants"] == {},
              f"zeroed: {loki}")
        check(all(v == 0 for v in loki["refused"].values()), f"{loki['refused']}")
        check(rx.loki_entries() == [] and rx.settings()["loki_order"] == "ordered", "store empty, settings kept")
        expect(rx.loki_push(*protobuf_push([('{job="r"}', [(t - 7200 * S, "old")])])), 204, "", "after reset")


def test_custom_loki_path(binary, workdir):
    with receiver(workdir, paths=["/tenant1/loki/api/v1/push", "/logs"]) as rx:
        t = base_ts()
        expect(rx.loki_push(*protobuf_push([('{job="p"}', [(t, "l")])]), path="/tenant1/loki/api/v1/push"), 204,
               "", "a --path ending in /loki/api/v1/push is a Loki path")
        check(rx.loki_push(*protobuf_push([('{job="p"}', [(t, "l")])]))[0] == 404, "the default path is gone")
        check(rx.stats()["loki"]["entries"] == 1, f"{rx.stats()}")


def test_ingest_rate_for_information(binary, workdir):
    """Not a pass/fail figure: how fast the receiver takes 200-byte protobuf entries (store off)."""
    with receiver(workdir, store=False) as rx:
        t = base_ts() - 3000 * S
        n_push, per_push = 40, 1000
        bodies = []
        for p in range(n_push):
            entries = [(t + (p * per_push + i) * 1000, f"{p:04d}{i:06d} " + "y" * 189) for i in range(per_push)]
            bodies.append(protobuf_push([('{job="rate", host="h"}', entries)])[0])
        conn = http.client.HTTPConnection(rx.host, rx.data_port, timeout=30)
        headers = {"Content-Type": "application/x-protobuf"}
        started = time.monotonic()
        for body in bodies:
            conn.request("POST", PUSH_PATH, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            check(resp.status == 204, f"status {resp.status}")
        took = time.monotonic() - started
        conn.close()
        check(rx.loki_stats()["entries"] == n_push * per_push, f"{rx.loki_stats()}")
        print(f"  info: {n_push * per_push / took:,.0f} entries/s through one Python client "
              f"({n_push} pushes of {per_push} x 200 B)")


if __name__ == "__main__":
    suite = Suite("loki_receiver_selftest")
    RECEIVER = suite.args.receiver
    if not RECEIVER or not os.path.isfile(RECEIVER):
        print(f"FAIL: --receiver {RECEIVER!r} is not a file (build the http-receiver target)")
        raise SystemExit(1)
    for t in (test_protobuf_push_is_stored_with_labels_metadata_and_tenant, test_json_and_gzip_json_pushes,
              test_label_errors_refuse_their_stream_only, test_out_of_order_in_ordered_mode,
              test_too_far_behind_in_unordered_mode, test_too_old_too_new_line_too_long_and_forbidden,
              test_duplicates_are_skipped, test_injected_statuses_and_faults_on_the_loki_path, test_require_tenant,
              test_sink_promises_are_measured, test_bad_bodies, test_control_fields_and_reset, test_custom_loki_path,
              test_ingest_rate_for_information):
        suite.run(t)
    suite.finish()
