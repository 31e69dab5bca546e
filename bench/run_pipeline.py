#!/usr/bin/env python3
"""End-to-end pipeline benchmark: the whole agent over a generated input file.

Scenarios (--scenarios; all by default, the http ones only when the http-receiver is built):
  null              file -> null
  local_file        file -> local_file (json)
  http              file -> http sink (NDJSON, no compression: the default) -> http-receiver,
                    disk buffer off
  http_buffer       the same with the disk buffer on (compression none, default sync_interval)
  http_buffer_zstd  the same with the disk buffer on, zstd records
  http_gzip_buffer  file -> http sink with gzip, disk buffer on
  loki              file -> loki sink (protobuf + snappy, the default) -> http-receiver as Loki,
                    disk buffer on
  loki_stored       the same with compression: none (protobuf in a stored snappy block)
  loki_json         file -> loki sink (JSON + gzip), disk buffer on
  kafka_<codec>     file -> kafka sink (codec none, gzip, snappy, lz4, zstd) -> kafka-mock (librdkafka's
                    mock cluster, 3 brokers, topic of 4 partitions, in its own process), buffer on
  kafka_in_raw      kafka-mock -> kafka_input (format raw) -> null: the topic (256 partitions) is
                    filled with the input's first 1,000,000 lines at most (kafka-mock's `produce`
                    command; the mock cluster forgets older data past a limit) before the agent starts
  kafka_in_json     the same with each line as the event JSON (format event_json)
  docker_null       Docker json-file -> null: container_monitor (file_monitor off, no Engine API)
                    reads one container's <docker_root>/<id>/<id>-json.log (with its config.v2.json)
  cri_null          Kubernetes CRI -> null: the same over one pod's <pods>/<ns>_<pod>_<uid>/<c>/0.log
Runs are interleaved: run 1 of every scenario, then run 2 of every scenario, ... so that drift of
a noisy machine touches every scenario alike. For each run:
  1. writes a config (CONTRACT §3) into a fresh temp dir: file_monitor.include = [the input] (the
     container scenarios: the input hard-linked into the runtime's layout in the temp dir, and
     container_monitor on instead of file_monitor),
     read_from: beginning, positions and data_dir in the temp dir, the API server on a free
     loopback port, the scenario's sink enabled and every other sink disabled,
     disk_buffer.enabled: false unless the scenario turns it on;
  2. http scenarios: starts a fresh `http-receiver` (no --store: it only counts) on free ports;
  3. starts `log-capturer --config CFG`;
  4. polls GET /metrics until log_capturer_logs_sent_total{sink=<sink>,status="success"} reaches
     the input's line count;
  5. at that moment reads utime+stime from /proc/PID/stat (the agent runs no children) and VmHWM
     from /proc/PID/status (and the receiver's utime+stime), then stops the agent with SIGTERM;
     http scenarios then check the receiver's GET /_stats `lines` >= the line count.

Figures (the median of the runs, each figure taken separately):
  lines/s, MiB/s     input lines (bytes) / elapsed, where elapsed runs from process start (spawn)
                     to the poll that saw the last line delivered. It includes start-up and up to
                     one poll interval (--poll-interval, 50 ms) of slack; it excludes shutdown.
  CPU-s per GiB      (utime + stime of the agent at that moment) / (input bytes / 2^30); the input
                     bytes are the file's: for the container scenarios the records (JSON or CRI
                     framing included), ~1.4x (docker) and ~1.2x (cri) the message bytes. The
                     figures per GiB of message bytes (what the sink receives, the plain lines
                     without their newline) are printed after the table and in the JSON lines.
  peak RSS MiB       VmHWM / 1024
  receiver CPU-s     utime + stime of the http-receiver at the same moment (the machine's other
                     consumer: it shares the 2 cores with the agent)
After the table come the ratios of paired scenarios (buffer on / buffer off, ...): the ratio of
the medians and the median of the per-round ratios (runs of one round ran back to back).

The input is generated once with loggen (2,000,000 lines, ~216 bytes a line, like
reference/peers.md) and is in the page cache for every run; the container scenarios get the same
lines as Docker json-file records or CRI lines (loggen --format docker|cri, --long-ratio).
Python standard library only.
`--self-test` checks the parsers and the whole run loop against a fake agent, without the real one.
"""

import argparse
import contextlib
import glob
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

# scenario name -> sink: the key in sinks: (also the expected `sink` label of the metrics);
# sink_config: keys of that sink's section; disk_buffer: the disk_buffer section.
_BUFFER_OFF = {"enabled": False}
SCENARIOS = {
    "null": {"title": "file -> null", "sink": "null"},
    "local_file": {"title": "file -> local_file (json)", "sink": "local_file"},
    # The http sink's default (no compression), like Fluent Bit's tail -> HTTP JSON reference.
    "http": {"title": "file -> http, buffer off", "sink": "http",
             "sink_config": {"compression": "none"}},
    "http_buffer": {"title": "file -> http, buffer on", "sink": "http",
                    "sink_config": {"compression": "none"},
                    "disk_buffer": {"enabled": True, "compression": "none"}},
    "http_buffer_zstd": {"title": "file -> http, buffer on (zstd)", "sink": "http",
                         "sink_config": {"compression": "none"},
                         "disk_buffer": {"enabled": True, "compression": "zstd"}},
    "http_gzip_buffer": {"title": "file -> http (gzip), buffer on", "sink": "http",
                         "sink_config": {"compression": "gzip"},
                         "disk_buffer": {"enabled": True, "compression": "none"}},
    "loki": {"title": "file -> loki (protobuf+snappy), buffer on", "sink": "loki",
             "sink_config": {"format": "protobuf"},
             "disk_buffer": {"enabled": True, "compression": "none"}},
    "loki_stored": {"title": "file -> loki (protobuf, stored snappy block), buffer on", "sink": "loki",
                    "sink_config": {"format": "protobuf", "compression": "none"},
                    "disk_buffer": {"enabled": True, "compression": "none"}},
    "loki_json": {"title": "file -> loki (json+gzip), buffer on", "sink": "loki",
                  "sink_config": {"format": "json"},
                  "disk_buffer": {"enabled": True, "compression": "none"}},
}
for _codec in ("none", "gzip", "snappy", "lz4", "zstd"):
    SCENARIOS["kafka_" + _codec] = {"title": "file -> kafka (%s), buffer on" % _codec, "sink": "kafka",
                                    "sink_config": {"compression": _codec},
                                    "disk_buffer": {"enabled": True, "compression": "none"}}
SCENARIOS["kafka_in_raw"] = {"title": "kafka (raw lines) -> null", "sink": "null", "kafka_source": "raw"}
SCENARIOS["kafka_in_json"] = {"title": "kafka (event JSON) -> null", "sink": "null", "kafka_source": "event_json"}
# The container source (container_monitor) over one container's log in the runtime's layout.
SCENARIOS["docker_null"] = {"title": "docker json-file -> null", "sink": "null", "container": "docker"}
SCENARIOS["cri_null"] = {"title": "CRI -> null", "sink": "null", "container": "cri"}
# Fluent Bit's "tail + JSON parser + modify (add a field) -> HTTP" (reference/peers.md), as a
# processing pipeline: the JSON lines (half the input) are parsed into fields, with the level and
# the time taken from them; every line gets one field added. The nginx lines pass the parser by.
_JSON_MODIFY = {"pipelines": [{"name": "default", "steps": [
    {"name": "parse", "type": "json_parse", "condition": "^\\{"},
    {"name": "modify", "type": "field_add", "config": {"fields": {"cluster": "bench"}}},
]}]}
SCENARIOS["http_json_modify"] = {"title": "file -> json_parse + field_add -> http, buffer off", "sink": "http",
                                 "sink_config": {"compression": "none"}, "processing": _JSON_MODIFY}
SCENARIOS["null_json_modify"] = {"title": "file -> json_parse + field_add -> null", "sink": "null",
                                 "processing": _JSON_MODIFY}
# Sinks whose scenarios deliver to the http-receiver test peer.
RECEIVER_SINKS = ("http", "loki")


def needs_kafka(scenario):
    spec = SCENARIOS[scenario]
    return spec["sink"] == "kafka" or "kafka_source" in spec
