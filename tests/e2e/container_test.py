"""Container logs -> local_file: Docker json-file and Kubernetes CRI logs written by the test in the
runtimes' exact formats, read by the real agent (container_monitor, file_monitor off).

Every numbered line must reach the output exactly once, in order per container and stream, whole
(parts joined), with the container's metadata as labels and the record's time as the event's; across
Docker's and the kubelet's rotation, containers coming and going, and restarts. Filters and
self-exclusion keep containers out (and count them); the Engine API adds metadata but is never
needed; records that do not decode are passed on raw, flagged malformed, and counted.
"""
import calendar
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

from fake_docker_engine import FakeDockerEngine
from harness import Agent, Suite, check, scaled, sequence_check, wait_until

SOURCE = "container_monitor"  # the source's name: the `source` label of its metrics
BASE_NS = calendar.timegm((2026, 11, 24, 7, 0, 0, 0, 0, 0)) * 1_000_000_000
DOCKER_PART = 16 * 1024  # Docker's json-file driver cuts longer lines into records of this size
MESSAGE_RE = re.compile(r"^([A-Za-z0-9_.-]+):(stdout|stderr):(\d{7}) ")
# Payloads with what JSON must escape and Go's encoder escapes further (<, >, &), and non-ASCII.
PAYLOADS = [
    "x" * 100,
    'quotes "q" and a backslash \\ and a tab\there',
    "html <b>bold</b> & ampersand",
    "utf-8 caf\u00e9 \u2713 \U0001f600 done",
    "  leading and trailing spaces  ",
]


# --- the formats -------------------------------------------------------------------------------

