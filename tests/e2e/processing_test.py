"""Processing pipelines through the real agent: files -> pipelines -> local_file.

Every numbered line must come out exactly once, shaped by its pipeline, unless a step dropped it
(and then it is counted); a line a step cannot parse flows on with `_error`; a Java stack trace
written in pieces, and one held across a restart, arrives as one event; a reload swaps the
pipelines; a broken pipelines file is refused with FILE:LINE:COL.
"""
import json
import os
import subprocess
import time

from harness import Agent, Suite, check, input_dir, running_agent, scaled, wait_until

PIPELINES = r"""
pipelines:
  - name: json_logs
    steps:
      - name: parse
        type: json_parse
        config: {labels: [service]}
  - name: nginx
    steps:
      - name: parse
        type: regex_extract
        config:
          pattern: '^(?<remote_addr>\S+) \S+ (?<remote_user>\S+) \[(?<time_local>[^\]]+)\] "(?<method>\S+) (?<path>\S+) (?<protocol>[^"]+)" (?<status>\d{3}) (?<body_bytes_sent>\d+) "(?<http_referer>[^"]*)" "(?<http_user_agent>[^"]*)"'
      - name: time
        type: timestamp_parse
        config: {field: time_local, format: "%d/%b/%Y:%H:%M:%S %z"}
      - name: server_error
        type: field_add
        condition: {field: status, matches: "^5"}
        config: {fields: {level: error}}
  - name: java
    steps:
      - name: join
        type: multiline
        config: {preset: java, flush_timeout: 500ms}
  - name: default
    steps:
      - name: level
        type: log_level_extract
      - name: no_debug
        type: drop
        condition: {field: level, equals: debug}
      - name: tag
        type: field_add
        config: {fields: {origin: "{{source_name}}"}}
source_mapping:
  json_logs: ["source_name:json*.log"]
  nginx: ["source_name:access.log"]
  java: ["source_name:java.log"]
"""


def agent_with_pipelines(binary, workdir, pipelines=PIPELINES):
    indir = input_dir(workdir)
    with open(os.path.join(workdir, "pipelines.yaml"), "w") as f:
        f.write(pipelines)
    # A relative path: resolved against the config's folder.
    agent = Agent(binary, workdir, include=[os.path.join(indir, "*.log")],
                  extra={"processing": {"pipelines_file": "pipelines.yaml"}})
    return agent, indir


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


def by_source(records, name):
    return [r for r in records if os.path.basename(r["source_id"]) == name]


def test_each_source_takes_its_pipeline(binary, workdir):
    agent, indir = agent_with_pipelines(binary, workdir)
    agent.start()
    n = scaled(500, 50)
    json_lines = []
    for i in range(n):
        json_lines.append(json.dumps({"time": f"2026-01-02T03:04:{i % 60:02d}.5Z", "level": "warn" if i % 2 else "info",
                                      "message": f"json {i}", "service": "api", "user": {"id": i}}) + "\n")
    json_lines.append("this is not json\n")
    append(os.path.join(indir, "json.log"), "".join(json_lines))
    access = []
    for i in range(n):
        status = 503 if i % 10 == 0 else 200
        access.append(f'10.0.0.{i % 250} - bob [10/Oct/2026:13:55:{i % 60:02d} +0200] "GET /p/{i} HTTP/1.1" {status} {i} '
                      f'"-" "curl/8.0"\n')
    append(os.path.join(indir, "access.log"), "".join(access))
    plain = [f"{'DEBUG' if i % 4 == 0 else 'ERROR'} plain {i}\n" for i in range(n)]
    append(os.path.join(indir, "app.log"), "".join(plain))
    kept_plain = sum(1 for i in range(n) if i % 4 != 0)
    expected = (n + 1) + n + kept_plain
    wait_until(lambda: len(agent.output_records()) >= expected, 60, f"{expected} records")
    time.sleep(0.5)
    records = agent.output_records()
    check(len(records) == expected, f"{len(records)} records, expected {expected}")

    js = by_source(records, "json.log")
    check([r["message"] for r in js[:n]] == [f"json {i}" for i in range(n)], "json messages in order, each once")
    first = js[1]
    check(first["level"] == "warn", f"level from the JSON: {first}")
    check(first["timestamp"] == "2026-01-02T03:04:01.500000000Z", f"time from the JSON: {first}")
    check(first["labels"].get("service") == "api", f"service promoted to a label: {first}")
    check(first["fields"]["user"] == {"id": 1}, f"nested object kept as JSON: {first}")
    bad = js[n]
    check(bad["message"] == "this is not json", f"the bad line flows on unchanged: {bad}")
    check(bad["fields"]["_error"].startswith("parse: "), f"_error names the step: {bad}")

    ac = by_source(records, "access.log")
    check(len(ac) == n, f"{len(ac)} access records")
    check(ac[3]["fields"]["path"] == "/p/3" and ac[3]["fields"]["status"] == "200", f"named groups: {ac[3]}")
    check(ac[3]["timestamp"] == "2026-10-10T11:55:03.000000000Z", f"time_local with its offset: {ac[3]}")
    check(ac[0].get("level") == "error" and ac[3].get("level") != "error", "5xx marked error by condition")

    pl = by_source(records, "app.log")
    check([r["message"] for r in pl] == [p.rstrip("\n") for p in plain if not p.startswith("DEBUG")],
          "debug lines dropped, the rest in order")
    check(all(r["fields"]["origin"] == "app.log" and r["level"] == "error" for r in pl), f"template and level: {pl[0]}")

    dropped = agent.metric("log_capturer_logs_dropped_total", {"stage": "process", "reason": "drop"})
    check(dropped == n - kept_plain, f"dropped counted: {dropped}")
    errors = agent.metric("log_capturer_pipeline_step_events_total",
                          {"pipeline": "json_logs", "step": "parse", "outcome": "error"})
    check(errors == 1, f"one json_parse error counted: {errors}")
    status, text = agent.get("/metrics")
    check('log_capturer_pipeline_step_duration_seconds_count{pipeline="nginx",step="parse"}' in text,
          "per-step duration histogram")
    code = agent.stop()
    check(code == 0, f"exit {code}")


