#!/usr/bin/env python3
"""End-to-end pipeline benchmark: the whole agent over a generated input file.

For each scenario (file -> null, file -> local_file as JSON) and each of N runs (default 3):
  1. writes a config (CONTRACT §3) into a fresh temp dir: file_monitor.include = [the input],
     read_from: beginning, positions and data_dir in the temp dir, the API server on a free
     loopback port, the scenario's sink enabled and every other sink disabled,
     disk_buffer.enabled: false;
  2. starts `log-capturer --config CFG`;
  3. polls GET /metrics until log_capturer_logs_sent_total{sink=<sink>,status="success"} reaches
     the input's line count;
  4. at that moment reads utime+stime from /proc/PID/stat (the agent runs no children) and VmHWM
     from /proc/PID/status, then stops the agent with SIGTERM.

Figures (the median of the runs, each figure taken separately):
  lines/s, MiB/s     input lines (bytes) / elapsed, where elapsed runs from process start (spawn)
                     to the poll that saw the last line delivered. It includes start-up and up to
                     one poll interval (--poll-interval, 50 ms) of slack; it excludes shutdown.
  CPU-s per GiB      (utime + stime of the agent at that moment) / (input bytes / 2^30)
  peak RSS MiB       VmHWM / 1024

The input is generated once with loggen (2,000,000 lines, ~216 bytes a line, like
reference/peers.md) and is in the page cache for every run. Python standard library only.
`--self-test` checks the parsers and the whole run loop against a fake agent, without the real one.
"""

import argparse
import contextlib
import gzip
import io
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIB = 1 << 20
GIB = 1 << 30

# scenario name -> sink key in sinks: (also the expected `sink` label of the metrics)
SCENARIOS = {
    "null": {"title": "file -> null", "sink": "null"},
    "local_file": {"title": "file -> local_file (json)", "sink": "local_file"},
}
# Targets from reference/peers.md ("three times Fluent Bit's best CPU cost, half its memory").
TARGETS = {
    "local_file": {"cpu_s_per_gib": 2.0, "peak_rss_mib": 64.0},
    "null": {"peak_rss_mib": 64.0},
}
SENT_METRIC = "log_capturer_logs_sent_total"


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Parsing: Prometheus text exposition, /proc files


def _parse_labels(text):
    """Parses `a="x",b="y\\"z"` (the inside of {...}) into a dict, honouring \\\\, \\" and \\n."""
    labels = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " ,":
            i += 1
        if i >= n:
            break
        eq = text.index("=", i)
        name = text[i:eq].strip()
        i = eq + 1
        while text[i] == " ":
            i += 1
        if text[i] != '"':
            raise ValueError("label value not quoted: " + text)
        i += 1
        value = []
        while text[i] != '"':
            c = text[i]
            if c == "\\":
                i += 1
                c = {"n": "\n", "\\": "\\", '"': '"'}.get(text[i], "\\" + text[i])
            value.append(c)
            i += 1
        labels[name] = "".join(value)
        i += 1
    return labels


_SAMPLE_RE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$")


def parse_prometheus(text):
    """Returns [(name, labels_dict, float_value)] for every sample line; skips comments."""
    samples = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        if not m:
            raise ValueError("unparsable metrics line: " + line)
        name, labels, value = m.group(1), m.group(2), m.group(3)
        samples.append((name, _parse_labels(labels) if labels else {}, float(value)))
    return samples


def metric_value(samples, name, **labels):
    """The sum of the samples of `name` whose labels include `labels`; None when none match."""
    total, found = 0.0, False
    for sample_name, sample_labels, value in samples:
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items()):
            total += value
            found = True
    return total if found else None


def parse_proc_stat_cpu_ticks(text):
    """utime + stime (clock ticks) from /proc/PID/stat. The comm field may hold spaces and ')'."""
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


def parse_vmhwm_kib(text):
    """VmHWM (peak resident set, KiB) from /proc/PID/status."""
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise ValueError("no VmHWM in /proc/PID/status")


# ---------------------------------------------------------------------------------------------
# Config: a nested dict emitted as block YAML


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar
    if isinstance(value, (list, dict)):
        return json.dumps(value)  # flow style; JSON is valid YAML
    raise TypeError("cannot emit %r" % (value,))