def go_time(ns, offset_minutes=0):
    """A time as Go's RFC3339Nano writes it (what Docker and containerd write): trailing zeros of the
    fraction dropped, no fraction at all when it is zero; "Z", or a numeric offset (local time)."""
    local = ns + offset_minutes * 60 * 1_000_000_000
    sec, frac = divmod(local, 1_000_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    if offset_minutes == 0:
        return text + "Z"
    sign = "+" if offset_minutes > 0 else "-"
    return text + f"{sign}{abs(offset_minutes) // 60:02d}:{abs(offset_minutes) % 60:02d}"


def parse_time(text):
    """RFC 3339 -> nanoseconds since the epoch."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", text)
    check(m is not None, f"not an RFC 3339 time: {text!r}")
    ns = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) * 1_000_000_000
    ns += int((m.group(2) or "0").ljust(9, "0"))
    if m.group(3) != "Z":
        sign = 1 if m.group(3)[0] == "+" else -1
        ns -= sign * (int(m.group(3)[1:3]) * 60 + int(m.group(3)[4:6])) * 60 * 1_000_000_000
    return ns


def docker_record(log, stream, ns):
    """One json-file record exactly as Docker writes it: Go's encoding/json (which also escapes <, >
    and &), keys log, stream, time, one record per line."""
    text = json.dumps({"log": log, "stream": stream, "time": go_time(ns)}, ensure_ascii=False,
                      separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def cri_record(message, stream, tag, ns, offset_minutes=0):
    """One CRI log line: `<RFC3339Nano> <stream> <P|F> <message>`."""
    return f"{go_time(ns, offset_minutes)} {stream} {tag} {message}\n"


def container_id(seed):
    return hashlib.sha256(seed.encode()).hexdigest()


def config_v2(cid, name, image, labels, hostname=None):
    """<docker_root>/<id>/config.v2.json as Docker keeps it (the keys the agent reads, and some it
    skips)."""
    return json.dumps({
        "StreamConfig": {}, "ID": cid, "Created": "2026-11-24T06:59:57.918273645Z", "Path": "/bin/sh",
        "Args": ["-c", "serve"],
        "State": {"Running": True, "Paused": False, "Restarting": False, "Pid": 4242, "ExitCode": 0,
                  "StartedAt": "2026-11-24T06:59:58.1Z", "Health": None},
        "Image": "sha256:" + hashlib.sha256(image.encode()).hexdigest(),
        "NetworkSettings": {"Bridge": "", "Networks": {"bridge": {"IPAddress": "172.17.0.2"}}},
        "LogPath": f"/var/lib/docker/containers/{cid}/{cid}-json.log", "Name": "/" + name, "Driver": "overlay2",
        "RestartCount": 0, "MountPoints": {},
        "Config": {"Hostname": hostname or cid[:12], "Domainname": "", "User": "", "Tty": False,
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["serve"], "Image": image, "Labels": labels, "OnBuild": None},
        "HostConfig": {"LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}},
    })


# --- containers the test writes for -----------------------------------------------------------

class Clock:
    """Record times: increasing, fractions of every length (and some whole seconds)."""

    def __init__(self, start=BASE_NS):
        self.ns = start

    def next(self):
        self.ns += 1_234_567 if self.ns % 7 else 1_000_000_000 - self.ns % 1_000_000_000
        return self.ns


class Container:
    """What one container wrote, per stream: expected[stream] = [(message, time_ns), ...] in order."""

    def __init__(self, tag, clock):
        self.tag = tag
        self.clock = clock
        self.expected = {"stdout": [], "stderr": []}
        self.file = None
        self.lines_made = 0

    def key(self, stream):
        return f"{self.tag}:{stream}"

    def new_line(self, stream, long_len=0):
        """A numbered line; long_len > 0: a long ASCII line (split by the runtime). Returns (text, time)."""
        seq = len(self.expected[stream])
        prefix = f"{self.tag}:{stream}:{seq:07d} "
        text = prefix + ("L" * long_len if long_len else PAYLOADS[seq % len(PAYLOADS)])
        ns = self.clock.next()
        self.expected[stream].append((text, ns))
        return text, ns

    def counts(self):
        return {self.key(s): len(v) for s, v in self.expected.items() if v}

    def total(self):
        return sum(len(v) for v in self.expected.values())

    def records_for(self, n, long_every=0, long_len=40_000, streams=("stdout", "stdout", "stderr")):
        """Records of n numbered lines (streams in turn); every long_every-th line a long stdout line
        with a stderr line's record written between its parts (the runtimes' copiers interleave)."""
        out = []
        for _ in range(n):
            stream = streams[self.lines_made % len(streams)]
            self.lines_made += 1
            if long_every and self.lines_made % long_every == 0:
                parts = self.long_records("stdout", long_len)
                out += parts[:1] + self.short_records("stderr") + parts[1:]
            else:
                out += self.short_records(stream)
        return "".join(out)

    def append(self, data):
        if self.file is None:
            self.file = open(self.log, "a", encoding="utf-8")
        self.file.write(data)
        self.file.flush()

    def write_lines(self, n, **kwargs):
        self.append(self.records_for(n, **kwargs))

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None


class DockerContainer(Container):
    """<docker_root>/<id>/<id>-json.log (and config.v2.json unless config=False)."""

    def __init__(self, env, tag, name=None, image="busybox:1.36", labels=None, config=True, cid=None):
        super().__init__(tag, env.clock)
        self.id = cid or container_id(tag)
        self.name = name or tag
        self.image = image
        self.labels = dict(labels or {})
        self.dir = os.path.join(env.docker_root, self.id)
        os.makedirs(self.dir, exist_ok=True)
        self.log = os.path.join(self.dir, f"{self.id}-json.log")
        self.rotations = 0
        if config:
            self.write_config()

    def write_config(self):
        # Docker writes it to a temp file and renames it into place.
        tmp = os.path.join(self.dir, ".tmp-config.v2.json")
        with open(tmp, "w") as f:
            f.write(config_v2(self.id, self.name, self.image, self.labels))
        os.rename(tmp, os.path.join(self.dir, "config.v2.json"))

    def short_records(self, stream):
        text, ns = self.new_line(stream)
        return [docker_record(text + "\n", stream, ns)]

    def long_records(self, stream, long_len):
        text, ns = self.new_line(stream, long_len)
        check(len(text) % DOCKER_PART != 0, "a long line of the test must not be a multiple of 16 KiB")
        parts = [text[i:i + DOCKER_PART] for i in range(0, len(text), DOCKER_PART)]
        out = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            out.append(docker_record(part + ("\n" if last else ""), stream, ns if i == 0 else self.clock.next()))
        return out

    def rotate(self, max_file=3):
        """Docker's json-file rotation (max-size reached): .1 -> .2 ... (the oldest is overwritten),
        <id>-json.log -> .1, then a new <id>-json.log."""
        self.close()
        for i in range(max_file - 1, 1, -1):
            older = f"{self.log}.{i - 1}"
            if os.path.exists(older):
                os.rename(older, f"{self.log}.{i}")
        os.rename(self.log, self.log + ".1")
        open(self.log, "a").close()
        self.rotations += 1

    def expected_labels(self, stream):
        labels = {"job": "containers", "container_name": self.name, "image": self.image, "stream": stream}
        if "com.docker.compose.project" in self.labels:
            labels["compose_project"] = self.labels["com.docker.compose.project"]
        if "com.docker.compose.service" in self.labels:
            labels["compose_service"] = self.labels["com.docker.compose.service"]
        return labels


class CriContainer(Container):
    """<root>/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log, and the kubelet's link
    <root>/containers/<pod>_<namespace>_<container>-<id>.log when link=True."""

    def __init__(self, env, tag, namespace, pod, container, uid=None, restart=0, link=True, offset_minutes=0):
        super().__init__(tag, env.clock)
        self.namespace, self.pod, self.container = namespace, pod, container
        self.uid = uid or "-".join(container_id(pod)[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))
        self.dir = os.path.join(env.pods, f"{namespace}_{pod}_{self.uid}", container)
        os.makedirs(self.dir, exist_ok=True)
        self.env = env
        self.offset = offset_minutes
        self.restart(restart, link)

    def restart(self, n, link=True):
        """The container (re)started: a new <n>.log, and a new runtime id in the kubelet's link."""
        self.close()
        self.log = os.path.join(self.dir, f"{n}.log")
        self.id = container_id(f"{self.tag}-{n}") if link else f"{self.namespace}/{self.pod}/{self.container}"
        if link:  # the kubelet makes the link when the container starts
            link = f"{self.pod}_{self.namespace}_{self.container}-{self.id}.log"
            os.symlink(self.log, os.path.join(self.env.links, link))
        open(self.log, "a").close()

    def short_records(self, stream):
        text, ns = self.new_line(stream)
        return [cri_record(text, stream, "F", ns, self.offset)]

    def long_records(self, stream, long_len):
        text, ns = self.new_line(stream, long_len)
        cut = [0, 1000, 17_000, len(text)]  # containerd cuts at its buffer size: parts of any length
        out = []
        for i in range(3):
            out.append(cri_record(text[cut[i]:cut[i + 1]], stream, "F" if i == 2 else "P",
                                  ns if i == 0 else self.clock.next(), self.offset))
        return out

    def kubelet_rotate(self):
        """The kubelet's rotation: 0.log -> 0.log.<time>, then the runtime reopens a new 0.log."""
        self.close()
        os.rename(self.log, self.log + time.strftime(".%Y%m%d-%H%M%S", time.gmtime()))
        open(self.log, "a").close()

    def expected_labels(self, stream):
        return {"job": "containers", "namespace": self.namespace, "pod": self.pod, "container": self.container,
                "stream": stream}


