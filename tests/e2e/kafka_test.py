"""Kafka end to end: the real agent, librdkafka's mock cluster in its own process (kafka-mock,
driven by kafka_mock.py) and kcat as an outside client.

Sink: the agent tails files (and takes events over the ingest API) and produces them to Kafka; kcat
reads the topics back. Lines are numbered (`<stream> <seq> payload`) so each test can check that
every line arrived, how many arrived twice, and their order within a partition.

Source: a second agent (the aggregator) consumes the topics with `kafka_input` and writes what it
gets to a local file (JSON lines): agent -> Kafka -> aggregator must keep every field.
"""
import functools
import json
import os
import re
import shutil
import subprocess
import threading
import time

from harness import SCALE, Agent, Suite, buffered_agent, check, scaled, wait_until
from kafka_mock import API_PRODUCE, KafkaMock, consume_once, kafka_mock_binary, kcat_binary, produce

# Tabs, quotes, a backslash and non-ASCII text: the value must stay valid JSON with the same message.
PAYLOAD = 'tab\there "quoted" back\\slash caf\u00e9 ' + "p" * 60
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
KAFKA_MOCK = None  # set in main
_STARTED = []  # agents started by the running test: stopped when it ends, whatever happened


def cleanup(test):
    """Stops every agent the test started and left running (a failed check mid-test)."""
    @functools.wraps(test)
    def run(*args):
        try:
            return test(*args)
        finally:
            while _STARTED:
                agent = _STARTED.pop()
                if agent.alive():
                    try:
                        agent.stop(timeout=30)
                    except AssertionError:
                        pass
    return run


def seconds(s):
    """A duration scaled like the line counts (LOGCAP_E2E_SCALE), at least 5 s."""
    return max(5.0, s * SCALE)


def line(stream, seq):
    return f"{stream} {seq:09d} {PAYLOAD}"


def write_lines(path, stream, start, count):
    with open(path, "a") as f:
        f.write("".join(line(stream, start + i) + "\n" for i in range(count)))


def parse_seq(message):
    """(stream, seq) of a numbered line, else None."""
    parts = message.split(" ", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def mock(workdir, topics, brokers=3):
    return KafkaMock(KAFKA_MOCK, os.path.join(workdir, "kafka"), topics=topics, brokers=brokers)


def kafka_agent(binary, workdir, bootstraps, kafka=None, extra=None, labels=None):
    """An agent tailing <workdir>/in/*.log with the disk buffer, the DLQ and the kafka sink on."""
    sink = {"enabled": True, "brokers": bootstraps.split(","), "topic": "logs", "linger": "5ms",
            "message_timeout": "10s"}
    sink.update(kafka or {})
    config = {"file_monitor": {"labels": labels or {"job": "e2e"}}}
    for section, values in (extra or {}).items():
        config.setdefault(section, {}).update(values)
    return buffered_agent(binary, workdir, {"kafka": sink}, shutdown_timeout="10s", extra=config)


def aggregator(binary, workdir, bootstraps, kafka_input=None, extra=None, sinks=None):
    """An agent whose only source is kafka_input and whose sink is a local JSON-lines file."""
    os.makedirs(workdir, exist_ok=True)
    source = {"enabled": True, "brokers": bootstraps.split(","), "topics": ["logs"], "group_id": "aggregators",
              "format": "event_json", "start_from": "earliest", "commit_interval": "200ms",
              "librdkafka_options": {"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"}}
    source.update(kafka_input or {})
    config = {"file_monitor": {"enabled": False}, "kafka_input": source,
              "dispatcher": {"batch_timeout": "100ms", "retry_base_delay": "50ms", "retry_max_delay": "1s"},
              "app": {"shutdown_timeout": "10s"}}
    for section, values in (extra or {}).items():
        config.setdefault(section, {}).update(values)
    return Agent(binary, workdir, include=[os.path.join(workdir, "no-input", "*.log")], extra=config, sinks=sinks)


def start_or_fail(agent, what):
    _STARTED.append(agent)
    try:
        agent.start()
    except AssertionError as e:
        raise AssertionError(f"{what} did not start: {e}\n{agent.log_tail()}") from None
    return agent


def read_topic(bootstraps, topic, attempts=4):
    """consume_once, tried again when kcat fails (e.g. metadata not there yet after an outage)."""
    for attempt in range(attempts):
        try:
            return consume_once(bootstraps, topic, timeout=30)
        except AssertionError:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)
    return []


