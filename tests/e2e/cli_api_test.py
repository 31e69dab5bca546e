"""The command line, configuration errors, and the HTTP API (CONTRACT §2, §5, §6)."""
import json
import os
import re
import shutil
import signal
import subprocess
import time

from harness import Suite, input_dir, running_agent, check, wait_until

ERROR_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.+)$")

FIVE_MISTAKES = """\
app:
  log_levl: info
  shutdown_timeout: forever
server:
  port: 70000
dispatcher:
  backpressure: sometimes
  batch_size: 100
  batch_size: 200
sinks:
  stdout:
    enabled: true
"""


def run(binary, *args, env=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60, env=env)


def test_version_prints_and_exits_zero(binary, workdir):
    r = run(binary, "--version")
    check(r.returncode == 0, f"exit {r.returncode}")
    check("log-capturer" in r.stdout and re.search(r"\d+\.\d+\.\d+", r.stdout), f"version output: {r.stdout!r}")


def test_validate_reports_all_five_mistakes_with_locations(binary, workdir):
    path = os.path.join(workdir, "bad.yaml")
    with open(path, "w") as f:
        f.write(FIVE_MISTAKES)
    r = run(binary, "validate", path)
    check(r.returncode == 2, f"exit {r.returncode}, stderr: {r.stderr}")
    errors = [m for m in (ERROR_LINE.match(l) for l in r.stderr.splitlines()) if m]
    lines = sorted(int(m["line"]) for m in errors)
    check(len(errors) >= 5, f"five problems expected, got:\n{r.stderr}")
    for expected_line in (2, 3, 5, 7, 9):
        check(expected_line in lines, f"no error on line {expected_line}:\n{r.stderr}")
    check(any("did you mean" in m["msg"] and "log_level" in m["msg"] for m in errors), "a did-you-mean hint")
    check(all(m["file"] == path for m in errors), "every error names the file")


def test_validate_checks_component_settings_with_locations(binary, workdir):
    path = os.path.join(workdir, "pattern.yaml")
    with open(path, "w") as f:
        f.write("sinks:\n  local_file:\n    enabled: true\n    filename_pattern: \"{nope}.log\"\n")
    r = run(binary, "validate", path)
    check(r.returncode == 2, f"exit {r.returncode}: {r.stderr}")
    m = ERROR_LINE.match(r.stderr.splitlines()[0])
    check(m and m["line"] == "4" and "nope" in m["msg"], f"the pattern error names line 4: {r.stderr!r}")
    r = run(binary, "--config", path)
    check(r.returncode == 2, f"start-up with it exits 2, got {r.returncode}")


def test_validate_accepts_the_examples(binary, workdir):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    names = sorted(n for n in os.listdir(os.path.join(root, "examples")) if n.endswith(".yaml"))
    check({"quickstart.yaml", "loki.yaml", "kafka-agent.yaml", "kafka-aggregator.yaml", "containers.yaml"} <= set(names), f"examples: {names}")
    for name in names:
        r = run(binary, "validate", os.path.join(root, "examples", name))
        check(r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr}")


def test_start_with_a_broken_config_exits_2(binary, workdir):
    path = os.path.join(workdir, "bad.yaml")
    with open(path, "w") as f:
        f.write("app: [unclosed\n")
    r = run(binary, "--config", path)
    check(r.returncode == 2, f"exit {r.returncode}")
    check(ERROR_LINE.match(r.stderr.splitlines()[0]), f"first stderr line is FILE:LINE:COL: {r.stderr!r}")


def test_config_path_from_environment(binary, workdir):
    path = os.path.join(workdir, "env.yaml")
    with open(path, "w") as f:
        f.write("app: {log_level: nope}\n")
    env = dict(os.environ, SSW_CONFIG_FILE=path)
    r = run(binary, env=env)
    check(r.returncode == 2 and path in r.stderr, f"SSW_CONFIG_FILE is used: {r.returncode} {r.stderr!r}")


def test_api_health_ready_stats_metrics(binary, workdir):
    indir = input_dir(workdir)
    with open(os.path.join(indir, "a.log"), "w") as f:
        f.write("".join(f"line {i}\n" for i in range(100)))
    with running_agent(binary, workdir) as (agent, _):
        wait_until(lambda: len(agent.output_records()) == 100, 30, "100 lines")
        status, body = agent.get("/health")
        check(status == 200 and json.loads(body)["status"] == "healthy", f"/health: {status} {body}")
        status, body = agent.get("/ready")
        check(status == 200, f"/ready: {status}")
        status, body = agent.get("/api/v1/stats")
        stats = json.loads(body)
        check(status == 200 and "file_monitor" in stats["sources"] and "local_file" in stats["sinks"],
              f"/api/v1/stats: {body}")
        wait_until(lambda: agent.metric("log_capturer_logs_sent_total", {"sink": "local_file", "status": "success"}) == 100,
                   10, "logs_sent_total to count 100")
        check(agent.metric("log_capturer_logs_captured_total", {"source_type": "file", "source": "file_monitor"}) == 100,
              "logs_captured_total counts 100 for the file source")
        status, text = agent.get("/metrics")
        for name in ("log_capturer_logs_captured_total", "log_capturer_logs_sent_total",
                     "log_capturer_stage_duration_seconds", "log_capturer_end_to_end_latency_seconds",
                     "log_capturer_dispatcher_queue_size", "log_capturer_sink_send_duration_seconds",
                     "log_capturer_files_monitored"):
            check(name in text, f"{name} is exposed")
        promtool = shutil.which("promtool")
        check(promtool is not None, "promtool is installed (scripts/install-deps.sh installs prometheus)")
        r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
        check(r.returncode == 0, f"promtool check metrics failed:\n{r.stdout}{r.stderr}")
        status, _ = agent.get("/nope")
        check(status == 404, f"unknown path gives 404, got {status}")