class Env:
    """A test's directories: a Docker root and a kubelet log root, and the agent reading them."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.clock = Clock()
        self.docker_root = os.path.join(workdir, "docker", "containers")
        self.log_root = os.path.join(workdir, "log")
        self.pods = os.path.join(self.log_root, "pods")
        self.links = os.path.join(self.log_root, "containers")
        for d in (self.docker_root, self.pods, self.links):
            os.makedirs(d, exist_ok=True)

    def docker(self, tag, **kwargs):
        return DockerContainer(self, tag, **kwargs)

    def cri(self, tag, namespace, pod, container, **kwargs):
        return CriContainer(self, tag, namespace, pod, container, **kwargs)

    def agent(self, binary, socket="", command_prefix=None, **settings):
        monitor = {
            "enabled": True,
            "docker_root": self.docker_root,
            "docker_socket": socket,
            "cri_include": [os.path.join(self.pods, "*", "*", "*.log")],
            "scan_interval": "300ms",
            "labels": {"job": "containers"},
        }
        monitor.update(settings)
        return Agent(binary, self.workdir, include=[os.path.join(self.workdir, "no-files", "*.log")],
                     extra={"file_monitor": {"enabled": False}, "container_monitor": monitor},
                     command_prefix=command_prefix)


# --- reading what arrived ------------------------------------------------------------------------

def parse(record):
    m = MESSAGE_RE.match(record["message"])
    if m is None:
        return None
    return f"{m.group(1)}:{m.group(2)}", int(m.group(3))


def output_count(agent):
    """Records in the output so far (one JSON object per line; cheap enough to poll)."""
    n = 0
    if os.path.isdir(agent.output_dir):
        for name in os.listdir(agent.output_dir):
            path = os.path.join(agent.output_dir, name)
            if os.path.isfile(path) and not name.endswith(".gz"):
                with open(path, "rb") as f:
                    n += f.read().count(b"\n")
    return n


def wait_records(agent, n, what, timeout=120):
    wait_until(lambda: output_count(agent) >= n, timeout, f"{n} records in the output ({what}); "
               f"have {output_count(agent)}", interval=0.2)


def settled_records(agent, n, what, timeout=120):
    """Waits for n records, gives a duplicate time to arrive, and returns everything."""
    wait_records(agent, n, what, timeout)
    time.sleep(0.5)
    return agent.output_records()


def stats(agent):
    status, body = agent.get("/api/v1/stats")
    check(status == 200, f"/api/v1/stats answered {status}")
    return json.loads(body)["sources"][SOURCE]


def metric(agent, name, **labels):
    return agent.metric(name, dict(labels, source=SOURCE))


def check_lines(records, containers):
    """Every numbered line of these containers exactly once, in order, whole, with its labels, its
    source and the record's time; nothing malformed, partial or truncated. Returns the records of
    the numbered lines."""
    by_key = {}
    for c in containers:
        for stream in ("stdout", "stderr"):
            by_key[c.key(stream)] = (c, stream)
    ours = [r for r in records if parse(r) is not None and parse(r)[0] in by_key]
    counts = {}
    for c in containers:
        counts.update(c.counts())
    problems = sequence_check(ours, counts, parse)
    check(not problems, "\n".join(problems))
    bad = []
    for r in ours:
        key, seq = parse(r)
        c, stream = by_key[key]
        text, ns = c.expected[stream][seq]
        if r["message"] != text:
            bad.append(f"{key} {seq}: message of {len(r['message'])} bytes differs from the {len(text)} written "
                       f"({r['message'][:60]!r}...)")
        elif r["source_type"] != ("docker" if isinstance(c, DockerContainer) else "cri"):
            bad.append(f"{key} {seq}: source_type {r['source_type']}")
        elif r["source_id"] != c.id:
            bad.append(f"{key} {seq}: source_id {r['source_id']} != {c.id}")
        elif r["labels"] != c.expected_labels(stream):
            bad.append(f"{key} {seq}: labels {r['labels']} != {c.expected_labels(stream)}")
        elif parse_time(r["timestamp"]) != ns:
            bad.append(f"{key} {seq}: timestamp {r['timestamp']} is not the record's {go_time(ns)}")
        elif any(flag in r for flag in ("malformed", "partial", "truncated")):
            bad.append(f"{key} {seq}: flagged {r}")
        if len(bad) >= 10:
            break
    check(not bad, "\n".join(bad))
    return ours


class running:
    """Starts the agent; on an error stops it (the error goes on); on a normal exit stops it with
    SIGTERM, which must give exit code 0."""

    def __init__(self, agent):
        self.agent = agent

    def __enter__(self):
        return self.agent.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            try:
                self.agent.stop()
            except AssertionError:
                pass
            return False
        code = self.agent.stop()
        check(code == 0, f"exit code {code} after SIGTERM:\n{self.agent.log_tail()}")
        return False


# --- the tests ---------------------------------------------------------------------------------

def test_docker_lines_whole_in_order_with_metadata_and_times(binary, workdir):
    env = Env(workdir)
    containers = [
        env.docker("web", name="shop-web-1", image="nginx:1.25",
                   labels={"com.docker.compose.project": "shop", "com.docker.compose.service": "web", "tier": "front"}),
        env.docker("db", name="shop-db-1", image="postgres:16",
                   labels={"com.docker.compose.project": "shop", "com.docker.compose.service": "db"}),
        env.docker("lonely", name="lonely_turing", image="busybox:1.36"),
        env.docker("worker", name="worker-2", image="registry.example.com:5000/team/worker:2.1",
                   labels={"com.docker.compose.project": "batch", "com.docker.compose.service": "worker"}),
    ]
    per_container = scaled(6000, 300)
    rounds = 20
    # A third is there before the agent starts (read from the beginning), the rest comes while it runs.
    for c in containers:
        c.write_lines(per_container // 3, long_every=149)
    agent = env.agent(binary)
    with running(agent):
        for _ in range(rounds):
            for c in containers:
                c.write_lines((per_container - per_container // 3) // rounds, long_every=149)
            time.sleep(0.02)
        expected = sum(c.total() for c in containers)
        records = settled_records(agent, expected, "every line of 4 containers")
        check(len(records) == expected, f"{len(records)} records for {expected} lines")
        ours = check_lines(records, containers)
        long_lines = sum(1 for r in ours if len(r["message"]) > DOCKER_PART)
        check(long_lines >= 4, f"only {long_lines} long lines were written")
        check(all(len(r["message"]) == 40_000 + len(r["message"].split(" ", 1)[0]) + 1
                  for r in ours if len(r["message"]) > DOCKER_PART), "long lines are whole")
        s = stats(agent)
        check(s["containers"]["joined_lines"] == long_lines,
              f"joined_lines {s['containers']['joined_lines']} != {long_lines} long lines")
        check(s["containers"]["docker_files"] == 4, f"docker_files {s['containers']['docker_files']} != 4")
        check(s["containers"]["malformed_records"] == 0 and s["containers"]["without_metadata"] == 0,
              f"nothing malformed, metadata for all: {s['containers']}")
        wait_until(lambda: agent.metric("log_capturer_logs_captured_total") == expected, 10,
                   f"logs_captured_total to be {expected}")
        check(metric(agent, "log_capturer_container_malformed_records_total") == 0, "no malformed records counted")
        # Only the container layouts are looked at (no other glob finds files to skip).
        check(metric(agent, "log_capturer_container_files_skipped_total") == 0
              and s["containers"]["skipped_unknown_layout"] == 0, "no file skipped (unknown_layout, filtered, self)")
    for c in containers:
        c.close()


def test_docker_rotation_mid_stream_loses_and_duplicates_nothing(binary, workdir):
    env = Env(workdir)
    rot3 = env.docker("rot3", name="rotating-max-file-3")
    rot2 = env.docker("rot2", name="rotating-max-file-2")
    steady = env.docker("steady", name="steady")
    containers = [rot3, rot2, steady]
    per_step = scaled(120, 8)
    agent = env.agent(binary)
    with running(agent):
        for step in range(1, 61):
            for c in containers:
                c.write_lines(per_step, long_every=97)
            # Rotation while the container keeps writing: every step writes before and after it.
            if step % 8 == 0:
                rot3.rotate(max_file=3)
            if step % 11 == 0:
                rot2.rotate(max_file=2)
            time.sleep(0.05)
        expected = sum(c.total() for c in containers)
        records = settled_records(agent, expected, "every line across the rotations")
        check(len(records) == expected, f"{len(records)} records for {expected} lines")
        check_lines(records, containers)
        rotations = rot3.rotations + rot2.rotations
        check(os.path.exists(rot3.log + ".2") and not os.path.exists(rot3.log + ".3"),
              "the test rotated like Docker with max-file 3")
        s = stats(agent)
        check(s["files"]["rotations"] >= rotations,
              f"files.rotations {s['files']['rotations']} < {rotations} rotations")
        # Rotated files are released once read (rotate_wait): one open file per container remains.
        wait_until(lambda: stats(agent)["files"]["files_open"] == 3, 30,
                   "the rotated files to be released (files_open 3)")
    for c in containers:
        c.close()


def test_containers_appearing_and_disappearing_while_running(binary, workdir):
    env = Env(workdir)
    first = env.docker("first", name="first")
    first.write_lines(scaled(500, 50))
    agent = env.agent(binary)
    with running(agent):
        wait_records(agent, first.total(), "the container present at start")
        # A container created while the agent runs: its log appears before its config.v2.json is
        # written (the agent waits a moment for the metadata).
        late_config = env.docker("lateconfig", name="late-config", image="alpine:3.20",
                                 labels={"com.docker.compose.project": "late", "com.docker.compose.service": "cfg"},
                                 config=False)
        late_config.write_lines(scaled(300, 30))
        # One that comes and goes: docker run --rm, its lines read, then its directory removed.
        gone = env.docker("gone", name="short-lived", image="alpine:3.20")
        gone.write_lines(scaled(400, 40), long_every=50)
        # One Docker never gave a config.v2.json: read after a grace period with its id only.
        bare = env.docker("bare", config=False)
        bare.write_lines(scaled(200, 20))
        time.sleep(0.5)
        late_config.write_config()
        for _ in range(10):
            first.write_lines(scaled(50, 5))
            late_config.write_lines(scaled(20, 2))
            time.sleep(0.05)
        wait_until(lambda: sum(1 for r in agent.output_records() if r["source_id"] in (gone.id, bare.id))
                   == gone.total() + bare.total(), 60, "the short-lived container's lines and the bare one's")
        opened = stats(agent)["files"]["files_opened"]
        check(opened == 4, f"files_opened {opened} != 4 (first, late-config, short-lived, bare)")
        gone.close()
        shutil.rmtree(gone.dir)  # docker rm
        wait_until(lambda: stats(agent)["files"]["files_open"] == 3, 30,
                   "the removed container's log to be released (files_open 3)")
        # Later containers are still found, and the others go on.
        later = env.docker("later", name="later", image="redis:7",
                           labels={"com.docker.compose.project": "cache", "com.docker.compose.service": "redis"})
        later.write_lines(scaled(300, 30))
        first.write_lines(scaled(100, 10))
        containers = [first, late_config, gone, bare, later]
        expected = sum(c.total() for c in containers)
        records = settled_records(agent, expected, "every container's lines")
        check(len(records) == expected, f"{len(records)} records for {expected} lines")
        # A container without metadata: only the static and the stream labels (checked by check_lines).
        bare.expected_labels = lambda stream: {"job": "containers", "stream": stream}
        check_lines(records, containers)
        s = stats(agent)
        check(s["containers"]["without_metadata"] == 1, f"without_metadata {s['containers']['without_metadata']} != 1")
        check(s["files"]["files_open"] == 4, f"files_open {s['files']['files_open']} != 4")
        status, _ = agent.get("/health")
        check(status == 200, f"/health {status}")
    for c in containers:
        c.close()


def test_restart_reads_nothing_twice_and_what_came_meanwhile_to_the_end(binary, workdir):
    env = Env(workdir)
    a = env.docker("a", name="app-a")
    b = env.docker("b", name="app-b")
    # History before the very first start with read_from end: never read.
    history = "".join(docker_record(f"history {i}\n", "stdout", env.clock.next()) for i in range(50))
    a.append(history)
    b.append(history)
    n = scaled(1000, 100)
    agent = env.agent(binary, read_from="end")
    with running(agent):
        wait_until(lambda: stats(agent)["files"]["files_open"] == 2, 30, "both logs open")
        a.write_lines(n, long_every=53)
        b.write_lines(n)
        wait_records(agent, a.total() + b.total(), "the lines of the first run")
        # The agent stops while it holds the first part of a long line (the rest is not written yet).
        held = a.long_records("stdout", 40_000)
        a.append(held[0])
        unread = 2 * len(history.encode())  # read_from end: the history was skipped
        wait_until(lambda: stats(agent)["files"]["bytes_read"]
                   == os.path.getsize(a.log) + os.path.getsize(b.log) - unread, 30, "the held part to be read")
    # While the agent is down: a finishes the long line and writes on, b is rotated (the rest of the
    # old file, then a new one), and c is created and writes (read whole at the next start: it is not
    # the first start any more).
    a.append("".join(held[1:]))
    a.write_lines(n, long_every=53)
    b.write_lines(n // 2)
    b.rotate()
    b.write_lines(n // 2)
    c = env.docker("c", name="app-c", image="alpine:3.20")
    c.write_lines(n)
    positions = os.path.join(agent.data_dir, "positions", "container_positions.json")
    check(os.path.isfile(positions), f"positions saved in {positions}")
    with running(agent):
        for _ in range(5):
            for x in (a, b, c):
                x.write_lines(n // 5)
            time.sleep(0.05)
        containers = [a, b, c]
        expected = sum(x.total() for x in containers)
        records = settled_records(agent, expected, "every line exactly once across the restart")
        check(not any(r["message"].startswith("history ") for r in records),
              "history before the first start (read_from end) is not read")
        check(len(records) == expected, f"{len(records)} records for {expected} lines")
        check_lines(records, containers)  # the line held at the stop is whole, and only once
    for x in containers:
        x.close()


def test_cri_parts_joined_labels_from_the_path_and_ids_from_kubelet_links(binary, workdir):
    env = Env(workdir)
    nginx = env.cri("nginx", "shop", "web-7d4b9c-x2x9q", "nginx")
    sidecar = env.cri("sidecar", "shop", "web-7d4b9c-x2x9q", "log-shipper", uid=nginx.uid, link=False)
    dns = env.cri("dns", "kube-system", "coredns-5d78c9869d-abcde", "coredns", offset_minutes=60)
    containers = [nginx, sidecar, dns]
    n = scaled(3000, 150)
    for c in containers:
        c.write_lines(n // 3, long_every=41)
    agent = env.agent(binary)
    with running(agent):
        for step in range(10):
            for c in containers:
                c.write_lines(n // 30, long_every=41)
            if step == 4:
                nginx.kubelet_rotate()
            time.sleep(0.05)
        wait_records(agent, sum(c.total() for c in containers), "the lines of the first containers")
        # The container restarts: a new log file, a new runtime id in a new kubelet link (the old
        # link stays until the kubelet cleans up), more than a second after the links were read.
        time.sleep(1.2)
        old_id = nginx.id
        nginx.restart(1)
        nginx.write_lines(n // 3, long_every=41)
        expected = sum(c.total() for c in containers)
        records = settled_records(agent, expected, "every CRI line")
        check(len(records) == expected, f"{len(records)} records for {expected} lines")
        # check_lines checks one id per container: the restarted one's lines carry either id.
        before = {r["message"] for r in records if r["source_id"] == old_id}
        check(before, "lines from the first run carry the first container id")
        for r in records:
            if r["source_id"] == old_id:
                r["source_id"] = nginx.id
        ours = check_lines(records, containers)
        check(any(r["source_id"] == container_id("nginx-1") for r in records) and old_id != nginx.id,
              "the restarted container's lines carry its new id")
        check(all(r["source_id"] == "shop/web-7d4b9c-x2x9q/log-shipper"
                  for r in ours if r["message"].startswith("sidecar:")),
              "without a kubelet link the id is namespace/pod/container")
        joined = sum(1 for r in ours if len(r["message"]) > 17_000)
        check(joined >= 3, f"only {joined} long lines")
        s = stats(agent)
        check(s["containers"]["joined_lines"] == joined, f"joined_lines {s['containers']['joined_lines']} != {joined}")
        check(s["containers"]["cri_files"] >= 4, f"cri_files {s['containers']['cri_files']} < 4")
    for c in containers:
        c.close()


def test_filters_decide_which_containers_and_streams_are_read(binary, workdir):
    env = Env(workdir)
    shop = {"namespace": "shop"}
    read = [
        env.docker("web1", name="web-1", labels=shop),
        env.docker("api1", name="api-1", labels=dict(shop, logging="on")),
        env.cri("webc", "shop", "web-6f7b-x1", "web-c"),
    ]
    skipped = [
        env.docker("webdebug", name="web-debug", labels=shop),             # exclude_names
        env.docker("web2", name="web-2", labels=dict(shop, logging="off")),  # exclude_labels
        env.docker("web3", name="web-3"),                                    # include_labels
        env.docker("db1", name="db-1", labels=shop),                         # include_names
        env.cri("dnsweb", "kube-system", "coredns-1", "web-dns"),            # include_labels
        env.cri("pg", "shop", "db-0", "postgres"),                           # include_names
    ]
    n = scaled(600, 60)
    for c in read + skipped:
        c.write_lines(n // 2)
    agent = env.agent(binary, include_names=["web-*", "api-*"], exclude_names=["*-debug"],
                      include_labels=shop, exclude_labels={"logging": "off"}, include_stdout=False)
    with running(agent):
        for c in read + skipped:
            c.write_lines(n // 2)
        # Only stderr of the containers read: stdout lines are not expected.
        for c in read:
            c.expected["stdout"] = []
        expected = sum(c.total() for c in read)
        records = settled_records(agent, expected, "stderr of the containers the filters let through")
        check(len(records) == expected, f"{len(records)} records for {expected} lines")
        check_lines(records, read)
        check(all(r["labels"]["stream"] == "stderr" for r in records), "include_stdout false: no stdout line")
        wait_until(lambda: metric(agent, "log_capturer_container_files_skipped_total", reason="filtered") == 6, 10,
                   "files_skipped_total{reason=filtered} to be 6")
        check(metric(agent, "log_capturer_container_files_skipped_total", reason="self") == 0,
              "nothing skipped as self")
        s = stats(agent)["containers"]
        check(s["skipped_filtered"] == 6, f"skipped_filtered {s['skipped_filtered']} != 6")
        check(s["docker_files"] == 2 and s["cri_files"] == 1, f"files admitted: {s}")
        stdout_lines = sum(c.lines_made for c in read) - expected
        check(s["filtered_stream_lines"] == stdout_lines,
              f"filtered_stream_lines {s['filtered_stream_lines']} != {stdout_lines} stdout lines")
    for c in read + skipped:
        c.close()


def test_the_agents_own_container_is_never_read(binary, workdir):
    env = Env(workdir)
    me = env.docker("self", name="log-capturer", image="log-capturer:dev")
    other = env.docker("other", name="other-app")
    # Docker names a container's host after the first 12 hex digits of its id.
    hostname = me.id[:12]
    probe = subprocess.run(["unshare", "--uts", "sh", "-c", f"hostname {hostname} && hostname"],
                           capture_output=True, text=True)
    check(probe.returncode == 0 and probe.stdout.strip() == hostname,
          f"`unshare --uts` failed (this test needs root or CAP_SYS_ADMIN to set a host name): exit "
          f"{probe.returncode}: {probe.stderr.strip()}")
    n = scaled(500, 50)
    me.write_lines(n)
    other.write_lines(n)
    agent = env.agent(binary, command_prefix=["unshare", "--uts", "sh", "-c", f'hostname {hostname} && exec "$0" "$@"'])
    with running(agent):
        pid = agent.proc.pid
        check(os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(binary), "the process started is the agent")
        check(os.stat(f"/proc/{pid}/ns/uts").st_ino != os.stat("/proc/self/ns/uts").st_ino,
              "the agent runs in a UTS namespace of its own")
        if shutil.which("nsenter"):
            seen = subprocess.run(["nsenter", "--uts", "-t", str(pid), "hostname"], capture_output=True, text=True)
            check(seen.stdout.strip() == hostname, f"the agent's host name is {seen.stdout.strip()!r}, not {hostname}")
        for _ in range(5):
            me.write_lines(n // 5)
            other.write_lines(n // 5)
            time.sleep(0.05)
        expected = other.total()
        records = settled_records(agent, expected, "the other container's lines")
        check(not any(r["source_id"] == me.id or r["message"].startswith("self:") for r in records),
              "no line of the agent's own container")
        check(len(records) == expected, f"{len(records)} records for {expected} lines")
        check_lines(records, [other])
        wait_until(lambda: metric(agent, "log_capturer_container_files_skipped_total", reason="self") == 1, 10,
                   "files_skipped_total{reason=self} to be 1")
        s = stats(agent)["containers"]
        check(s["skipped_self"] == 1 and s["docker_files"] == 1, f"one file skipped as self, one read: {s}")
    for c in (me, other):
        c.close()


def test_engine_api_metadata_and_health(binary, workdir):
    env = Env(workdir)
    socket_path = os.path.join(workdir, "docker.sock")
    engine = FakeDockerEngine(socket_path).start()
    try:
        agent = env.agent(binary, socket=socket_path)
        with running(agent):
            wait_until(lambda: stats(agent).get("docker_api", {}).get("connected") is True, 30,
                       "the agent to connect to the Engine API")
            # A container the daemon knows but that has no config.v2.json on disk: its metadata can
            # only come from the API.
            api_only = DockerContainer(env, "apionly", name="api-only-1", image="ghcr.io/acme/api:3.2",
                                       labels={"com.docker.compose.project": "acme",
                                               "com.docker.compose.service": "api", "team": "backend"},
                                       config=False)
            engine.add_container(api_only.id, api_only.name, api_only.image, api_only.labels)
            engine.event("create", api_only.id)
            engine.event("start", api_only.id)
            api_only.write_lines(scaled(400, 40), long_every=37)
            records = settled_records(agent, api_only.total(), "the API-only container's lines")
            check(len(records) == api_only.total(), f"{len(records)} records for {api_only.total()} lines")
            check_lines(records, [api_only])
            s = stats(agent)
            check(s["containers"]["without_metadata"] == 0, "metadata found for the API-only container")
            api = s["docker_api"]
            check(api["connected"] is True and api["connects"] >= 1 and api["events"] >= 2 and api["containers"] == 1,
                  f"docker_api stats: {api}")
            status, body = agent.get("/health")
            check(status == 200, f"/health {status} with the engine up")
            far = json.loads(body)["checks"]["sources"][SOURCE]["far_side"]
            check(far["docker_api"] == "connected", f"/health far side with the engine up: {far}")

            engine.stop()
            wait_until(lambda: stats(agent)["docker_api"]["connected"] is False, 30,
                       "the agent to notice the engine is gone")
            api = stats(agent)["docker_api"]
            check(api["disconnects"] >= 1, f"docker_api stats after the engine stopped: {api}")
            for _ in range(3):
                status, body = agent.get("/health")
                check(status == 200 and json.loads(body)["status"] == "healthy",
                      f"/health {status} without the engine: {body}")
                time.sleep(0.3)
            far = json.loads(body)["checks"]["sources"][SOURCE]["far_side"]
            check(far["docker_api"] == "unreachable", f"/health far side without the engine: {far}")
            # Logs flow without the API: the known container goes on, a new one is read with the
            # metadata on disk.
            api_only.write_lines(scaled(200, 20))
            on_disk = env.docker("ondisk", name="on-disk", image="alpine:3.20",
                                 labels={"com.docker.compose.project": "disk", "com.docker.compose.service": "x"})
            on_disk.write_lines(scaled(200, 20))
            expected = api_only.total() + on_disk.total()
            records = settled_records(agent, expected, "lines while the engine is down")
            check(len(records) == expected, f"{len(records)} records for {expected} lines")
            check_lines(records, [api_only, on_disk])
        for c in (api_only, on_disk):
            c.close()
    finally:
        engine.stop()


def test_malformed_records_are_passed_on_raw_flagged_and_counted(binary, workdir):
    env = Env(workdir)
    d = env.docker("dmal", name="sloppy", image="busybox:1.36")
    c = env.cri("cmal", "shop", "sloppy-pod", "app")
    docker_bad = [
        '{"log":"cut short',                                                     # broken JSON
        'plain text, not JSON',
        '{"stream":"stdout","time":"2026-11-24T07:00:00Z"}',                   # no "log"
        '{"log":"bad time\\n","stream":"stdout","time":"yesterday at noon"}',  # bad time
        '{"log":"x\\n","stream":"stdlog","time":"2026-11-24T07:00:00Z"}',      # unknown stream
    ]
    cri_bad = [
        "24/11/2026 07:00:00 stdout F a time that is not RFC 3339",
        "2026-11-24T07:00:00.5Z stdlog F an unknown stream",
        "2026-11-24T07:00:00Z stdout X an unknown tag",
    ]

    def mixed(container, bad_lines, n):
        """n good stdout lines, a malformed one after every few; returns the messages in file order."""
        data, order = [], []
        for i in range(n):
            data += container.short_records("stdout")
            order.append(container.expected["stdout"][-1][0])
            if i % 7 == 3:
                bad = bad_lines[(i // 7) % len(bad_lines)]
                data.append(bad + "\n")
                order.append(bad)
        container.append("".join(data))
        return order

    n = scaled(140, 70)
    order_d = mixed(d, docker_bad, n)
    order_c = mixed(c, cri_bad, n)
    agent = env.agent(binary)
    with running(agent):
        order_d += mixed(d, docker_bad, n)
        order_c += mixed(c, cri_bad, n)
        expected = len(order_d) + len(order_c)
        records = settled_records(agent, expected, "good and malformed records")
        check(len(records) == expected, f"{len(records)} records for {expected} written")
        for container, order, kind in ((d, order_d, "docker"), (c, order_c, "cri")):
            mine = [r for r in records if r["source_id"] == container.id]
            got = [r["message"] for r in mine]
            check(got == order, f"{kind}: the records in file order, malformed ones raw in their place; first "
                  f"difference at {next((i for i, (x, y) in enumerate(zip(got, order)) if x != y), len(got))}")
            bad = [r for r in mine if parse(r) is None]
            labels = container.expected_labels("stdout")
            del labels["stream"]
            check(all(r.get("malformed") is True and r["labels"] == labels and r["source_type"] == kind
                      for r in bad), f"{kind}: malformed records flagged, with the container's labels but no "
                  f"stream: {bad[:2]}")
            check(len(bad) == len(order) - container.total(), f"{kind}: {len(bad)} malformed records")
            counted = len(bad)
            wait_until(lambda: metric(agent, "log_capturer_container_malformed_records_total", format=kind) == counted,
                       10, f"malformed_records_total{{format={kind}}} to be {counted}")
        check_lines(records, [d, c])
        s = stats(agent)["containers"]
        malformed = len(order_d) + len(order_c) - d.total() - c.total()
        check(s["malformed_records"] == malformed, f"malformed_records {s['malformed_records']} != {malformed}")
    for x in (d, c):
        x.close()


if __name__ == "__main__":
    suite = Suite("container")
    suite.run(test_docker_lines_whole_in_order_with_metadata_and_times)
    suite.run(test_docker_rotation_mid_stream_loses_and_duplicates_nothing)
    suite.run(test_containers_appearing_and_disappearing_while_running)
    suite.run(test_restart_reads_nothing_twice_and_what_came_meanwhile_to_the_end)
    suite.run(test_cri_parts_joined_labels_from_the_path_and_ids_from_kubelet_links)
    suite.run(test_filters_decide_which_containers_and_streams_are_read)
    suite.run(test_the_agents_own_container_is_never_read)
    suite.run(test_engine_api_metadata_and_health)
    suite.run(test_malformed_records_are_passed_on_raw_flagged_and_counted)
    suite.finish()