# Targets: key -> (">=" or "<=", bound). file -> file and memory from reference/peers.md ("three
# times Fluent Bit's best CPU cost, half its memory"); http_buffer from the disk buffer issue.
_RSS = {"peak_rss_mib": ("<=", 64.0)}
TARGETS = {
    "null": dict(_RSS),
    "local_file": {"cpu_s_per_gib": ("<=", 2.0), **_RSS},
    "http": dict(_RSS),
    "http_buffer": {"lines_per_s": (">=", 1_000_000), "cpu_s_per_gib": ("<=", 4.5), **_RSS},
    "http_buffer_zstd": dict(_RSS),
    "http_gzip_buffer": dict(_RSS),
    # The Loki sink issue: at least 800k lines/s and at most 3.5 CPU-s per GiB into a receiver.
    "loki": {"lines_per_s": (">=", 800_000), "cpu_s_per_gib": ("<=", 3.5), **_RSS},
    "loki_stored": {"lines_per_s": (">=", 800_000), "cpu_s_per_gib": ("<=", 3.5), **_RSS},
    "loki_json": dict(_RSS),
    # The Kafka issue: at least 800k lines/s produced with lz4.
    "kafka_lz4": {"lines_per_s": (">=", 800_000), **_RSS},
    "kafka_none": dict(_RSS), "kafka_gzip": dict(_RSS), "kafka_snappy": dict(_RSS), "kafka_zstd": dict(_RSS),
    "kafka_in_raw": dict(_RSS), "kafka_in_json": dict(_RSS),
    # The pipelines issue: the same shape as Fluent Bit's 205k lines/s and 25 CPU-s/GiB.
    "http_json_modify": {"lines_per_s": (">=", 800_000), "cpu_s_per_gib": ("<=", 8.0), **_RSS},
    "null_json_modify": dict(_RSS),
    # The container logs issue: at least 1,000,000 lines/s and at most 3 CPU-s per GiB into null
    # (per GiB of the file's bytes, like Fluent Bit's ~240k lines/s and 12 CPU-s/GiB reading
    # Docker json-file logs into HTTP here).
    "docker_null": {"lines_per_s": (">=", 1_000_000), "cpu_s_per_gib": ("<=", 3.0), **_RSS},
    "cri_null": {"lines_per_s": (">=", 1_000_000), "cpu_s_per_gib": ("<=", 3.0), **_RSS},
}
# Ratios printed after the table: (label, numerator scenario, denominator scenario, targets), the
# targets on the ratio of the medians: the disk buffer may cost at most 25 % of the throughput.
RATIOS = [
    ("disk buffer on / off", "http_buffer", "http", {"lines_per_s": (">=", 0.75)}),
    ("disk buffer zstd on / off", "http_buffer_zstd", "http", {}),
    ("http gzip / none, buffer on", "http_gzip_buffer", "http_buffer", {}),
    ("loki json+gzip / protobuf+snappy", "loki_json", "loki", {}),
    ("loki stored / snappy", "loki_stored", "loki", {}),
    ("json_parse + field_add / none, into http", "http_json_modify", "http", {}),
]
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


def read_cpu_s(pid):
    """utime + stime of a live process, in seconds."""
    return parse_proc_stat_cpu_ticks(Path("/proc/%d/stat" % pid).read_text()) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid, top=8):
    """[[name, cpu_s], ...] of the process's live threads, busiest first (at most `top`): which
    threads did the work, seen from outside. name is the thread's comm, "" when it is the process's
    own (an unnamed thread). Exited threads are missing (their CPU is in the total)."""
    threads = []
    tick = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir("/proc/%d/task" % pid)
        process = Path("/proc/%d/comm" % pid).read_text().rstrip("\n")
    except OSError:
        return []
    for tid in tids:
        try:
            text = Path("/proc/%d/task/%s/stat" % (pid, tid)).read_text()
        except OSError:
            continue  # exited meanwhile
        comm = text[text.index("(") + 1:text.rindex(")")]
        threads.append(["" if comm == process else comm, round(parse_proc_stat_cpu_ticks(text) / tick, 2)])
    threads.sort(key=lambda t: -t[1])
    return threads[:top]


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
    """`[SCENARIO:]a.b.c=VALUE` -> (scenario or None, ['a','b','c'], value); VALUE is JSON when it
    parses as JSON (true, 3, 1.5, [..], {..}, "..."), else a plain string (e.g. 256KiB, 1s).
    With a SCENARIO prefix the override applies to that scenario's runs only."""
    if "=" not in text:
        raise ValueError("--set needs KEY=VALUE: " + text)
    key, raw = text.split("=", 1)
    scenario = None
    if ":" in key:
        scenario, key = key.split(":", 1)
        scenario = scenario.strip()
        if scenario not in SCENARIOS:
            raise ValueError("--set %s: unknown scenario %r (known: %s)" % (text, scenario, ", ".join(SCENARIOS)))
    path = [p for p in key.strip().split(".") if p]
    if not path:
        raise ValueError("--set needs a key: " + text)
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return scenario, path, value


def apply_override(config, path, value):
    node = config
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError("--set %s: %s is not a section" % (".".join(path), part))
    node[path[-1]] = value


def build_config(input_path, workdir, port, scenario, receiver_url=None, kafka_bootstraps=None):
    """The agent's config for one run of `scenario`; every path lives under `workdir`.
    http scenarios need the receiver's data URL, kafka ones the mock cluster's bootstrap servers."""
    workdir = Path(workdir)
    spec = SCENARIOS[scenario]
    sink = spec["sink"]
    sinks = {
        "loki": {"enabled": False},
        "kafka": {"enabled": False},
        "local_file": {"enabled": False},
        "http": {"enabled": False},
        "stdout": {"enabled": False},
        "null": {"enabled": False},
    }
    if sink == "local_file":
        sinks["local_file"] = {"enabled": True, "directory": str(workdir / "out"), "output_format": "json"}
    elif sink == "null":
        sinks["null"] = {"enabled": True}
    elif sink == "kafka":
        if not kafka_bootstraps:
            raise ValueError("scenario %s needs the kafka bootstrap servers" % scenario)
        sinks["kafka"] = {"enabled": True, "brokers": [kafka_bootstraps], "topic": "logs"}
    elif sink in RECEIVER_SINKS:
        if not receiver_url:
            raise ValueError("scenario %s needs the receiver's url" % scenario)
        sinks[sink] = {"enabled": True, "url": receiver_url}
    else:
        raise ValueError("unknown sink " + sink)
    sinks[sink].update(spec.get("sink_config", {}))
    config = {
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
        "disk_buffer": dict(spec.get("disk_buffer", _BUFFER_OFF)),
    }
    if "container" in spec:
        # input_path is ignored: the input is laid out under workdir (container_layout).
        config["file_monitor"] = {"enabled": False}
        config["container_monitor"] = {
            "enabled": True,
            "docker_root": str(workdir / "docker"),
            "docker_socket": "",  # no Engine API: metadata from config.v2.json
            "cri_include": [str(workdir / "pods" / "*" / "*" / "*.log")] if spec["container"] == "cri" else [],
            "read_from": "beginning",
            "labels": {"job": "bench"},
        }
    if "processing" in spec:
        config["processing"] = spec["processing"]
    if "kafka_source" in spec:
        if not kafka_bootstraps:
            raise ValueError("scenario %s needs the kafka bootstrap servers" % scenario)
        config["file_monitor"] = {"enabled": False}
        config["kafka_input"] = {"enabled": True, "brokers": [kafka_bootstraps], "topics": ["logs"],
                                 "group_id": "bench", "format": spec["kafka_source"], "start_from": "earliest"}
    return config


# ---------------------------------------------------------------------------------------------
# Running


# One container, as the runtimes lay out its log: a 64-hex id (Docker's) and a pod (CRI's).
BENCH_CONTAINER_ID = "5e1f0c2a9b7d4e3f8a6b1c0d2e4f6a8b9c1d3e5f7a9b2c4d6e8f0a1b3c5d7e9f"
BENCH_POD_DIR = "bench_loggen-7f9c4d5b8-x2k4p_0b6c1f9e-3d2a-4c5b-9e8f-7a6b5c4d3e2f"
BENCH_CONTAINER = "app"