def test_reload_applies_valid_and_rejects_broken_configs(binary, workdir):
    with running_agent(binary, workdir) as (agent, _):
        agent.config["app"]["log_level"] = "debug"
        agent.write_config()
        status, body = agent.request("POST", "/config/reload", body=b"")
        result = json.loads(body)
        check(status == 200 and result["status"] == "applied" and any("log_level" in a for a in result["applied"]),
              f"valid reload: {status} {body}")
        good_config = open(agent.config_path).read()
        agent.write_config("app:\n  log_level: loud\n")
        status, body = agent.request("POST", "/config/reload", body=b"")
        result = json.loads(body)
        check(status == 400 and result["errors"] and ":2:" in result["errors"][0], f"broken reload: {status} {body}")
        check(agent.get("/health")[0] == 200, "the old config keeps running")
        # SIGHUP re-reads the file too; a broken file must not stop the agent.
        agent.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        check(agent.alive(), "the agent survives SIGHUP with a broken file")
        agent.write_config(good_config)
        reloads = agent.metric("log_capturer_config_reloads_total", {"status": "rejected"})
        check(reloads >= 2, f"config_reloads_total{{status=rejected}} = {reloads}")


def test_http_ingest_delivers_json_and_ndjson(binary, workdir):
    with running_agent(binary, workdir) as (agent, _):
        status, body = agent.request("POST", "/api/v1/logs", body=json.dumps(
            {"message": "single", "level": "error", "timestamp": "2026-11-23T10:00:00Z",
             "labels": {"app": "web"}}).encode())
        check(status == 202 and json.loads(body) == {"accepted": 1}, f"single object: {status} {body}")
        ndjson = "\n".join(json.dumps({"message": f"nd {i}"}) for i in range(50)).encode()
        status, body = agent.request("POST", "/api/v1/logs", body=ndjson,
                                     headers={"Content-Type": "application/x-ndjson"})
        check(status == 202 and json.loads(body) == {"accepted": 50}, f"ndjson: {status} {body}")
        status, body = agent.request("POST", "/api/v1/logs", body=b'{"message":"ok"}\n{"oops":1}\n')
        check(status == 400 and "line 2" in body, f"a bad line is a 400 naming it: {status} {body}")
        wait_until(lambda: len(agent.output_records()) == 51, 30, "51 ingested events in the output")
        records = agent.output_records()
        first = records[0]
        check(first["message"] == "single" and first["level"] == "error" and first["source_type"] == "http"
              and first["timestamp"] == "2026-11-23T10:00:00.000000000Z" and first["labels"]["app"] == "web",
              f"fields kept: {first}")
        check([r["message"] for r in records[1:]] == [f"nd {i}" for i in range(50)], "NDJSON order kept")
        check(not any(r["message"] == "ok" for r in records), "nothing of the rejected request was taken")
        check(agent.metric("log_capturer_logs_captured_total", {"source_type": "http"}) == 51, "captured counts 51")


def test_auth_token_protects_api_and_post(binary, workdir):
    with running_agent(binary, workdir, extra={"server": {"auth_token": "s3cret"}}) as (agent, _):
        check(agent.get("/api/v1/stats")[0] == 401, "stats without a token is 401")
        check(agent.get("/api/v1/stats", headers={"Authorization": "Bearer s3cret"})[0] == 200, "with the token 200")
        check(agent.request("POST", "/config/reload", body=b"")[0] == 401, "POST without a token is 401")
        check(agent.get("/health")[0] == 200, "/health stays open")


if __name__ == "__main__":
    suite = Suite("cli_api")
    for t in (test_version_prints_and_exits_zero, test_validate_reports_all_five_mistakes_with_locations,
              test_validate_checks_component_settings_with_locations,
              test_validate_accepts_the_examples, test_start_with_a_broken_config_exits_2,
              test_config_path_from_environment, test_api_health_ready_stats_metrics,
              test_reload_applies_valid_and_rejects_broken_configs, test_http_ingest_delivers_json_and_ndjson,
              test_auth_token_protects_api_and_post):
        suite.run(t)
    suite.finish()