def decode(messages):
    """kcat messages -> the same with "event": the parsed JSON value (fails on invalid JSON)."""
    for m in messages:
        try:
            m["event"] = json.loads(m["value"])
        except (TypeError, ValueError) as e:
            raise AssertionError(f"message value is not one JSON object: {m['value']!r}: {e}") from None
        check(isinstance(m["event"], dict), f"message value is not a JSON object: {m['value']!r}")
        check(not m["value"].endswith("\n"), f"message value ends with a newline: {m['value']!r}")
    return messages


def counts(messages):
    """{(stream, seq): copies} of the numbered lines among Kafka messages."""
    seen = {}
    for m in messages:
        key = parse_seq(m["event"]["message"])
        if key is not None:
            seen[key] = seen.get(key, 0) + 1
    return seen


def missing_of(seen, expected):
    return [(s, i) for s, n in expected.items() for i in range(n) if (s, i) not in seen]


def duplicates_of(seen):
    return sum(c - 1 for c in seen.values() if c > 1)


def wait_topic(bootstraps, topic, expected, timeout, agent=None, extra_topics=()):
    """Waits until every numbered line of `expected` ({stream: count}) is in `topic` (or the
    extra topics); returns the decoded messages of all of them."""
    deadline = time.monotonic() + timeout
    total = sum(expected.values())
    while True:
        if agent is not None and not agent.alive():
            raise AssertionError(f"the agent died:\n{agent.log_tail()}")
        messages = []
        for t in (topic, *extra_topics):
            messages += decode(read_topic(bootstraps, t))
        seen = counts(messages)
        if len(messages) >= total and not missing_of(seen, expected):
            return messages
        if time.monotonic() > deadline:
            lost = missing_of(seen, expected)
            raise AssertionError(f"after {timeout:.0f}s {len(lost)} of {total} lines are not in Kafka "
                                 f"(first: {lost[:5]})\n{agent.log_tail() if agent else ''}")
        time.sleep(0.5)


def stop_ok(agent):
    code = agent.stop()
    check(code == 0, f"exit code {code} after SIGTERM:\n{agent.log_tail()}")


def promtool_passes(agent):
    promtool = shutil.which("promtool")
    check(promtool is not None, "promtool is installed (scripts/install-deps.sh installs prometheus)")
    status, text = agent.get("/metrics")
    check(status == 200, f"GET /metrics -> {status}")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    check(r.returncode == 0, f"promtool check metrics failed:\n{r.stdout}{r.stderr}")


def ingest(agent, records):
    body = "\n".join(json.dumps(r) for r in records).encode()
    status, text = agent.request("POST", "/api/v1/logs", body, {"Content-Type": "application/x-ndjson"})
    check(status == 202, f"POST /api/v1/logs -> {status} {text}")


def kafka_stats(agent):
    status, body = agent.get("/api/v1/stats")
    return body if status == 200 else f"(stats -> {status})"


# ---------------------------------------------------------------------------------------- sink


def test_every_codec_delivers_each_line_once_with_its_json(binary, workdir):
    """none, gzip, snappy, lz4, zstd: every line of a tailed file is in Kafka exactly once, the
    value is the event JSON (timestamp, message, source_type, source_id, labels), the key the path."""
    n = scaled(3000, minimum=400)
    codecs = ("none", "gzip", "snappy", "lz4", "zstd")
    with mock(workdir, {f"logs-{c}": 2 for c in codecs}) as kafka:
        for codec in codecs:
            sub = os.path.join(workdir, codec)
            agent, indir = kafka_agent(binary, sub, kafka.bootstraps, kafka={"compression": codec, "topic": f"logs-{codec}"},
                                       labels={"job": "e2e", "codec": codec})
            start_or_fail(agent, f"the agent ({codec})")
            path = os.path.join(indir, "app.log")
            write_lines(path, codec, 0, n)
            wait_topic(kafka.bootstraps, f"logs-{codec}", {codec: n}, 60, agent)
            sent = agent.metric("log_capturer_logs_sent_total", {"sink": "kafka", "status": "success"})
            check(sent is not None and sent >= n, f"{codec}: logs_sent_total{{sink=kafka,status=success}} = {sent}")
            if codec == "zstd":
                promtool_passes(agent)
            stop_ok(agent)  # flushes: whatever is still in flight is in Kafka before the final read
            messages = decode(read_topic(kafka.bootstraps, f"logs-{codec}"))
            seen = counts(messages)
            check(not missing_of(seen, {codec: n}), f"{codec}: lines missing after the stop")
            check(duplicates_of(seen) == 0, f"{codec}: {duplicates_of(seen)} lines twice without any fault")
            check(len(messages) == n, f"{codec}: {len(messages)} messages for {n} lines")
            for m in messages:
                e = m["event"]
                seq = parse_seq(e["message"])[1]
                check(e["message"] == line(codec, seq), f"{codec}: message changed: {e['message']!r}")
                check(TIMESTAMP_RE.match(e.get("timestamp", "")), f"{codec}: timestamp {e.get('timestamp')!r}")
                check(e["source_type"] == "file" and e["source_id"] == path, f"{codec}: source {e}")
                check(e["labels"] == {"job": "e2e", "codec": codec}, f"{codec}: labels {e['labels']}")
                check(m["key"] == path, f"{codec}: key {m['key']!r}, expected the source id {path}")
                check(not any(h[0] == "traceparent" for h in m["headers"]), f"{codec}: traceparent without a trace")
            print(f"    {codec}: {n} lines, once each")