def docker_config_v2(container_id):
    """A config.v2.json as Docker keeps it (trimmed: the keys the agent reads plus some others)."""
    return json.dumps({
        "ID": container_id, "Name": "/loggen-1", "Created": "2026-01-01T00:00:00.000000000Z",
        "State": {"Running": True, "Pid": 4242, "StartedAt": "2026-01-01T00:00:00.000000000Z"},
        "Config": {"Hostname": container_id[:12], "Image": "loggen:bench", "Tty": False,
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Labels": {"com.docker.compose.project": "bench", "com.docker.compose.service": "loggen"}},
        "Image": "sha256:" + "9" * 64,
        "LogPath": "/var/lib/docker/containers/%s/%s-json.log" % (container_id, container_id),
        "HostConfig": {"LogConfig": {"Type": "json-file", "Config": {}}},
        "NetworkSettings": {"Networks": {}},
    }, separators=(",", ":"))


def link_or_copy(src, dst):
    """Hard link (same inode: no copy, still in the page cache), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def container_layout(workdir, kind, input_path):
    """Lays the container input out under workdir as the runtime does; returns the log's path.
    docker: docker/<id>/<id>-json.log and docker/<id>/config.v2.json;
    cri:    pods/<namespace>_<pod>_<uid>/<container>/0.log (and an empty docker/)."""
    workdir = Path(workdir)
    docker_root = workdir / "docker"
    docker_root.mkdir(parents=True, exist_ok=True)
    if kind == "docker":
        directory = docker_root / BENCH_CONTAINER_ID
        directory.mkdir()
        (directory / "config.v2.json").write_text(docker_config_v2(BENCH_CONTAINER_ID))
        log = directory / ("%s-json.log" % BENCH_CONTAINER_ID)
    else:
        directory = workdir / "pods" / BENCH_POD_DIR / BENCH_CONTAINER
        directory.mkdir(parents=True)
        log = directory / "0.log"
    link_or_copy(input_path, log)
    return log


def convert_to_container(plain_path, kind, out_path):
    """For --input: the plain file's lines as docker json-file records or CRI lines (one record a
    line, stdout, a microsecond apart). Returns (records, message_bytes)."""
    records = message_bytes = 0
    base = 1767225600  # 2026-01-01T00:00:00Z
    with open(plain_path, "rb") as src, open(out_path, "wb") as dst:
        for line in src:
            text = line[:-1] if line.endswith(b"\n") else line
            message_bytes += len(text)
            ns = records * 1000 + 1000
            stamp = "%s.%09dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + ns // 10**9)), ns % 10**9)
            if kind == "docker":
                log = json.dumps(text.decode("utf-8", "replace") + "\n", ensure_ascii=False)
                log = log.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                dst.write(('{"log":%s,"stream":"stdout","time":"%s"}\n' % (log, stamp)).encode())
            else:
                dst.write(("%s stdout F " % stamp).encode() + text + b"\n")
            records += 1
    return records, message_bytes


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


class BenchReceiver:
    """One http-receiver (tests/tools/http_receiver.cpp) without --store: it only counts lines.
    Its stdout and stderr go to files in `workdir`."""

    def __init__(self, binary, workdir):
        self.binary = str(binary)
        self.workdir = Path(workdir)
        self.proc = None
        self.data_port = self.control_port = None
        self.stdout_path = self.workdir / "receiver.stdout"
        self.stderr_path = self.workdir / "receiver.stderr"

    def start(self, timeout=10.0):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([self.binary, "--host", "127.0.0.1", "--port", "0", "--control-port", "0"],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err, close_fds=True)
        deadline = time.monotonic() + timeout
        while True:
            data = self.stdout_path.read_bytes()
            if b"\n" in data:
                line = data.split(b"\n", 1)[0].decode("utf-8", "replace")
                try:
                    fields = dict(part.split("=", 1) for part in line.split())
                    self.data_port, self.control_port = int(fields["data_port"]), int(fields["control_port"])
                except (ValueError, KeyError):
                    self.stop()
                    raise BenchError("http-receiver printed %r, not data_port=N control_port=M" % line)
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                code = self.proc.poll()
                self.stop()
                raise BenchError("http-receiver %s; stderr tail:\n%s"
                                 % ("exited with code %s" % code if code is not None else
                                    "printed no port line within %.0f s" % timeout, tail(self.stderr_path)))
            time.sleep(0.02)

    def url(self, path="/logs"):
        return "http://127.0.0.1:%d%s" % (self.data_port, path)

    def stats(self, timeout=5.0):
        with urllib.request.urlopen("http://127.0.0.1:%d/_stats" % self.control_port, timeout=timeout) as response:
            return json.loads(response.read())

    def cpu_s(self):
        return read_cpu_s(self.proc.pid)

    def stop(self, wait_s=20.0):
        """SIGTERM (SIGKILL after wait_s); returns the exit code, None if it was never started."""
        if self.proc is None:
            return None
        code, _, killed = stop_agent(self.proc, wait_s)
        return None if killed else code


class BenchKafka:
    """One kafka-mock (tests/tools/kafka_mock.cpp): librdkafka's mock cluster, 3 brokers, topic
    `logs` (4 partitions, or more to hold a source run's input), driven over its stdin. Its output
    goes to files in `workdir`."""

    def __init__(self, binary, workdir, partitions=4):
        self.binary = str(binary)
        self.workdir = Path(workdir)
        self.partitions = partitions
        self.proc = None
        self.bootstraps = None
        self.stdout_path = self.workdir / "kafka-mock.stdout"
        self.stderr_path = self.workdir / "kafka-mock.stderr"

    def start(self, timeout=10.0):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([self.binary, "--topic", "logs:%d" % self.partitions], stdin=subprocess.PIPE,
                                         stdout=out,
                                         stderr=err, close_fds=True)
        deadline = time.monotonic() + timeout
        while True:
            data = self.stdout_path.read_bytes()
            if b"\n" in data:
                line = data.split(b"\n", 1)[0].decode("utf-8", "replace").split()
                if len(line) != 2 or line[0] != "BOOTSTRAP":
                    self.stop()
                    raise BenchError("kafka-mock printed %r, not BOOTSTRAP servers" % " ".join(line))
                self.bootstraps = line[1]
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                code = self.proc.poll()
                self.stop()
                raise BenchError("kafka-mock %s; stderr tail:\n%s"
                                 % ("exited with code %s" % code if code is not None else
                                    "printed no BOOTSTRAP line within %.0f s" % timeout, tail(self.stderr_path)))
            time.sleep(0.02)

    def command(self, text, timeout=600):
        """Sends one command on kafka-mock's stdin and returns its answer line."""
        answered = len(self.stdout_path.read_bytes().splitlines())
        self.proc.stdin.write((text + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = self.stdout_path.read_bytes()
            if data.endswith(b"\n") and len(data.splitlines()) > answered:
                return data.splitlines()[answered].decode("utf-8", "replace")
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise BenchError("kafka-mock did not answer %r; stderr tail:\n%s" % (text, tail(self.stderr_path)))

    def fill(self, path, lines):
        """Produces the first `lines` lines of `path`, one message each, to `logs` (kafka-mock's own
        producer: lz4, idempotent, waits out a full queue; kcat -P drops messages when its queue is
        full)."""
        answer = self.command("produce logs %s %d" % (path, lines))
        if answer != "ok %d" % lines:
            raise BenchError("filling the topic with %d lines: kafka-mock answered %r" % (lines, answer))
        # The mock cluster forgets some of what it acknowledged under a heavy load (an outside
        # client reads the same smaller count): the run waits for what the topic holds.
        answer = self.command("count logs %d" % self.partitions)
        if not answer.startswith("ok "):
            raise BenchError("counting the topic: kafka-mock answered %r" % answer)
        held = int(answer.split()[1])
        if held < lines:
            print("note: the mock cluster holds %d of the %d messages produced" % (held, lines), file=sys.stderr)
        return held

    def cpu_s(self):
        return read_cpu_s(self.proc.pid)

    def stop(self, wait_s=20.0):
        if self.proc is None:
            return None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        code, _, killed = stop_agent(self.proc, wait_s)
        return None if killed else code


KAFKA_SOURCE_MAX_LINES = 1_000_000


def prefix_bytes(path, lines):
    """Bytes of the first `lines` lines of `path`, without their line ends."""
    total = 0
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if i >= lines:
                break
            total += len(line.rstrip(b"\n"))
    return total


def event_json_input(input_path, directory):
    """The input's lines as event JSON (CONTRACT §4), one per line, for kafka_in_json."""
    out = Path(directory) / "input.event.json"
    if out.exists():
        return out
    with open(input_path, "r", encoding="utf-8", errors="replace") as src, open(out, "w") as dst:
        for i, line in enumerate(src):
            dst.write(json.dumps({"timestamp": "2026-11-24T07:00:00.%09dZ" % (i % 1_000_000_000),
                                  "message": line.rstrip("\n"), "source_type": "file",
                                  "source_id": str(input_path), "labels": {"job": "bench"}},
                                 separators=(",", ":")) + "\n")
    return out


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


CAPTURED_METRIC = "log_capturer_logs_captured_total"
MALFORMED_METRIC = "log_capturer_container_malformed_records_total"


def check_container_metrics(samples, kind, lines):
    """The sink's count alone would also reach `lines` if every record were passed on raw (a
    malformed record still makes an event): the container source must have captured the lines as
    `kind` events, none malformed."""
    captured = metric_value(samples, CAPTURED_METRIC, source_type=kind) or 0.0
    malformed = metric_value(samples, MALFORMED_METRIC) or 0.0
    if captured < lines or malformed > 0:
        raise BenchError("the container source captured %d %s lines (of %d) with %d malformed records"
                         % (captured, kind, lines, malformed))


def run_once(args, scenario, input_path, lines, input_bytes, message_bytes=None):
    sink = SCENARIOS[scenario]["sink"]
    workdir = Path(tempfile.mkdtemp(prefix="lcbench-%s-" % scenario, dir=args.workdir))
    receiver = kafka = None
    try:
        if "container" in SCENARIOS[scenario]:
            container_layout(workdir, SCENARIOS[scenario]["container"], input_path)
        if sink in RECEIVER_SINKS:
            receiver = BenchReceiver(args.receiver, workdir).start()
        if needs_kafka(scenario):
            # The mock cluster keeps only about 5 MB (compressed) per partition and silently drops
            # older data: a topic that must hold the whole input for a source run needs many.
            partitions = 256 if "kafka_source" in SCENARIOS[scenario] else 4
            kafka = BenchKafka(args.kafka_mock, workdir, partitions).start()
            if "kafka_source" in SCENARIOS[scenario]:
                source_path = input_path
                if SCENARIOS[scenario]["kafka_source"] == "event_json":
                    source_path = event_json_input(input_path, Path(input_path).parent)
                # The mock cluster forgets the oldest data past a limit: the source runs read at
                # most KAFKA_SOURCE_MAX_LINES of the input.
                lines = min(lines, KAFKA_SOURCE_MAX_LINES)
                input_bytes = prefix_bytes(source_path, lines)  # the bytes the agent reads
                held = kafka.fill(source_path, lines)
                input_bytes = input_bytes * held // lines
                lines = held
        port = free_port()
        # The loki sink appends its push_endpoint to the base url.
        receiver_url = (receiver.url("") if sink == "loki" else receiver.url()) if receiver else None
        config = build_config(input_path, workdir, port, scenario, receiver_url,
                              kafka.bootstraps if kafka else None)
        for override in args.set or []:
            only, path, value = parse_override(override)
            if only is None or only == scenario:
                apply_override(config, path, value)
        config_path = workdir / "config.yaml"
        config_path.write_text(to_yaml(config))
        agent_log = workdir / "agent.stderr"

        def receiver_note():
            if receiver is None:
                return ""
            try:
                return ", receiver counted %d lines" % receiver.stats()["lines"]
            except (OSError, ValueError, KeyError) as e:
                return ", receiver stats unavailable (%s)" % e

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
                    raise BenchError("timeout after %.0f s: %d of %d lines delivered (metrics %s%s)"
                                     % (now - start, count, lines, "seen" if seen_metrics else "never answered",
                                        receiver_note()))
                if now - last_progress > args.stall_timeout:
                    raise BenchError("no progress for %.0f s: %d of %d lines delivered (metrics %s%s);"
                                     " stderr tail:\n%s" % (now - last_progress, count, lines,
                                                            "seen" if seen_metrics else "never answered",
                                                            receiver_note(), tail(agent_log)))
                time.sleep(args.poll_interval)

            if "container" in SCENARIOS[scenario]:
                check_container_metrics(samples, SCENARIOS[scenario]["container"], lines)
            try:
                cpu_ticks = parse_proc_stat_cpu_ticks(Path("/proc/%d/stat" % proc.pid).read_text())
                hwm_kib = parse_vmhwm_kib(Path("/proc/%d/status" % proc.pid).read_text())
                threads = thread_cpu(proc.pid)
            except (OSError, ValueError) as e:
                raise BenchError("agent vanished before /proc could be read: %s" % e)
            rx_cpu_s = rx_stats = None
            if kafka is not None:
                rx_cpu_s = kafka.cpu_s()
            if receiver is not None:
                try:
                    rx_cpu_s = receiver.cpu_s()
                    rx_stats = receiver.stats()
                except (OSError, ValueError) as e:
                    raise BenchError("receiver unreadable at the end of the run: %s; stderr tail:\n%s"
                                     % (e, tail(receiver.stderr_path)))
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
            "input_bytes": input_bytes,
            "delivered": int(count),
            "exit_code": exit_code,
            "shutdown_s": round(shutdown_s, 2),
            "threads": threads,
        }
        if message_bytes:
            result["message_bytes"] = message_bytes
            result["msg_mib_per_s"] = round(message_bytes / MIB / elapsed, 1)
            result["cpu_s_per_gib_msg"] = round(cpu_s / (message_bytes / GIB), 2)
        if kafka is not None:
            result["receiver_cpu_s"] = round(rx_cpu_s, 3)  # the mock cluster's CPU
        if receiver is not None:
            rx_lines = int(rx_stats.get("lines", 0))
            if rx_lines < lines:
                raise BenchError("the agent reported %d lines sent but the receiver counted only %d"
                                 % (count, rx_lines))
            result.update({
                "receiver_cpu_s": round(rx_cpu_s, 3),
                "receiver_lines": rx_lines,
                "receiver_requests": int(rx_stats.get("requests", 0)),
                "receiver_bytes_wire": int(rx_stats.get("bytes_wire", 0)),
                "receiver_bytes_decoded": int(rx_stats.get("bytes_decoded", 0)),
                "receiver_by_status": rx_stats.get("by_status", {}),
            })
        if args.verify and sink == "local_file":
            result["verify"] = verify_output(workdir / "out", lines)
        return result
    finally:
        if kafka is not None:
            kafka.stop()
        if receiver is not None:
            rx_code = receiver.stop()
            if rx_code != 0:
                print("warning: %s: http-receiver exit code %s after SIGTERM; stderr tail:\n%s"
                      % (scenario, rx_code, tail(receiver.stderr_path)), file=sys.stderr)
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


def generate_container_input(args, directory, kind, plain_path):
    """The input as `kind` (docker | cri) records: loggen's --format (the same lines as the plain
    input, with --long-ratio of them long and split), or with --input a conversion of that file.
    Returns (path, records, file_bytes, message_bytes)."""
    path = Path(directory) / ("input.%s.log" % kind)
    if args.input:
        records, message_bytes = convert_to_container(plain_path, kind, path)
        return path, records, path.stat().st_size, message_bytes
    cmd = [str(args.loggen), "--lines", str(args.lines), "--out", str(path), "--seed", str(args.seed),
           "--format", kind, "--long-ratio", repr(args.long_ratio)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    print(out.strip(), file=sys.stderr)
    fields = dict(part.split("=", 1) for part in out.split() if "=" in part)
    try:
        return path, int(fields["records"]), path.stat().st_size, int(fields["message_bytes"])
    except KeyError:
        raise BenchError("%s does not know --format %s (rebuild loggen): it printed %r" % (args.loggen, kind, out))


def meets(value, target):
    op, bound = target
    return value >= bound if op == ">=" else value <= bound


def format_targets(targets):
    return ", ".join("%s %s %s" % (k, op, "{:,}".format(v) if v >= 10000 else "%g" % v)
                     for k, (op, v) in targets.items()) or "-"


def summarize(scenario, runs, lines, input_bytes):
    keys = ["lines_per_s", "mib_per_s", "cpu_s_per_gib", "peak_rss_mib", "elapsed_s", "cpu_s"]
    if runs and all("receiver_cpu_s" in r for r in runs):
        keys.append("receiver_cpu_s")
    if runs and all("cpu_s_per_gib_msg" in r for r in runs):
        keys += ["msg_mib_per_s", "cpu_s_per_gib_msg"]
    summary = {"scenario": scenario, "title": SCENARIOS[scenario]["title"], "lines": lines,
               "input_bytes": input_bytes, "runs": len(runs)}
    for key in keys:
        summary[key] = round(statistics.median(r[key] for r in runs), 3)
    summary["lines_per_s"] = round(summary["lines_per_s"])
    if runs and "message_bytes" in runs[0]:
        summary["message_bytes"] = runs[0]["message_bytes"]
    if runs and "input_bytes" in runs[0]:
        summary["input_bytes"] = runs[0]["input_bytes"]  # the scenario's own input (container records)
    summary["per_run"] = runs
    target = TARGETS.get(scenario, {})
    summary["targets"] = target
    summary["meets_targets"] = all(meets(summary[k], t) for k, t in target.items())
    return summary


def markdown_table(summaries):
    rows = ["| scenario | runs | lines/s | MiB/s | CPU-s per GiB | peak RSS MiB | receiver CPU-s | elapsed s"
            " | targets |",
            "|---|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        if "error" in s:
            rows.append("| %s | failed: %s | | | | | | | |" % (s["title"], s["error"].splitlines()[0]))
            continue
        mark = "met" if s["meets_targets"] else "MISSED"
        rx = "%.2f" % s["receiver_cpu_s"] if "receiver_cpu_s" in s else "-"
        rows.append("| %s | %d | {:,} | %.1f | %.2f | %.1f | %s | %.2f | %s (%s) |".format(s["lines_per_s"])
                    % (s["title"], s["runs"], s["mib_per_s"], s["cpu_s_per_gib"], s["peak_rss_mib"], rx,
                       s["elapsed_s"], format_targets(s["targets"]), mark))
    return "\n".join(rows)


def compute_ratios(summaries):
    """The RATIOS whose two scenarios both succeeded: for lines/s and CPU-s/GiB, the ratio of the
    medians and the median of the per-round ratios (round i of both scenarios ran back to back)."""
    by_name = {s["scenario"]: s for s in summaries if "error" not in s}
    out = []
    for label, num, den, targets in RATIOS:
        if num not in by_name or den not in by_name:
            continue
        a, b = by_name[num], by_name[den]
        ratio = {"label": label, "numerator": num, "denominator": den, "targets": targets}
        for key in ("lines_per_s", "cpu_s_per_gib"):
            ratio[key] = round(a[key] / b[key], 3) if b[key] else None
            paired = [x[key] / y[key] for x, y in zip(a["per_run"], b["per_run"]) if y[key]]
            ratio[key + "_paired"] = round(statistics.median(paired), 3) if paired else None
        ratio["meets_targets"] = all(ratio[k] is not None and meets(ratio[k], t) for k, t in targets.items())
        out.append(ratio)
    return out


def ratio_lines(ratios):
    lines = []
    for r in ratios:
        text = ("%s (%s / %s): throughput x%.3f (paired median x%.3f), CPU-s per GiB x%.3f (paired median x%.3f)"
                % (r["label"], r["numerator"], r["denominator"], r["lines_per_s"], r["lines_per_s_paired"],
                   r["cpu_s_per_gib"], r["cpu_s_per_gib_paired"]))
        if r["targets"]:
            text += "; target %s (%s)" % (format_targets(r["targets"]), "met" if r["meets_targets"] else "MISSED")
        lines.append(text)
    return lines


def thread_lines(summaries):
    """The busiest threads of each scenario's median-throughput run: `cpu_s` for an unnamed thread,
    `name cpu_s` for a named one."""
    lines = []
    for s in summaries:
        if "error" in s or not s["per_run"]:
            continue
        runs = sorted(s["per_run"], key=lambda r: r["lines_per_s"])
        run = runs[len(runs) // 2]
        busiest = ", ".join("%s %.2f" % (name, cpu) if name else "%.2f" % cpu
                            for name, cpu in run.get("threads", [])[:6])
        rx = ""
        if run.get("receiver_requests"):
            rx = ("; receiver: %d requests, %.0f KiB on the wire, %.0f KiB decoded each, %.1f bytes on the wire"
                  " per line, %.2f CPU-s" % (
                      run["receiver_requests"], run["receiver_bytes_wire"] / run["receiver_requests"] / 1024,
                      run.get("receiver_bytes_decoded", 0) / run["receiver_requests"] / 1024,
                      run["receiver_bytes_wire"] / max(1, run.get("receiver_lines", 1)), run.get("receiver_cpu_s", 0)))
        lines.append("%s (run at the median lines/s): agent %.2f CPU-s, busiest threads %s%s"
                     % (s["scenario"], run["cpu_s"], busiest or "-", rx))
    return lines


def message_lines(summaries):
    """For the scenarios that know their message bytes (the container ones, and null for
    reference): the input's bytes against the messages' and the figures per GiB of messages."""
    lines = []
    for s in summaries:
        if "error" in s or "cpu_s_per_gib_msg" not in s:
            continue
        lines.append("%s: %.1f MiB of input for %.1f MiB of messages (x%.3f); per GiB of message bytes %.2f CPU-s,"
                     " %.1f MiB/s of messages (per GiB of input %.2f CPU-s, %.1f MiB/s)"
                     % (s["scenario"], s["input_bytes"] / MIB, s["message_bytes"] / MIB,
                        s["input_bytes"] / s["message_bytes"], s["cpu_s_per_gib_msg"], s["msg_mib_per_s"],
                        s["cpu_s_per_gib"], s["mib_per_s"]))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=textwrap.dedent(__doc__.split("\n\n", 1)[1]))
    parser.add_argument("--binary", type=Path, default=REPO / "build" / "log-capturer", help="the agent")
    parser.add_argument("--loggen", type=Path, default=REPO / "build" / "loggen", help="the generator")
    parser.add_argument("--receiver", type=Path, default=REPO / "build" / "http-receiver",
                        help="the http-receiver test peer (the http scenarios' destination)")
    parser.add_argument("--kafka-mock", type=Path, default=REPO / "build" / "kafka-mock",
                        help="the kafka-mock test peer (the kafka scenarios' cluster)")
    parser.add_argument("--lines", type=int, default=2_000_000, help="input lines (default 2,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="loggen seed")
    parser.add_argument("--input", help="use this existing file instead of generating one (the container"
                                         " scenarios get it converted to their records)")
    parser.add_argument("--long-ratio", type=float, default=0.0,
                        help="container scenarios: fraction of the lines made 20-48 KiB long, which the"
                             " records split into 16 KiB parts (loggen --long-ratio; default 0: the same"
                             " lines as the plain input)")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario; the median is reported")
    parser.add_argument("--scenarios", default=None,
                        help="comma-separated, from: " + ", ".join(SCENARIOS) + " (default: all; the http"
                             " ones are skipped with a warning when the receiver is not built)")
    parser.add_argument("--set", action="append", metavar="[SCENARIO:]KEY=VALUE",
                        help="override a config key, e.g. --set dispatcher.batch_size=2000, or for one"
                             " scenario only: --set http_buffer:disk_buffer.sync_interval=10ms (repeatable)")
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
    explicit = args.scenarios is not None
    scenarios = [s.strip() for s in (args.scenarios or ",".join(SCENARIOS)).split(",") if s.strip()]
    for s in scenarios:
        if s not in SCENARIOS:
            parser.error("unknown scenario %r (known: %s)" % (s, ", ".join(SCENARIOS)))
    needs_receiver = [s for s in scenarios if SCENARIOS[s]["sink"] in RECEIVER_SINKS]
    if needs_receiver and not Path(args.receiver).is_file():
        if explicit:
            print("error: http-receiver not found: %s (build target http-receiver, or --receiver)" % args.receiver,
                  file=sys.stderr)
            return 1
        print("warning: http-receiver not found at %s: skipping %s (build target http-receiver, or --receiver)"
              % (args.receiver, ", ".join(needs_receiver)), file=sys.stderr)
        scenarios = [s for s in scenarios if s not in needs_receiver]
    needs_mock = [s for s in scenarios if needs_kafka(s)]
    if needs_mock and not Path(args.kafka_mock).is_file():
        why = "kafka-mock not found at %s (build target kafka-mock, or --kafka-mock)" % args.kafka_mock
        if explicit:
            print("error: %s" % why, file=sys.stderr)
            return 1
        print("warning: %s: skipping %s" % (why, ", ".join(needs_mock)), file=sys.stderr)
        scenarios = [s for s in scenarios if s not in needs_mock]
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
        # scenario input: (path, lines, file bytes, message bytes or None)
        inputs = {"plain": (input_path, lines, input_bytes, input_bytes - lines)}
        for kind in sorted({SCENARIOS[s]["container"] for s in scenarios if "container" in SCENARIOS[s]}):
            path, records, size, message_bytes = generate_container_input(args, input_dir, kind, input_path)
            inputs[kind] = (path, lines, size, message_bytes)
            print("input %s: %s, %d records for %d lines, %.1f MiB (%.1f bytes/line), messages %.1f MiB"
                  % (kind, path, records, lines, size / MIB, size / max(lines, 1), message_bytes / MIB),
                  file=sys.stderr)
        # Interleaved: round i runs every scenario once, so drift reaches all of them alike.
        runs = {s: [] for s in scenarios}
        errors = {}
        for i in range(args.runs):
            for scenario in scenarios:
                if scenario in errors:
                    continue
                spec = SCENARIOS[scenario]
                s_path, s_lines, s_bytes, s_message_bytes = inputs[spec.get("container", "plain")]
                if "container" not in spec and scenario != "null":
                    s_message_bytes = None  # printed for the container scenarios and their reference
                try:
                    r = run_once(args, scenario, s_path, s_lines, s_bytes, s_message_bytes)
                except BenchError as e:
                    print("%s failed: %s" % (scenario, e), file=sys.stderr)
                    errors[scenario] = str(e)
                    continue
                rx = (", receiver %.2f CPU-s, %d requests" % (r["receiver_cpu_s"], r["receiver_requests"])
                      if "receiver_requests" in r else
                      ", kafka-mock %.2f CPU-s" % r["receiver_cpu_s"] if "receiver_cpu_s" in r else "")
                print("%s run %d/%d: %.2f s, %s lines/s, %.2f CPU-s/GiB, %.1f MiB peak RSS%s"
                      % (scenario, i + 1, args.runs, r["elapsed_s"], r["lines_per_s"], r["cpu_s_per_gib"],
                         r["peak_rss_mib"], rx), file=sys.stderr)
                runs[scenario].append(r)
        for scenario in scenarios:
            if scenario in errors:
                summary = {"scenario": scenario, "title": SCENARIOS[scenario]["title"],
                           "error": errors[scenario], "per_run": runs[scenario]}
            else:
                summary = summarize(scenario, runs[scenario], lines,
                                    inputs[SCENARIOS[scenario].get("container", "plain")][2])
            own = [o.split(":", 1)[1] for o in args.set or [] if parse_override(o)[0] == scenario]
            if own:  # the title says what this scenario's own --set changed
                summary["title"] += " [%s]" % ", ".join(own)
            summaries.append(summary)
    except BenchError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(input_dir, ignore_errors=True)

    print("Time runs from agent start to the last line delivered; medians of %d interleaved runs; %s." %
          (args.runs, "compare only figures from one invocation (noisy shared machine)"))
    common = [o for o in args.set or [] if parse_override(o)[0] is None]
    if common:
        print("Every scenario with --set %s." % ", ".join(common))
    print()
    print(markdown_table(summaries))
    print()
    ratios = compute_ratios(summaries)
    for line in ratio_lines(ratios):
        print(line)
    for line in thread_lines(summaries):
        print(line)
    for line in message_lines(summaries):
        print(line)
    if ratios or summaries:
        print()
    json_lines = [json.dumps(s, sort_keys=True) for s in summaries]
    json_lines += [json.dumps(dict(r, scenario="ratio"), sort_keys=True) for r in ratios]
    for line in json_lines:
        print(line)
    if args.json_out:
        Path(args.json_out).write_text("\n".join(json_lines) + "\n")
    if any("error" in s for s in summaries):
        return 1
    if args.check_targets and not all(s["meets_targets"] for s in summaries + ratios):
        return 1
    return 0


# ---------------------------------------------------------------------------------------------
# Self-test

_FAKE_AGENT = r'''#!/usr/bin/env python3
# A stand-in for log-capturer: reads its config crudely, "delivers" the input's lines over ~0.3 s
# on /metrics (~0.45 s with the disk buffer on), exits 0 on SIGTERM. With the http sink it really
# POSTs the lines as NDJSON (gzip unless compression is none) to the url, 1000 lines a request, and
# counts a request's lines as sent when the answer is 200. With container_monitor on it reads the
# one container log under docker_root or cri_include (one record a line) and reports the lines
# captured with source_type docker or cri.
import glob, gzip, http.server, json, re, signal, sys, threading, time, urllib.request
cfg = open(sys.argv[sys.argv.index("--config") + 1]).read()
port = int(re.search(r"\n  port: (\d+)", cfg).group(1))
container = re.search(r'\ncontainer_monitor:\n  enabled: true\n  docker_root: "(.*?)"\n  docker_socket: ""\n'
                      r'  cri_include: (\[.*?\])\n', cfg)
if container:
    cri = json.loads(container.group(2))
    source_type = "cri" if cri else "docker"
    (path,) = glob.glob(cri[0] if cri else container.group(1) + "/*/*-json.log")
else:
    source_type = "file"
    path = re.search(r'include: \["(.*?)"\]', cfg).group(1)
http_sink = re.search(r'\n  http:\n    enabled: true\n    url: "(.*?)"\n    compression: "(\w+)"', cfg)
sink = "http" if http_sink else "local_file" if re.search(r"local_file:\n    enabled: true", cfg) else "null"
buffered = re.search(r"\ndisk_buffer:\n  enabled: true", cfg) is not None
duration = 0.45 if buffered else 0.3
data = open(path, "rb").read()
lines = data.count(b"\n")
start = time.monotonic()
sent = [0]
def post_all(url, gz):
    chunks = data.splitlines(keepends=True)
    step = 1000
    for i in range(0, len(chunks), step):
        body = b"".join(chunks[i:i + step])
        headers = {"Content-Type": "application/x-ndjson"}
        if gz:
            body = gzip.compress(body, 1)
            headers["Content-Encoding"] = "gzip"
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            if resp.status == 200:
                sent[0] += min(step, len(chunks) - i)
        time.sleep(duration * step / max(len(chunks), 1))
if http_sink:
    threading.Thread(target=post_all, args=(http_sink.group(1), http_sink.group(2) == "gzip"), daemon=True).start()
def delivered():
    if http_sink:
        return sent[0]
    return min(lines, int(lines * (time.monotonic() - start) / duration))
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        n = delivered()
        body = ("# HELP log_capturer_logs_sent_total Lines sent.\n# TYPE log_capturer_logs_sent_total counter\n"
                'log_capturer_logs_sent_total{sink="%s",status="success"} %d\n'
                'log_capturer_logs_sent_total{sink="%s",status="failed"} 0\n'
                'log_capturer_logs_captured_total{source="x",source_type="%s"} %d\n'
                'log_capturer_container_malformed_records_total{format="docker",source="x"} 0\n'
                % (sink, n, sink, source_type, n)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
'''

_FAKE_RECEIVER = r'''#!/usr/bin/env python3
# A stand-in for http-receiver: prints "data_port=N control_port=M", counts the lines of NDJSON
# POSTs (gzip or not) on the data port, serves GET /_stats on the control port, exits 0 on SIGTERM.
# With FAKE_RECEIVER_UNDERCOUNT=1 in its environment it counts one line too few (a lying peer).
import gzip, http.server, json, os, signal, sys, threading
counts = {"requests": 0, "lines": 0, "bytes_wire": 0, "by_status": {}}
lock = threading.Lock()
class Data(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        raw = gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body
        n = raw.count(b"\n") + (1 if raw and not raw.endswith(b"\n") else 0)
        with lock:
            counts["requests"] += 1
            counts["lines"] += n
            counts["bytes_wire"] += len(body)
            counts["by_status"]["200"] = counts["by_status"].get("200", 0) + 1
        out = json.dumps({"accepted": n}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
class Control(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        with lock:
            stats = dict(counts)
        if os.environ.get("FAKE_RECEIVER_UNDERCOUNT") == "1":
            stats["lines"] = max(0, stats["lines"] - 1)
        out = json.dumps(stats).encode()
        self.send_response(200 if self.path == "/_stats" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
data = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Data)
control = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Control)
for server in (data, control):
    threading.Thread(target=server.serve_forever, daemon=True).start()
print("data_port=%d control_port=%d" % (data.server_address[1], control.server_address[1]), flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.pause()
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
    check("override json", parse_override("dispatcher.batch_size=2000"), (None, ["dispatcher", "batch_size"], 2000))
    check("override bool", parse_override("sinks.local_file.rotation.compress=false")[2], False)
    check("override text", parse_override("file_monitor.read_buffer_size=512KiB")[2], "512KiB")
    check("override scenario", parse_override("http_buffer:disk_buffer.sync_interval=10ms"),
          ("http_buffer", ["disk_buffer", "sync_interval"], "10ms"))
    check("override url value", parse_override("sinks.http.url=http://h:1/x")[2], "http://h:1/x")
    try:
        parse_override("nosuch:dispatcher.batch_size=1")
        failures.append("override for an unknown scenario accepted")
    except ValueError:
        pass
    cfg = build_config("/in.log", "/w", 1234, "local_file")
    apply_override(cfg, ["sinks", "local_file", "rotation", "compress"], False)
    check("override applied", cfg["sinks"]["local_file"]["rotation"], {"compress": False})
    check("null disabled", cfg["sinks"]["null"], {"enabled": False})
    check("http disabled", cfg["sinks"]["http"], {"enabled": False})
    check("buffer off", cfg["disk_buffer"], {"enabled": False})
    check("read_from", cfg["file_monitor"]["read_from"], "beginning")
    cfg = build_config("/in.log", "/w", 1234, "http_buffer_zstd", "http://127.0.0.1:9/logs")
    check("http sink", cfg["sinks"]["http"], {"enabled": True, "url": "http://127.0.0.1:9/logs", "compression": "none"})
    check("buffer zstd", cfg["disk_buffer"], {"enabled": True, "compression": "zstd"})
    check("http buffer off", build_config("/in.log", "/w", 1, "http", "http://x/")["disk_buffer"], {"enabled": False})
    check("http gzip", build_config("/in.log", "/w", 1, "http_gzip_buffer", "http://x/")["sinks"]["http"]["compression"],
          "gzip")
    try:
        build_config("/in.log", "/w", 1, "http")
        failures.append("http config without a receiver url accepted")
    except ValueError:
        pass
    check("thread cpu self", thread_cpu(os.getpid())[0][1] >= 0, True)
    cfg = build_config("/in.log", "/w", 1, "docker_null")
    check("docker file_monitor off", cfg["file_monitor"], {"enabled": False})
    check("docker container_monitor", cfg["container_monitor"],
          {"enabled": True, "docker_root": "/w/docker", "docker_socket": "", "cri_include": [],
           "read_from": "beginning", "labels": {"job": "bench"}})
    check("docker sink", cfg["sinks"]["null"], {"enabled": True})
    check("cri include", build_config("/in.log", "/w", 1, "cri_null")["container_monitor"]["cri_include"],
          ["/w/pods/*/*/*.log"])
    check("plain container_monitor off", build_config("/in.log", "/w", 1, "null")["container_monitor"],
          {"enabled": False})
    ok_samples = parse_prometheus('log_capturer_logs_captured_total{source="c",source_type="cri"} 10\n'
                                  'log_capturer_container_malformed_records_total{format="cri",source="c"} 0\n')
    check_container_metrics(ok_samples, "cri", 10)
    for name, text in (("malformed", 'log_capturer_logs_captured_total{source="c",source_type="cri"} 10\n'
                                     'log_capturer_container_malformed_records_total{format="cri",source="c"} 1\n'),
                       ("wrong source type", 'log_capturer_logs_captured_total{source="c",source_type="file"} 10\n')):
        try:
            check_container_metrics(parse_prometheus(text), "cri", 10)
            failures.append("container metrics check passed with %s" % name)
        except BenchError:
            pass

    runs = [{"lines_per_s": v, "mib_per_s": v / 10, "cpu_s_per_gib": v / 100, "peak_rss_mib": 50.0,
             "elapsed_s": 1.0, "cpu_s": 1.0} for v in (300.0, 100.0, 200.0)]
    s = summarize("local_file", runs, 10, 100)
    check("median", (s["lines_per_s"], s["cpu_s_per_gib"]), (200, 2.0))
    check("meets targets", s["meets_targets"], True)
    check("table rows", len(markdown_table([s]).splitlines()), 3)
    # Targets in both directions, and the ratios (of the medians; of the pairs, round by round).
    off = summarize("http", [dict(r, receiver_cpu_s=1.0) for r in runs], 10, 100)
    on_runs = [{"lines_per_s": v, "mib_per_s": 1.0, "cpu_s_per_gib": c, "peak_rss_mib": 50.0, "elapsed_s": 1.0,
                "cpu_s": 1.0, "receiver_cpu_s": 0.5} for v, c in ((2_400_000, 4.0), (1_200_000, 4.4), (1_000_000, 3.0))]
    on = summarize("http_buffer", on_runs, 10, 100)
    check("min target met", on["meets_targets"], True)
    check("receiver median", on["receiver_cpu_s"], 0.5)
    check("max target missed", summarize("http_buffer", [dict(on_runs[0], cpu_s_per_gib=5.0)], 10, 100)["meets_targets"],
          False)
    check("min target missed", summarize("http_buffer", [dict(on_runs[0], lines_per_s=999_999)], 10, 100)["meets_targets"],
          False)
    ratios = compute_ratios([off, on, {"scenario": "http_buffer_zstd", "title": "x", "error": "boom", "per_run": []}])
    check("ratios only of successes", [r["numerator"] for r in ratios], ["http_buffer"])
    check("ratio of medians", (ratios[0]["lines_per_s"], ratios[0]["cpu_s_per_gib"]), (6000.0, 2.0))
    check("paired ratio", (ratios[0]["lines_per_s_paired"], ratios[0]["cpu_s_per_gib_paired"]), (8000.0, 1.5))
    check("ratio target", ratios[0]["meets_targets"], True)
    check("ratio text", "throughput x6000.000" in ratio_lines(ratios)[0], True)
    check("table receiver column", "| 1.00 |" in markdown_table([off]), True)
    threaded = summarize("http", [dict(runs[0], threads=[["", 0.8], ["sink", 0.1]], receiver_cpu_s=1.0,
                                         receiver_requests=2, receiver_bytes_wire=2048, receiver_bytes_decoded=8192,
                                         receiver_lines=16)],
                         10, 100)
    check("thread line", thread_lines([threaded]),
          ["http (run at the median lines/s): agent 1.00 CPU-s, busiest threads 0.80, sink 0.10; receiver: 2 requests,"
           " 1 KiB on the wire, 4 KiB decoded each, 128.0 bytes on the wire per line, 1.00 CPU-s"])

    # The whole run loop against a fake agent and a fake receiver.
    with tempfile.TemporaryDirectory(prefix="lcbench-selftest-") as tmp:
        tmp = Path(tmp)
        fake = tmp / "fake-agent"
        fake.write_text(_FAKE_AGENT)
        fake.chmod(0o755)
        fake_rx = tmp / "fake-receiver"
        fake_rx.write_text(_FAKE_RECEIVER)
        fake_rx.chmod(0o755)
        data = tmp / "input.log"
        data.write_bytes(b"".join(b"line seq=%010d\n" % i for i in range(5000)))
        special = tmp / "special.log"
        special.write_bytes(b'a "q" <b> & \\ \t end\nsecond\n')
        for kind in ("docker", "cri"):
            converted = tmp / ("special.%s" % kind)
            check("convert %s" % kind, convert_to_container(special, kind, converted), (2, 25))
            first = converted.read_bytes().split(b"\n")[0]
            if kind == "docker":
                record = json.loads(first)
                check("docker record", (record["log"], record["stream"], record["time"]),
                      ('a "q" <b> & \\ \t end\n', "stdout", "2026-01-01T00:00:00.000001000Z"))
                check("docker escapes <>&", b"\\u003cb\\u003e \\u0026" in first, True)
            else:
                check("cri line", first, b'2026-01-01T00:00:00.000001000Z stdout F a "q" <b> & \\ \t end')
            layout = tmp / ("layout-" + kind)
            log = container_layout(layout, kind, converted)
            pattern = (layout / "docker" / "*" / "*-json.log") if kind == "docker" else \
                (layout / "pods" / "*" / "*" / "*.log")
            check("layout %s glob" % kind, [Path(p) for p in glob.glob(str(pattern))], [log])
            check("layout %s same bytes" % kind, log.read_bytes(), converted.read_bytes())
        config_v2 = json.loads((tmp / "layout-docker" / "docker" / BENCH_CONTAINER_ID / "config.v2.json").read_text())
        check("config.v2.json", (config_v2["ID"], config_v2["Name"], config_v2["State"]["Running"]),
              (BENCH_CONTAINER_ID, "/loggen-1", True))
        check("pod dir layout", len(BENCH_POD_DIR.split("_")), 3)
        out = tmp / "results.jsonl"
        common = ["--binary", str(fake), "--input", str(data), "--workdir", str(tmp), "--stall-timeout", "20",
                  "--kafka-mock", str(tmp / "no-kafka-mock"),
                  "--timeout", "60"]
        # The fake agent speaks NDJSON only: the loki and kafka scenarios are left to the real agent.
        fake_scenarios = [name for name, spec in SCENARIOS.items() if spec["sink"] != "loki" and not needs_kafka(name)]
        fake_ratios = [r for r in RATIOS if r[1] in fake_scenarios and r[2] in fake_scenarios]
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            rc = main(common + ["--runs", "2", "--receiver", str(fake_rx), "--json-out", str(out),
                                "--scenarios", ",".join(fake_scenarios),
                                "--set", "http_buffer:disk_buffer.sync_interval=10ms"])
        text = captured.getvalue()
        check("fake run exit code", rc, 0)
        check("fake run table", "| file -> local_file (json) | 2 |" in text, True)
        check("fake run override in title", "| file -> http, buffer on [disk_buffer.sync_interval=10ms] | 2 |" in text,
              True)
        check("fake run ratio line", "disk buffer on / off (http_buffer / http): throughput x" in text, True)
        check("fake run docker row", "| docker json-file -> null | 2 |" in text, True)
        check("fake run message line", re.search(r"^docker_null: [\d.]+ MiB of input for [\d.]+ MiB of messages",
                                                  text, re.M) is not None, True)
        order = re.findall(r"^(\w+) run (\d)/2:", text, re.M)
        check("interleaved", order, [(s, str(i)) for i in (1, 2) for s in fake_scenarios])
        if rc != 0:
            print(text, file=sys.stderr)
        if out.exists():
            results = [json.loads(line) for line in out.read_text().splitlines()]
            check("fake scenarios", [r["scenario"] for r in results], fake_scenarios + ["ratio"] * len(fake_ratios))
            for r in results:
                if r["scenario"] == "ratio":
                    check("fake ratio %s positive" % r["numerator"], r["lines_per_s"] > 0 and r["cpu_s_per_gib"] >= 0,
                          True)
                    continue
                check("fake %s delivered" % r["scenario"], r["per_run"][0]["delivered"], 5000)
                if "container" in SCENARIOS[r["scenario"]]:
                    check("fake %s message bytes" % r["scenario"], r["message_bytes"], 5000 * 19)
                    check("fake %s input bytes" % r["scenario"], r["input_bytes"] > 5000 * 20, True)
                check("fake %s clean exit" % r["scenario"], r["per_run"][0]["exit_code"], 0)
                check("fake %s figures positive" % r["scenario"],
                      all(r[k] > 0 for k in ("lines_per_s", "mib_per_s", "peak_rss_mib", "elapsed_s")), True)
                if SCENARIOS[r["scenario"]]["sink"] == "http":
                    run = r["per_run"][0]
                    check("fake %s receiver lines" % r["scenario"], run["receiver_lines"], 5000)
                    check("fake %s receiver requests" % r["scenario"], run["receiver_requests"], 5)
                    check("fake %s receiver cpu" % r["scenario"], r["receiver_cpu_s"] >= 0, True)
        else:
            failures.append("fake run wrote no results")

        # Without a receiver the default scenarios drop the http ones; asking for one is an error.
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            rc = main(common + ["--runs", "1", "--receiver", str(tmp / "missing")])
        check("no receiver: exit code", rc, 0)
        check("no receiver: warned", "skipping http, http_buffer" in captured.getvalue(), True)
        check("no receiver: no http rows", "file -> http" in captured.getvalue(), False)
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            rc = main(common + ["--runs", "1", "--receiver", str(tmp / "missing"), "--scenarios", "http"])
        check("no receiver, explicit http: exit code", rc, 1)

        # A receiver that counts fewer lines than the agent claims to have sent fails the scenario.
        os.environ["FAKE_RECEIVER_UNDERCOUNT"] = "1"
        try:
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
                rc = main(common + ["--runs", "1", "--receiver", str(fake_rx), "--scenarios", "http"])
        finally:
            del os.environ["FAKE_RECEIVER_UNDERCOUNT"]
        check("undercount: exit code", rc, 1)
        check("undercount: reported", "the receiver counted only 4999" in captured.getvalue(), True)
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
            # docker and cri: the same lines, some long ones split into 16 KiB parts
            plain_long = tmp / "gen-long.log"
            subprocess.run([str(loggen), "--lines", "1000", "--out", str(plain_long), "--long-ratio", "0.02"],
                           check=True, stdout=subprocess.DEVNULL)
            want = plain_long.read_bytes().split(b"\n")[:-1]
            for kind in ("docker", "cri"):
                out_path = tmp / ("gen.%s" % kind)
                summary = subprocess.run([str(loggen), "--lines", "1000", "--out", str(out_path), "--format", kind,
                                          "--long-ratio", "0.02"], check=True, stdout=subprocess.PIPE, text=True).stdout
                fields = dict(part.split("=", 1) for part in summary.split() if "=" in part)
                joined, held, records = [], {}, 0
                for raw in out_path.read_bytes().split(b"\n")[:-1]:
                    records += 1
                    if kind == "docker":
                        record = json.loads(raw)
                        text, stream = record["log"].encode(), record["stream"]
                        last = text.endswith(b"\n")
                        text = text[:-1] if last else text
                    else:
                        _, stream, tag, text = raw.split(b" ", 3)
                        last = tag == b"F"
                    held[stream] = held.get(stream, b"") + text
                    if last:
                        joined.append(held.pop(stream))
                check("loggen %s lines" % kind, joined == want, True)
                check("loggen %s records" % kind, (int(fields["records"]), int(fields["message_bytes"])),
                      (records, sum(len(w) for w in want)))
                check("loggen %s has parts" % kind, records > 1000, True)
        else:
            print("self-test: %s not built, loggen check skipped" % loggen, file=sys.stderr)

    for f in failures:
        print("FAIL " + f, file=sys.stderr)
    print("self-test: %s (%d failures)" % ("FAILED" if failures else "passed", len(failures)), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
