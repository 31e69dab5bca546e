#!/usr/bin/env python3
"""Idle cost: the agent watching N files (default 1,000) that nobody writes to.

Starts the agent on N small files, waits until it has read them all, then samples utime+stime over
a window (default 30 s) and prints the share of one core used. Target (issue 2): under 0.5 %.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default="build/log-capturer")
    p.add_argument("--files", type=int, default=1000)
    p.add_argument("--window", type=float, default=30.0)
    args = p.parse_args()

    work = tempfile.mkdtemp(prefix="logcap-idle-")
    indir = os.path.join(work, "in")
    os.makedirs(indir)
    for i in range(args.files):
        with open(os.path.join(indir, f"f{i:04d}.log"), "w") as f:
            f.write(f"file {i} first line\n")
    port = free_port()
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as f:
        f.write(f"""app: {{data_dir: {work}/data, log_format: text}}
server: {{port: {port}}}
file_monitor:
  include: ["{indir}/*.log"]
sinks:
  null: {{enabled: true}}
disk_buffer: {{enabled: false}}
dlq: {{enabled: false}}
""")
    proc = subprocess.Popen([args.binary, "--config", config], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                sent = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                           if l.startswith("log_capturer_logs_sent_total{") and 'status="success"' in l)
                if sent >= args.files:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                print("the agent did not read every file in time", file=sys.stderr)
                return 1
            time.sleep(0.2)
        time.sleep(2)  # settle
        before = cpu_seconds(proc.pid)
        time.sleep(args.window)
        used = cpu_seconds(proc.pid) - before
        share = 100.0 * used / args.window
        print(f"| files | window s | CPU s | % of one core | RSS MiB |")
        print(f"|---|---|---|---|---|")
        print(f"| {args.files} | {args.window:.0f} | {used:.3f} | {share:.3f} | {rss_mib(proc.pid):.1f} |")
        return 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