def to_yaml(mapping, indent=0):
    out = []
    pad = " " * indent
    for key, value in mapping.items():
        k = key if _PLAIN_KEY.match(key) else json.dumps(key)
        if isinstance(value, dict) and value:
            out.append("%s%s:\n%s" % (pad, k, to_yaml(value, indent + 2)))
        else:
            out.append("%s%s: %s\n" % (pad, k, _yaml_scalar(value)))
    return "".join(out)


def parse_override(text):
    """`a.b.c=VALUE` -> (['a','b','c'], value); VALUE is JSON when it parses as JSON
    (true, 3, 1.5, [..], {..}, "..."), else a plain string (e.g. 256KiB, 1s)."""
    if "=" not in text:
        raise ValueError("--set needs KEY=VALUE: " + text)
    key, raw = text.split("=", 1)
    path = [p for p in key.strip().split(".") if p]
    if not path:
        raise ValueError("--set needs a key: " + text)
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return path, value


def apply_override(config, path, value):
    node = config
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError("--set %s: %s is not a section" % (".".join(path), part))
    node[path[-1]] = value


def build_config(input_path, workdir, port, sink):
    """The agent's config for one run; every path lives under `workdir`."""
    workdir = Path(workdir)
    sinks = {
        "loki": {"enabled": False},
        "kafka": {"enabled": False},
        "local_file": {"enabled": False},
        "stdout": {"enabled": False},
        "null": {"enabled": False},
    }
    if sink == "local_file":
        sinks["local_file"] = {"enabled": True, "directory": str(workdir / "out"), "output_format": "json"}
    elif sink == "null":
        sinks["null"] = {"enabled": True}
    else:
        raise ValueError("unknown sink " + sink)
    return {
        "app": {"name": "log-capturer-bench", "log_level": "warn", "data_dir": str(workdir / "data")},
        "server": {"enabled": True, "host": "127.0.0.1", "port": port},
        "metrics": {"enabled": True, "path": "/metrics"},
        "file_monitor": {
            "enabled": True,
            "include": [str(input_path)],
            "exclude": [],
            "read_from": "beginning",
            "labels": {"job": "bench"},
        },
        "container_monitor": {"enabled": False},
        "sinks": sinks,
        "positions": {"directory": str(workdir / "positions")},
        "disk_buffer": {"enabled": False},
    }


# ---------------------------------------------------------------------------------------------
# Running


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch_metrics(port, timeout=2.0):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=timeout) as response:
        return response.read().decode("utf-8", "replace")


def delivered(samples, sink):
    """Lines the sink acknowledged. If no sample carries sink=<sink> but exactly one sink label
    exists, that one is used (the agent may name its sinks differently); returns (count, label)."""
    count = metric_value(samples, SENT_METRIC, sink=sink, status="success")
    if count is not None:
        return count, sink
    names = {labels.get("sink") for name, labels, _ in samples if name == SENT_METRIC}
    names.discard(None)
    if len(names) == 1:
        other = names.pop()
        return metric_value(samples, SENT_METRIC, sink=other, status="success") or 0.0, other
    return 0.0, None


def tail(path, max_bytes=2000):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - max_bytes))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def stop_agent(proc, wait_s):
    """SIGTERM, then SIGKILL after wait_s. Returns (exit_code, seconds_to_exit, killed)."""
    if proc.poll() is not None:
        return proc.returncode, 0.0, False
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=wait_s)
        return proc.returncode, time.monotonic() - start, False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return proc.returncode, time.monotonic() - start, True