def test_partitioning_by_key_keeps_each_source_in_order(binary, workdir):
    """hash by key_field `tenant`: events labelled with it (ingest API) are keyed by its value,
    file lines (no such label) by their path. One key -> one partition, in the order written."""
    n = scaled(1500, minimum=200)
    files, tenants = 6, 5
    with mock(workdir, {"logs": 4}) as kafka:
        agent, indir = kafka_agent(binary, workdir, kafka.bootstraps,
                                   kafka={"partitioning": {"strategy": "hash", "key_field": "tenant"}})
        start_or_fail(agent, "the agent")
        for f in range(files):
            write_lines(os.path.join(indir, f"f{f}.log"), f"f{f}", 0, n)
        for chunk in range(0, n, 500):
            ingest(agent, [{"message": line(f"t{t}", i), "labels": {"tenant": f"t{t}"}}
                           for i in range(chunk, min(n, chunk + 500)) for t in range(tenants)])
        expected = {**{f"f{f}": n for f in range(files)}, **{f"t{t}": n for t in range(tenants)}}
        wait_topic(kafka.bootstraps, "logs", expected, 90, agent)
        stop_ok(agent)
        messages = decode(read_topic(kafka.bootstraps, "logs"))
        seen = counts(messages)
        check(duplicates_of(seen) == 0, f"{duplicates_of(seen)} lines twice without any fault")
        by_stream = {}
        for m in sorted(messages, key=lambda m: (m["partition"], m["offset"])):
            stream, seq = parse_seq(m["event"]["message"])
            by_stream.setdefault(stream, []).append((m["partition"], m["key"], seq))
        for stream, items in by_stream.items():
            partitions = {p for p, _, _ in items}
            keys = {k for _, k, _ in items}
            want_key = stream if stream.startswith("t") else os.path.join(indir, f"{stream}.log")
            check(keys == {want_key}, f"{stream}: keys {keys}, expected {want_key!r}")
            check(len(partitions) == 1, f"{stream}: spread over partitions {partitions}")
            seqs = [s for _, _, s in items]
            check(seqs == list(range(n)), f"{stream}: out of order within its partition")
        used = {m["partition"] for m in messages}
        check(len(used) > 1, f"{files + tenants} keys all hashed to one partition {used}")
        print(f"    {files} files and {tenants} tenants x {n} lines over partitions {sorted(used)}, each key in order")