JAVA_TRACE = [
    "2026-01-02 03:04:05 ERROR request failed",
    "java.lang.IllegalStateException: boom",
    "\tat com.example.Foo.bar(Foo.java:10)",
    "\tat com.example.Main.main(Main.java:5)",
    "Caused by: java.io.IOException: disk",
    "\t... 2 more",
]


def test_multiline_across_reads_and_a_restart(binary, workdir):
    agent, indir = agent_with_pipelines(binary, workdir)
    path = os.path.join(indir, "java.log")
    agent.start()
    # One trace written in three pieces with pauses shorter than flush_timeout: one event.
    append(path, "\n".join(JAVA_TRACE[:2]) + "\n")
    time.sleep(0.2)
    append(path, "\n".join(JAVA_TRACE[2:4]) + "\n")
    time.sleep(0.2)
    append(path, "\n".join(JAVA_TRACE[4:]) + "\n" + "2026-01-02 03:04:06 INFO next\n")
    wait_until(lambda: len(agent.output_records()) >= 2, 30, "the trace and the next line")
    records = agent.output_records()
    check(records[0]["message"] == "\n".join(JAVA_TRACE), f"joined trace: {records[0]['message']!r}")
    check(records[1]["message"] == "2026-01-02 03:04:06 INFO next", f"next event: {records[1]}")
    joined = agent.metric("log_capturer_pipeline_step_events_total", {"pipeline": "java", "step": "join", "outcome": "joined"})
    check(joined == 1, f"one joined event counted: {joined}")

    # Stop while a trace is held (flush_timeout not reached), then finish it after the restart.
    append(path, "2026-01-02 03:05:00 ERROR again\njava.lang.RuntimeException: x\n")
    time.sleep(0.1)
    code = agent.stop()
    check(code == 0, f"exit {code}")
    append(path, "\tat com.example.A.b(A.java:1)\n2026-01-02 03:05:01 INFO after\n")
    agent.start()
    wait_until(lambda: len(agent.output_records()) >= 4, 30, "the held trace and the line after it")
    time.sleep(0.8)
    records = agent.output_records()
    messages = [r["message"] for r in records]
    check(messages[2:] == ["2026-01-02 03:05:00 ERROR again\njava.lang.RuntimeException: x\n\tat com.example.A.b(A.java:1)",
                           "2026-01-02 03:05:01 INFO after"], f"held trace read again whole, once: {messages}")
    code = agent.stop()
    check(code == 0, f"exit {code}")


def test_reload_swaps_pipelines_and_refuses_broken_ones(binary, workdir):
    agent, indir = agent_with_pipelines(binary, workdir)
    path = os.path.join(indir, "app.log")
    agent.start()
    append(path, "ERROR before\n")
    wait_until(lambda: len(agent.output_records()) >= 1, 30, "first record")
    with open(os.path.join(workdir, "pipelines.yaml"), "w") as f:
        f.write(PIPELINES.replace('origin: "{{source_name}}"', 'origin: "v2 {{source_name}}"'))
    status, body = agent.request("POST", "/config/reload")
    check(status == 200, f"reload answered {status}: {body}")
    append(path, "ERROR after\n")
    wait_until(lambda: len(agent.output_records()) >= 2, 30, "second record")
    records = agent.output_records()
    check(records[0]["fields"]["origin"] == "app.log", f"before: {records[0]}")
    check(records[1]["fields"]["origin"] == "v2 app.log", f"after the reload: {records[1]}")

    with open(os.path.join(workdir, "pipelines.yaml"), "w") as f:
        f.write("pipelines:\n  - name: default\n    steps:\n      - {name: x, type: regex_extract, config: {pattern: '(['}}\n")
    status, body = agent.request("POST", "/config/reload")
    check(status == 400, f"broken pipelines refused: {status} {body}")
    check("pipelines.yaml:4:" in body and "invalid regular expression" in body, f"FILE:LINE:COL in {body}")
    append(path, "ERROR still\n")
    wait_until(lambda: len(agent.output_records()) >= 3, 30, "third record")
    check(agent.output_records()[2]["fields"]["origin"] == "v2 app.log", "the running pipelines stay")

    result = subprocess.run([binary, "validate", agent.config_path], capture_output=True, text=True)
    check(result.returncode == 2, f"validate exit {result.returncode}")
    check("pipelines.yaml:4:" in result.stderr and "error:" in result.stderr, f"validate stderr: {result.stderr}")
    code = agent.stop()
    check(code == 0, f"exit {code}")


if __name__ == "__main__":
    suite = Suite("processing")
    suite.run(test_each_source_takes_its_pipeline)
    suite.run(test_multiline_across_reads_and_a_restart)
    suite.run(test_reload_swaps_pipelines_and_refuses_broken_ones)
    suite.finish()