def run_once(args, scenario, input_path, lines, input_bytes):
    sink = SCENARIOS[scenario]["sink"]
    workdir = Path(tempfile.mkdtemp(prefix="lcbench-%s-" % scenario, dir=args.workdir))
    try:
        port = free_port()
        config = build_config(input_path, workdir, port, sink)
        for override in args.set or []:
            apply_override(config, *parse_override(override))
        config_path = workdir / "config.yaml"
        config_path.write_text(to_yaml(config))
        agent_log = workdir / "agent.stderr"

        with open(agent_log, "wb") as err:
            start = time.monotonic()
            proc = subprocess.Popen([str(args.binary), "--config", str(config_path)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                    close_fds=True)
        try:
            count, label, seen_metrics = 0.0, None, False
            last_count, last_progress = -1.0, start
            while True:
                if proc.poll() is not None:
                    raise BenchError("agent exited with code %s after %.1f s, %d of %d lines delivered;"
                                     " stderr tail:\n%s" % (proc.returncode, time.monotonic() - start, count,
                                                            lines, tail(agent_log)))
                try:
                    samples = parse_prometheus(fetch_metrics(port))
                    seen_metrics = True
                    count, label = delivered(samples, sink)
                except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
                    pass  # not listening yet, or busy
                now = time.monotonic()
                if count >= lines:
                    end = now
                    break
                if count > last_count:
                    last_count, last_progress = count, now
                if now - start > args.timeout:
                    raise BenchError("timeout after %.0f s: %d of %d lines delivered (metrics %s)"
                                     % (now - start, count, lines, "seen" if seen_metrics else "never answered"))
                if now - last_progress > args.stall_timeout:
                    raise BenchError("no progress for %.0f s: %d of %d lines delivered (metrics %s);"
                                     " stderr tail:\n%s" % (now - last_progress, count, lines,
                                                            "seen" if seen_metrics else "never answered",
                                                            tail(agent_log)))
                time.sleep(args.poll_interval)

            try:
                cpu_ticks = parse_proc_stat_cpu_ticks(Path("/proc/%d/stat" % proc.pid).read_text())
                hwm_kib = parse_vmhwm_kib(Path("/proc/%d/status" % proc.pid).read_text())
            except (OSError, ValueError) as e:
                raise BenchError("agent vanished before /proc could be read: %s" % e)
        finally:
            exit_code, shutdown_s, killed = stop_agent(proc, args.shutdown_wait)

        if label != sink:
            print("warning: no %s{sink=%r}; used sink=%r" % (SENT_METRIC, sink, label), file=sys.stderr)
        if killed or exit_code != 0:
            print("warning: %s: agent exit code %s after SIGTERM%s; stderr tail:\n%s"
                  % (scenario, exit_code, " (killed after %.0f s)" % args.shutdown_wait if killed else "",
                     tail(agent_log)), file=sys.stderr)
        elapsed = end - start
        cpu_s = cpu_ticks / os.sysconf("SC_CLK_TCK")
        result = {
            "elapsed_s": round(elapsed, 3),
            "cpu_s": round(cpu_s, 3),
            "lines_per_s": round(lines / elapsed),
            "mib_per_s": round(input_bytes / MIB / elapsed, 1),
            "cpu_s_per_gib": round(cpu_s / (input_bytes / GIB), 2),
            "peak_rss_mib": round(hwm_kib / 1024, 1),
            "delivered": int(count),
            "exit_code": exit_code,
            "shutdown_s": round(shutdown_s, 2),
        }
        if args.verify and sink == "local_file":
            result["verify"] = verify_output(workdir / "out", lines)
        return result
    finally:
        if args.keep:
            print("kept %s" % workdir, file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


_SEQ_RE = re.compile(rb"seq=(\d{10})")


def verify_output(directory, lines):
    """Checks that every loggen sequence number 0..lines-1 appears in the files under `directory`
    (plain or .gz). Returns {"missing": n, "duplicates": n, "lines": n}."""
    seen = bytearray(lines)
    duplicates = total = 0
    for path in sorted(Path(directory).rglob("*")):
        if not path.is_file():
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            for line in f:
                total += 1
                m = _SEQ_RE.search(line)
                if not m:
                    continue
                seq = int(m.group(1))
                if seq < lines:
                    if seen[seq]:
                        duplicates += 1
                    seen[seq] = 1
    return {"missing": lines - sum(seen), "duplicates": duplicates, "lines": total}


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(16 * MIB)
            if not chunk:
                return n
            n += chunk.count(b"\n")


def generate_input(args, directory):
    if args.input:
        path = Path(args.input)
        return path, count_lines(path), path.stat().st_size
    if not Path(args.loggen).is_file():
        raise BenchError("loggen not found at %s (build it: cmake -DLOGCAP_BUILD_BENCH=ON, target loggen)"
                         % args.loggen)
    path = Path(directory) / "input.log"
    cmd = [str(args.loggen), "--lines", str(args.lines), "--out", str(path), "--seed", str(args.seed)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    print(out.strip(), file=sys.stderr)
    return path, args.lines, path.stat().st_size


def summarize(scenario, runs, lines, input_bytes):
    keys = ["lines_per_s", "mib_per_s", "cpu_s_per_gib", "peak_rss_mib", "elapsed_s", "cpu_s"]
    summary = {"scenario": scenario, "title": SCENARIOS[scenario]["title"], "lines": lines,
               "input_bytes": input_bytes, "runs": len(runs)}
    for key in keys:
        summary[key] = round(statistics.median(r[key] for r in runs), 3)
    summary["lines_per_s"] = round(summary["lines_per_s"])
    summary["per_run"] = runs
    target = TARGETS.get(scenario, {})
    summary["targets"] = target
    summary["meets_targets"] = all(summary[k] <= v for k, v in target.items())
    return summary


def markdown_table(summaries):
    rows = ["| scenario | runs | lines/s | MiB/s | CPU-s per GiB | peak RSS MiB | elapsed s | targets |",
            "|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        if "error" in s:
            rows.append("| %s | failed: %s | | | | | | |" % (s["title"], s["error"].splitlines()[0]))
            continue
        target = ", ".join("%s <= %g" % (k, v) for k, v in s["targets"].items()) or "-"
        mark = "met" if s["meets_targets"] else "MISSED"
        rows.append("| %s | %d | {:,} | %.1f | %.2f | %.1f | %.2f | %s (%s) |".format(s["lines_per_s"])
                    % (s["title"], s["runs"], s["mib_per_s"], s["cpu_s_per_gib"], s["peak_rss_mib"],
                       s["elapsed_s"], target, mark))
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=textwrap.dedent(__doc__.split("\n\n", 1)[1]))
    parser.add_argument("--binary", type=Path, default=REPO / "build" / "log-capturer", help="the agent")
    parser.add_argument("--loggen", type=Path, default=REPO / "build" / "loggen", help="the generator")
    parser.add_argument("--lines", type=int, default=2_000_000, help="input lines (default 2,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="loggen seed")
    parser.add_argument("--input", help="use this existing file instead of generating one")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario; the median is reported")
    parser.add_argument("--scenarios", default="null,local_file",
                        help="comma-separated, from: " + ", ".join(SCENARIOS))
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a config key, e.g. --set dispatcher.batch_size=2000 (repeatable)")
    parser.add_argument("--workdir", help="parent of the temp dirs (default: the system temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep each run's temp dir (config, output, log)")
    parser.add_argument("--verify", action="store_true",
                        help="after a local_file run, check every sequence number is in the output")
    parser.add_argument("--poll-interval", type=float, default=0.05, help="seconds between /metrics polls")
    parser.add_argument("--timeout", type=float, default=900, help="max seconds for one run")
    parser.add_argument("--stall-timeout", type=float, default=60, help="fail after this long without progress")
    parser.add_argument("--shutdown-wait", type=float, default=60, help="seconds to wait after SIGTERM")
    parser.add_argument("--json-out", help="also write the per-scenario JSON lines to this file")
    parser.add_argument("--check-targets", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--self-test", action="store_true", help="test this script (no agent needed)")
    args = parser.parse_args(argv)

    if args.self_test:
        return self_test(args.loggen)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for s in scenarios:
        if s not in SCENARIOS:
            parser.error("unknown scenario %r (known: %s)" % (s, ", ".join(SCENARIOS)))
    for override in args.set or []:
        try:
            parse_override(override)
        except ValueError as e:
            parser.error(str(e))
    if not Path(args.binary).is_file():
        print("error: agent binary not found: %s (make build, or --binary)" % args.binary, file=sys.stderr)
        return 1

    input_dir = tempfile.mkdtemp(prefix="lcbench-input-", dir=args.workdir)
    summaries = []
    try:
        input_path, lines, input_bytes = generate_input(args, input_dir)
        print("input: %s, %d lines, %.1f MiB (%.1f bytes/line)" % (input_path, lines, input_bytes / MIB,
                                                                   input_bytes / max(lines, 1)), file=sys.stderr)
        for scenario in scenarios:
            runs = []
            try:
                for i in range(args.runs):
                    r = run_once(args, scenario, input_path, lines, input_bytes)
                    print("%s run %d/%d: %.2f s, %s lines/s, %.2f CPU-s/GiB, %.1f MiB peak RSS"
                          % (scenario, i + 1, args.runs, r["elapsed_s"], r["lines_per_s"], r["cpu_s_per_gib"],
                             r["peak_rss_mib"]), file=sys.stderr)
                    runs.append(r)
                summaries.append(summarize(scenario, runs, lines, input_bytes))
            except BenchError as e:
                print("%s failed: %s" % (scenario, e), file=sys.stderr)
                summaries.append({"scenario": scenario, "title": SCENARIOS[scenario]["title"], "error": str(e),
                                  "per_run": runs})
    except BenchError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(input_dir, ignore_errors=True)

    print("Time runs from agent start to the last line delivered; medians of %d runs; %s." %
          (args.runs, "compare only figures from one invocation (noisy shared machine)"))
    print()
    print(markdown_table(summaries))
    print()
    json_lines = [json.dumps(s, sort_keys=True) for s in summaries]
    for line in json_lines:
        print(line)
    if args.json_out:
        Path(args.json_out).write_text("\n".join(json_lines) + "\n")
    if any("error" in s for s in summaries):
        return 1
    if args.check_targets and not all(s["meets_targets"] for s in summaries):
        return 1
    return 0


# ---------------------------------------------------------------------------------------------
# Self-test

_FAKE_AGENT = r'''#!/usr/bin/env python3
# A stand-in for log-capturer: reads its config crudely, "delivers" the input's lines over ~0.3 s
# on /metrics, exits 0 on SIGTERM.
import http.server, re, signal, sys, time
cfg = open(sys.argv[sys.argv.index("--config") + 1]).read()
port = int(re.search(r"\n  port: (\d+)", cfg).group(1))
path = re.search(r'include: \["(.*?)"\]', cfg).group(1)
sink = "local_file" if re.search(r"local_file:\n    enabled: true", cfg) else "null"
lines = sum(chunk.count(b"\n") for chunk in iter(lambda f=open(path, "rb"): f.read(1 << 20), b""))
start = time.monotonic()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        n = min(lines, int(lines * (time.monotonic() - start) / 0.3))
        body = ("# HELP log_capturer_logs_sent_total Lines sent.\n# TYPE log_capturer_logs_sent_total counter\n"
                'log_capturer_logs_sent_total{sink="%s",status="success"} %d\n'
                'log_capturer_logs_sent_total{sink="%s",status="failed"} 0\n' % (sink, n, sink)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
'''


def self_test(loggen):
    failures = []

    def check(name, got, want):
        if got != want:
            failures.append("%s: got %r, want %r" % (name, got, want))

    text = textwrap.dedent('''\
        # HELP log_capturer_logs_sent_total Lines sent.
        # TYPE log_capturer_logs_sent_total counter
        log_capturer_logs_sent_total{sink="null",status="success"} 1.5e+06
        log_capturer_logs_sent_total{status="retry",sink="null"} 3
        log_capturer_logs_sent_total{sink="local_file",status="success"} 42 1700000000000
        log_capturer_logs_captured_total{source_type="file",source="a \\"q\\" b\\\\c,}d"} 7
        log_capturer_logs_captured_total{source_type="file",source="other"} 5
        log_capturer_dispatcher_queue_size 0
        log_capturer_stage_duration_seconds_bucket{stage="capture",le="+Inf"} 12
        log_capturer_stage_duration_seconds_sum{stage="capture"} NaN
        ''')
    samples = parse_prometheus(text)
    check("sample count", len(samples), 8)
    check("success null", metric_value(samples, SENT_METRIC, sink="null", status="success"), 1.5e6)
    check("label order", metric_value(samples, SENT_METRIC, sink="null", status="retry"), 3.0)
    check("with timestamp", metric_value(samples, SENT_METRIC, sink="local_file", status="success"), 42.0)
    check("absent", metric_value(samples, SENT_METRIC, sink="loki"), None)
    check("escapes", samples[3][1]["source"], 'a "q" b\\c,}d')
    check("sum over labels", metric_value(samples, "log_capturer_logs_captured_total", source_type="file"), 12.0)
    check("no labels", metric_value(samples, "log_capturer_dispatcher_queue_size"), 0.0)
    check("+Inf label", samples[6][1]["le"], "+Inf")
    check("delivered exact", delivered(samples, "local_file"), (42.0, "local_file"))
    only_other = parse_prometheus('log_capturer_logs_sent_total{sink="file_out",status="success"} 9\n')
    check("delivered fallback", delivered(only_other, "local_file"), (9.0, "file_out"))
    check("delivered none", delivered([], "null"), (0.0, None))
    try:
        parse_prometheus("this is not a sample\n")
        failures.append("garbage metrics line accepted")
    except ValueError:
        pass

    stat = "1234 (log (capt) er) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 31 0 0 20 0 9 0 100 1000 200"
    check("proc stat", parse_proc_stat_cpu_ticks(stat), 281)
    check("vmhwm", parse_vmhwm_kib("Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t 1 kB\n"), 51200)
    check("vmhwm self", parse_vmhwm_kib(Path("/proc/self/status").read_text()) > 0, True)

    check("yaml", to_yaml({"a": {"b": 1, "c": True, "d": "x\"y", "e": ["p", "q"], "f": {}},
                           "sinks": {"null": {"enabled": False}}, "weird key": 1.5}),
          'a:\n  b: 1\n  c: true\n  d: "x\\"y"\n  e: ["p", "q"]\n  f: {}\n'
          'sinks:\n  null:\n    enabled: false\n"weird key": 1.5\n')
    check("override json", parse_override("dispatcher.batch_size=2000"), (["dispatcher", "batch_size"], 2000))
    check("override bool", parse_override("sinks.local_file.rotation.compress=false")[1], False)
    check("override text", parse_override("file_monitor.read_buffer_size=512KiB")[1], "512KiB")
    cfg = build_config("/in.log", "/w", 1234, "local_file")
    apply_override(cfg, ["sinks", "local_file", "rotation", "compress"], False)
    check("override applied", cfg["sinks"]["local_file"]["rotation"], {"compress": False})
    check("null disabled", cfg["sinks"]["null"], {"enabled": False})
    check("buffer off", cfg["disk_buffer"], {"enabled": False})
    check("read_from", cfg["file_monitor"]["read_from"], "beginning")

    runs = [{"lines_per_s": v, "mib_per_s": v / 10, "cpu_s_per_gib": v / 100, "peak_rss_mib": 50.0,
             "elapsed_s": 1.0, "cpu_s": 1.0} for v in (300.0, 100.0, 200.0)]
    s = summarize("local_file", runs, 10, 100)
    check("median", (s["lines_per_s"], s["cpu_s_per_gib"]), (200, 2.0))
    check("meets targets", s["meets_targets"], True)
    check("table rows", len(markdown_table([s]).splitlines()), 3)

    # The whole run loop against a fake agent.
    with tempfile.TemporaryDirectory(prefix="lcbench-selftest-") as tmp:
        tmp = Path(tmp)
        fake = tmp / "fake-agent"
        fake.write_text(_FAKE_AGENT)
        fake.chmod(0o755)
        data = tmp / "input.log"
        data.write_bytes(b"".join(b"line seq=%010d\n" % i for i in range(5000)))
        out = tmp / "results.jsonl"
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            rc = main(["--binary", str(fake), "--input", str(data), "--runs", "2", "--workdir", str(tmp),
                       "--json-out", str(out), "--stall-timeout", "20", "--timeout", "60"])
        check("fake run exit code", rc, 0)
        check("fake run table", "| file -> local_file (json) | 2 |" in captured.getvalue(), True)
        if rc != 0:
            print(captured.getvalue(), file=sys.stderr)
        if out.exists():
            results = [json.loads(line) for line in out.read_text().splitlines()]
            check("fake scenarios", [r["scenario"] for r in results], ["null", "local_file"])
            for r in results:
                check("fake %s delivered" % r["scenario"], r["per_run"][0]["delivered"], 5000)
                check("fake %s clean exit" % r["scenario"], r["per_run"][0]["exit_code"], 0)
                check("fake %s figures positive" % r["scenario"],
                      all(r[k] > 0 for k in ("lines_per_s", "mib_per_s", "peak_rss_mib", "elapsed_s")), True)
        else:
            failures.append("fake run wrote no results")
        out_dir = tmp / "verify"
        out_dir.mkdir()
        (out_dir / "a.log").write_bytes(b"".join(b'{"message":"x seq=%010d"}\n' % i for i in range(0, 6)))
        with gzip.open(out_dir / "b.log.1.gz", "wb") as f:
            f.write(b"".join(b"seq=%010d\n" % i for i in (5, 6, 8)))
        check("verify", verify_output(out_dir, 10), {"missing": 2, "duplicates": 1, "lines": 9})

        if Path(loggen).is_file():
            gen = tmp / "gen.log"
            subprocess.run([str(loggen), "--lines", "1000", "--out", str(gen)], check=True, stdout=subprocess.DEVNULL)
            seqs = [int(m) for m in _SEQ_RE.findall(gen.read_bytes())]
            check("loggen sequence", seqs, list(range(1000)))
        else:
            print("self-test: %s not built, loggen check skipped" % loggen, file=sys.stderr)

    for f in failures:
        print("FAIL " + f, file=sys.stderr)
    print("self-test: %s (%d failures)" % ("FAILED" if failures else "passed", len(failures)), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