def test_all_brokers_down_loses_nothing(binary, workdir):
    """Every broker down for 30 s (x LOGCAP_E2E_SCALE) while lines keep coming: afterwards every
    line is in Kafka (duplicates allowed, counted)."""
    down_s = seconds(30)
    per_tick = scaled(200, minimum=50)
    with mock(workdir, {"logs": 4}) as kafka:
        agent, indir = kafka_agent(binary, workdir, kafka.bootstraps,
                                   kafka={"message_timeout": "5s",
                                          "librdkafka_options": {"reconnect.backoff.max.ms": "1000"}})
        start_or_fail(agent, "the agent")
        path = os.path.join(indir, "app.log")
        write_lines(path, "a", 0, per_tick)
        written = per_tick
        wait_topic(kafka.bootstraps, "logs", {"a": written}, 30, agent)
        kafka.down("all")
        deadline = time.monotonic() + down_s
        while time.monotonic() < deadline:
            write_lines(path, "a", written, per_tick)
            written += per_tick
            time.sleep(0.25)
        check(agent.alive(), f"the agent died during the outage:\n{agent.log_tail()}")
        # librdkafka's statistics (every 2 s) know no broker is reachable: /health says so.
        status, body = agent.get("/health")
        check(status == 503 and "sink:kafka" in json.loads(body).get("failing", []),
              f"/health during the outage: {status} {body}")
        kafka.up("all")
        wait_topic(kafka.bootstraps, "logs", {"a": written}, 120, agent)
        retries = agent.metric("log_capturer_logs_sent_total", {"sink": "kafka", "status": "retry"}) or 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and agent.get("/health")[0] != 200:
            time.sleep(0.5)
        status, body = agent.get("/health")
        check(status == 200, f"/health once the brokers are back: {status} {body}")
        brokers_up = agent.metric("log_capturer_kafka_brokers_up", {"component": "kafka"})
        check(brokers_up and brokers_up >= 1, f"log_capturer_kafka_brokers_up = {brokers_up}")
        stop_ok(agent)
        seen = counts(decode(read_topic(kafka.bootstraps, "logs")))
        check(not missing_of(seen, {"a": written}), "lines lost")
        print(f"    {down_s:.0f}s down, {written} lines, {duplicates_of(seen)} duplicates, "
              f"{int(retries)} events retried during the outage")
        check(retries > 0, "no retry was counted while every broker was down")


def test_transient_produce_errors_are_retried(binary, workdir):
    """50 REQUEST_TIMED_OUT then 50 NOT_LEADER_FOR_PARTITION answers to Produce: every line is
    delivered (duplicates allowed, counted)."""
    n = scaled(4000, minimum=600)
    with mock(workdir, {"logs": 4}) as kafka:
        agent, indir = kafka_agent(binary, workdir, kafka.bootstraps)
        start_or_fail(agent, "the agent")
        path = os.path.join(indir, "app.log")
        kafka.push_errors(API_PRODUCE, 50, "REQUEST_TIMED_OUT")
        write_lines(path, "a", 0, n // 2)
        wait_topic(kafka.bootstraps, "logs", {"a": n // 2}, 90, agent)
        kafka.push_errors(API_PRODUCE, 50, "NOT_LEADER_FOR_PARTITION")
        write_lines(path, "a", n // 2, n - n // 2)
        wait_topic(kafka.bootstraps, "logs", {"a": n}, 90, agent)
        check(agent.metric("log_capturer_dlq_entries_total", {"sink": "kafka"}) == 0, "transient errors reached the DLQ")
        stop_ok(agent)
        seen = counts(decode(read_topic(kafka.bootstraps, "logs")))
        check(not missing_of(seen, {"a": n}), "lines lost")
        print(f"    {n} lines through 100 injected Produce errors, {duplicates_of(seen)} duplicates")


def dlq_entries(agent):
    """Every entry of <data_dir>/dlq/*.ndjson."""
    directory = os.path.join(agent.data_dir, "dlq")
    entries = []
    if not os.path.isdir(directory):
        return entries
    for name in sorted(os.listdir(directory)):
        if name.endswith(".ndjson"):
            with open(os.path.join(directory, name), "rb") as f:
                entries += [json.loads(raw) for raw in f.read().splitlines() if raw.strip()]
    return entries


def test_authorization_error_sends_events_to_the_dlq(binary, workdir):
    """TOPIC_AUTHORIZATION_FAILED on Produce (3 requests): the refused events (librdkafka fails
    what it holds for the topic until its metadata is fresh again) are in the DLQ with reason
    not_authorized, counted by dlq_entries_total; every other line is in Kafka, and once the
    errors stop the lines written afterwards are all delivered."""
    n = scaled(3000, minimum=600)
    with mock(workdir, {"logs": 4}) as kafka:
        agent, indir = kafka_agent(binary, workdir, kafka.bootstraps)
        start_or_fail(agent, "the agent")
        path = os.path.join(indir, "app.log")
        first = n // 3
        write_lines(path, "a", 0, first)
        wait_topic(kafka.bootstraps, "logs", {"a": first}, 60, agent)
        kafka.push_errors(API_PRODUCE, 3, "TOPIC_AUTHORIZATION_FAILED")
        write_lines(path, "a", first, first)
        written = 2 * first
        wait_until(lambda: dlq_entries(agent), 60, "the first events in the DLQ", interval=0.3)

        # Small chunks until one written after the DLQ entries appeared is delivered: the topic is usable again.
        probe_start = written
        deadline = time.monotonic() + 60
        while True:
            write_lines(path, "a", written, 50)
            written += 50
            time.sleep(0.5)
            seen = counts(decode(read_topic(kafka.bootstraps, "logs")))
            if any(("a", i) in seen for i in range(probe_start, written)):
                break
            check(time.monotonic() < deadline, "no line written after the authorization errors is delivered "
                                               f"within 60 s:\n{agent.log_tail()}")
        last_start, last = written, n - 2 * first
        write_lines(path, "a", last_start, last)
        written += last
        expected_delivered = {("a", i) for i in range(last_start, written)}
        wait_until(lambda: expected_delivered <= set(counts(decode(read_topic(kafka.bootstraps, "logs")))), 60,
                   f"the {last} lines written once the errors were over, in Kafka", interval=0.5)

        def settled():
            if not agent.alive():
                raise AssertionError(f"the agent died:\n{agent.log_tail()}")
            in_dlq = {parse_seq(e["event"]["message"]) for e in dlq_entries(agent)}
            seen = counts(decode(read_topic(kafka.bootstraps, "logs")))
            lost = [k for k in missing_of(seen, {"a": written}) if k not in in_dlq]
            return (in_dlq, seen) if not lost else None

        in_dlq, seen = wait_until(settled, 60, "every line in Kafka or in the DLQ", interval=0.5)
        entries = dlq_entries(agent)
        check(all(e["sink"] == "kafka" and e["reason"] == "not_authorized" for e in entries),
              f"DLQ entries: {[(e['sink'], e['reason']) for e in entries[:5]]}")
        check(all("uthoriz" in e.get("error", "") for e in entries), f"DLQ error text: {entries[0].get('error')!r}")
        check(all(k[1] >= first for k in in_dlq), "lines delivered before the errors are in the DLQ")
        check(not (in_dlq & expected_delivered), "lines written after the errors were over are in the DLQ")
        metric = agent.metric("log_capturer_dlq_entries_total", {"sink": "kafka", "reason": "not_authorized"})
        check(metric == len(entries), f"dlq_entries_total{{sink=kafka,reason=not_authorized}} = {metric}, "
                                      f"{len(entries)} entries in the DLQ")
        api = json.loads(agent.get("/api/v1/dlq")[1])
        check(api["store"]["by_sink"].get("kafka", {}).get("not_authorized") == len(entries), f"GET /api/v1/dlq: {api}")
        both = [k for k in in_dlq if k in seen]
        print(f"    {written} lines: {len(entries)} in the DLQ (not_authorized), {len(seen)} delivered, "
              f"{len(both)} both in the DLQ and in Kafka, {duplicates_of(seen)} duplicates")
        promtool_passes(agent)
        stop_ok(agent)


def test_topic_routing_label_then_level_then_topic(binary, workdir):
    """topic_label names an event's topic; without it level_topics routes by level; else `topic`."""
    n = scaled(300, minimum=50)
    topics = {"logs": 2, "custom": 2, "errors": 2, "debug": 2}
    with mock(workdir, topics) as kafka:
        agent, indir = kafka_agent(binary, workdir, kafka.bootstraps,
                                   kafka={"topic_label": "kafka_topic",
                                          "level_topics": {"error": "errors", "debug": "debug"}})
        start_or_fail(agent, "the agent")
        write_lines(os.path.join(indir, "app.log"), "file", 0, n)  # no level, no label -> logs
        ingest(agent, [{"message": line("lblerr", i), "level": "error", "labels": {"kafka_topic": "custom"}}
                       for i in range(n)])                                     # label beats level -> custom
        ingest(agent, [{"message": line("lbl", i), "labels": {"kafka_topic": "custom"}} for i in range(n)])
        ingest(agent, [{"message": line("err", i), "level": "error"} for i in range(n)])     # -> errors
        ingest(agent, [{"message": line("dbg", i), "level": "debug"} for i in range(n)])     # -> debug
        ingest(agent, [{"message": line("inf", i), "level": "info"} for i in range(n)])      # -> logs
        want = {"logs": {"file", "inf"}, "custom": {"lblerr", "lbl"}, "errors": {"err"}, "debug": {"dbg"}}
        everything = {s: n for streams in want.values() for s in streams}
        wait_topic(kafka.bootstraps, "logs", everything, 60, agent, extra_topics=("custom", "errors", "debug"))
        stop_ok(agent)
        for topic, streams in want.items():
            messages = decode(read_topic(kafka.bootstraps, topic))
            got = {parse_seq(m["event"]["message"])[0] for m in messages}
            check(got == streams, f"topic {topic} holds {sorted(got)}, expected {sorted(streams)}")
            seen = counts(messages)
            check(not missing_of(seen, {s: n for s in streams}) and duplicates_of(seen) == 0,
                  f"topic {topic}: not every line once")
        print(f"    {len(everything) * n} events routed over {len(want)} topics")


# -------------------------------------------------------------------------------------- source


def output_counts(records):
    seen = {}
    for r in records:
        key = parse_seq(r.get("message", ""))
        if key is not None:
            seen[key] = seen.get(key, 0) + 1
    return seen


def wait_output(aggs, expected, timeout, allow_dead=()):
    """Waits until the aggregators' local files together hold every numbered line of `expected`."""
    total = sum(expected.values())
    last = {}

    def done():
        for a in aggs:
            if a not in allow_dead and not a.alive():
                raise AssertionError(f"an aggregator died:\n{a.log_tail()}")
        records = [r for a in aggs for r in a.output_records()]
        seen = output_counts(records)
        last["missing"] = missing_of(seen, expected)
        return records if len(records) >= total and not last["missing"] else None

    try:
        return wait_until(done, timeout, f"all {total} lines in the aggregators' files", interval=0.5)
    except AssertionError as e:
        lost = last.get("missing", [])
        raise AssertionError(f"{e}: {len(lost)} missing (first: {lost[:5]})\n"
                             f"{aggs[0].log_tail()}") from None


def test_round_trip_through_kafka_keeps_every_field(binary, workdir):
    """agent (file + ingest API) -> Kafka -> aggregator (kafka_input, event_json) -> JSON file:
    timestamp, message, labels, source_type, source_id and level come out as they went in."""
    n = scaled(2000, minimum=300)
    k = 200
    fixed = "2025-06-01T12:00:00.123456789Z"
    with mock(workdir, {"logs": 4}) as kafka:
        agent, indir = kafka_agent(binary, os.path.join(workdir, "edge"), kafka.bootstraps,
                                   labels={"job": "e2e", "host": "edge-1"})
        start_or_fail(agent, "the edge agent")
        agg = start_or_fail(aggregator(binary, os.path.join(workdir, "agg"), kafka.bootstraps), "the aggregator")
        try:
            path = os.path.join(indir, "app.log")
            write_lines(path, "f", 0, n)
            ingest(agent, [{"message": line("h", i), "level": ("warn", "error", "debug")[i % 3], "timestamp": fixed,
                            "labels": {"request_id": f"r{i}"}} for i in range(k)])
            expected = {"f": n, "h": k}
            records = wait_output([agg], expected, 90)
            stop_ok(agent)
            originals = {m["event"]["message"]: m["event"] for m in decode(read_topic(kafka.bootstraps, "logs"))}
            seen = output_counts(records)
            check(duplicates_of(seen) == 0, f"{duplicates_of(seen)} lines twice without any fault")
            for r in records:
                o = originals.get(r["message"])
                check(o is not None, f"aggregator wrote a message that is not in Kafka: {r['message']!r}")
                for field in ("timestamp", "message", "source_type", "source_id", "labels", "level", "trace_id",
                              "span_id", "fields"):
                    check(r.get(field) == o.get(field),
                          f"{field} changed through Kafka: {o.get(field)!r} -> {r.get(field)!r}\n{o}\n{r}")
            sample_h = next(r for r in records if r["message"] == line("h", 1))
            check(sample_h["timestamp"] == fixed and sample_h["level"] == "error" and sample_h["source_type"] == "http"
                  and sample_h["labels"].get("request_id") == "r1", f"ingested event: {sample_h}")
            sample_f = next(r for r in records if r["message"] == line("f", 0))
            check(sample_f["source_type"] == "file" and sample_f["source_id"] == path
                  and sample_f["labels"] == {"job": "e2e", "host": "edge-1"}, f"file event: {sample_f}")
            captured = agg.metric("log_capturer_logs_captured_total", {"source": "kafka_input", "source_type": "kafka"})
            check(captured is not None and captured >= n + k,
                  f"aggregator logs_captured_total{{source=kafka_input,source_type=kafka}} = {captured}")
            other = agg.metric("log_capturer_logs_captured_total", {"source_type": "file"})
            check(not other, "the captured metric took source_type from message content (file), not the source (kafka)")
            status, body = agg.get("/health")
            health = json.loads(body)
            far = health.get("checks", {}).get("sources", {}).get("kafka_input", {})
            check(status == 200 and far.get("status") == "ok", f"aggregator /health: {status} {body}")
            promtool_passes(agg)
            print(f"    {n + k} events through Kafka, every field kept (aggregator logs_captured_total = {captured:.0f})")
            stop_ok(agg)
        finally:
            for a in (agent, agg):
                if a.alive():
                    a.stop()


def test_consumer_group_survives_a_sigkill(binary, workdir):
    """Two aggregators in one group; one is killed with SIGKILL while messages keep coming: the
    other takes over its partitions and every message reaches a local file (duplicates counted)."""
    total = scaled(20000, minimum=3000)
    chunk = max(100, total // 40)
    with mock(workdir, {"logs": 4}) as kafka:
        # No disk buffer on the aggregators: an offset is committed only once the event is in the file.
        a = start_or_fail(aggregator(binary, os.path.join(workdir, "a"), kafka.bootstraps), "aggregator a")
        b = start_or_fail(aggregator(binary, os.path.join(workdir, "b"), kafka.bootstraps), "aggregator b")
        produced = {"n": 0}
        errors = []
        killed = threading.Event()

        def producer():
            try:
                while produced["n"] < total:
                    if produced["n"] >= total * 3 // 4:
                        killed.wait(timeout=90)  # the last quarter only once b is dead: the kill is mid-stream
                    start, count = produced["n"], min(chunk, total - produced["n"])
                    produce(kafka.bootstraps, "logs", [json.dumps(
                        {"timestamp": "2025-06-01T12:00:00.000000001Z", "message": line("k", start + i),
                         "source_type": "file", "source_id": "/var/log/k.log", "labels": {"job": "k"}})
                        for i in range(count)], key=f"key{start // chunk}")
                    produced["n"] += count
                    time.sleep(0.1)
            except Exception as e:  # noqa: BLE001 - reported by the test thread
                errors.append(e)

        thread = threading.Thread(target=producer, daemon=True)
        try:
            thread.start()
            wait_until(lambda: errors or (len(a.output_records()) > 0 and len(b.output_records()) > 0), 60,
                       "both aggregators to write messages (the group shares the partitions)", interval=0.3)
            check(not errors, f"kcat producer: {errors[:1]}")
            b_before = len(b.output_records())
            b.kill9()
            at_kill = produced["n"]
            killed.set()
            thread.join(timeout=120)
            check(not errors, f"kcat producer: {errors[:1]}")
            check(produced["n"] == total, f"produced {produced['n']} of {total}")
            check(at_kill < total, "the producer had finished before the kill (not mid-stream)")
            records = wait_output([a, b], {"k": total}, 120, allow_dead=(b,))
            seen = output_counts(records)
            print(f"    {total} messages; b killed after writing {b_before} (producer at {at_kill}); "
                  f"a wrote {len(a.output_records())}; {duplicates_of(seen)} duplicates")
            stop_ok(a)
        finally:
            killed.set()
            thread.join(timeout=5)
            for agg in (a, b):
                if agg.alive():
                    agg.stop()


def test_raw_format_reads_plain_lines(binary, workdir):
    """format raw: plain lines produced by kcat (tabs and quotes included) arrive as messages with
    source_type kafka and the source's static labels."""
    n = scaled(1000, minimum=200)
    with mock(workdir, {"plain": 2}) as kafka:
        agg = start_or_fail(aggregator(binary, os.path.join(workdir, "agg"), kafka.bootstraps,
                                       kafka_input={"format": "raw", "topics": ["plain"], "group_id": "raw",
                                                    "labels": {"origin": "kcat"}}), "the aggregator")
        try:
            produce(kafka.bootstraps, "plain", [line("r", i) for i in range(n)])
            records = wait_output([agg], {"r": n}, 60)
            seen = output_counts(records)
            check(duplicates_of(seen) == 0, f"{duplicates_of(seen)} lines twice without any fault")
            for r in records:
                check(r["message"] == line("r", parse_seq(r["message"])[1]), f"message changed: {r['message']!r}")
                check(r["source_type"] == "kafka", f"source_type {r['source_type']!r}")
                check(r["labels"].get("origin") == "kcat", f"labels {r['labels']}")
                check(TIMESTAMP_RE.match(r.get("timestamp", "")), f"timestamp {r.get('timestamp')!r}")
            print(f"    {n} raw lines, source_id {records[0]['source_id']!r}")
            stop_ok(agg)
        finally:
            if agg.alive():
                agg.stop()


def test_trace_context_and_fields_pass_through_as_traceparent(binary, workdir):
    """Event JSON with trace_id/span_id, level and fields (produced by kcat) -> kafka_input ->
    kafka sink: the produced value keeps every field and a traced event carries a W3C
    `traceparent` header naming its trace and span; an untraced one has none."""
    n = 200
    with mock(workdir, {"in": 2, "out": 2}) as kafka:
        relay = start_or_fail(aggregator(binary, os.path.join(workdir, "relay"), kafka.bootstraps,
                                         kafka_input={"topics": ["in"], "group_id": "relay"},
                                         sinks={"kafka": {"enabled": True, "brokers": kafka.bootstraps.split(","),
                                                          "topic": "out", "linger": "5ms"}}), "the relay agent")
        try:
            sent = []
            for i in range(n):
                e = {"timestamp": f"2025-06-01T12:00:{i % 60:02d}.000000{i:03d}Z", "message": line("t", i),
                     "source_type": "docker", "source_id": f"container{i % 3}", "labels": {"job": "trace", "i": str(i)},
                     "level": "error" if i % 2 else "info", "fields": {"status": i, "path": f"/p/{i}"}}
                if i % 2 == 0:
                    e["trace_id"] = f"{i + 1:032x}"
                    e["span_id"] = f"{i + 7:016x}"
                sent.append(e)
            produce(kafka.bootstraps, "in", [json.dumps(e) for e in sent])
            wait_until(lambda: len(read_topic(kafka.bootstraps, "out")) >= n or not relay.alive(), 60,
                       f"{n} messages in topic out", interval=0.5)
            check(relay.alive(), f"the relay agent died:\n{relay.log_tail()}")
            messages = decode(read_topic(kafka.bootstraps, "out"))
            by_message = {m["event"]["message"]: m for m in messages}
            check(len(by_message) == n and len(messages) == n, f"{len(messages)} messages ({len(by_message)} distinct) "
                                                               f"for {n} events")
            for e in sent:
                m = by_message[e["message"]]
                for field in ("timestamp", "message", "source_type", "source_id", "labels", "level", "fields",
                              "trace_id", "span_id"):
                    check(m["event"].get(field) == e.get(field),
                          f"{field} changed: {e.get(field)!r} -> {m['event'].get(field)!r}")
                headers = [v for k, v in m["headers"] if k == "traceparent"]
                if "trace_id" in e:
                    check(len(headers) == 1 and re.fullmatch(f"00-{e['trace_id']}-{e['span_id']}-0[01]", headers[0]),
                          f"traceparent {headers} for trace {e['trace_id']} span {e['span_id']}")
                else:
                    check(not headers, f"traceparent {headers} on an event without trace context")
            print(f"    {n} events relayed, {n // 2} with traceparent")
            stop_ok(relay)
        finally:
            if relay.alive():
                relay.stop()


if __name__ == "__main__":
    SUITE = Suite("kafka")
    try:
        KAFKA_MOCK = kafka_mock_binary(SUITE.args)
        kcat_binary()
    except AssertionError as e:
        print(f"FAIL: {e}")
        raise SystemExit(1)
    for test in (test_every_codec_delivers_each_line_once_with_its_json,
                 test_partitioning_by_key_keeps_each_source_in_order,
                 test_all_brokers_down_loses_nothing,
                 test_transient_produce_errors_are_retried,
                 test_authorization_error_sends_events_to_the_dlq,
                 test_topic_routing_label_then_level_then_topic,
                 test_round_trip_through_kafka_keeps_every_field,
                 test_consumer_group_survives_a_sigkill,
                 test_raw_format_reads_plain_lines,
                 test_trace_context_and_fields_pass_through_as_traceparent):
        SUITE.run(cleanup(test))
    SUITE.finish()
