"""Files -> local_file across rename rotation, copytruncate, new files, and a restart.

Every line must reach the output exactly once and in order per logical file.
"""
import os
import shutil
import time

from harness import Agent, Suite, input_dir, running_agent, check, scaled, sequence_check, wait_until

PAYLOAD = "x" * 120


def line(stream, seq):
    return f"{stream} {seq:09d} {PAYLOAD}\n"


def parse(record):
    parts = record["message"].split(" ", 2)
    if len(parts) != 3 or not parts[0].startswith("s"):
        return None
    return parts[0], int(parts[1])


class Writer:
    """Writes numbered lines into in/<stream>.log, the way applications and logrotate do."""

    def __init__(self, directory):
        self.dir = directory
        self.files = {}
        self.counts = {}

    def path(self, stream):
        return os.path.join(self.dir, f"{stream}.log")

    def write(self, stream, n):
        f = self.files.get(stream)
        if f is None:
            f = self.files[stream] = open(self.path(stream), "a")
        seq = self.counts.get(stream, 0)
        f.write("".join(line(stream, seq + i) for i in range(n)))
        f.flush()
        self.counts[stream] = seq + n

    def rename_rotate(self, stream, suffix):
        # logrotate's default: rename, then the application reopens its log by name.
        os.rename(self.path(stream), self.path(stream) + f".{suffix}")
        self.files.pop(stream).close()

    def copytruncate(self, stream, suffix):
        shutil.copyfile(self.path(stream), self.path(stream) + f".{suffix}")
        self.files[stream].truncate(0)
        self.files[stream].seek(0)

    def close(self):
        for f in self.files.values():
            f.close()


def caught_up(agent, counts, stream):
    records = agent.output_records()
    want = counts[stream]
    got = sum(1 for r in records if r["message"].startswith(stream + " "))
    return got >= want


def test_rotation_and_new_files_exactly_once_in_order(binary, workdir):
    indir = input_dir(workdir)
    total = scaled(100_000, 2000)
    streams = [f"s{i:02d}" for i in range(20)]
    writer = Writer(indir)
    with running_agent(binary, workdir) as (agent, _):
        steps = 50
        per_step = total // steps // len(streams)
        for step in range(steps):
            for s in streams:
                writer.write(s, per_step)
            if step == 10:
                writer.rename_rotate("s03", 1)
            if step == 20:
                # copytruncate loses whatever the writer adds between the agent's last read and the
                # truncate (inherent to copytruncate, in every agent): let the agent catch up first.
                wait_until(lambda: caught_up(agent, writer.counts, "s07"), 60, "s07 to be read before copytruncate")
                writer.copytruncate("s07", 1)
            if step == 25:
                streams += [f"s{i:02d}" for i in range(20, 25)]  # new files appear mid-stream
            if step == 30:
                writer.rename_rotate("s03", 2)
                writer.rename_rotate("s11", 1)
            if step % 5 == 0:
                time.sleep(0.05)
        writer.close()
        expected = sum(writer.counts.values())
        wait_until(lambda: len(agent.output_records()) >= expected, 120,
                   f"{expected} lines in the output")
        time.sleep(0.5)  # anything extra (a duplicate) would arrive now
        records = agent.output_records()
        problems = sequence_check(records, writer.counts, parse)
        check(not problems, "\n".join(problems))
        check(len(records) == expected, f"{len(records)} records for {expected} lines")
        check(all(r["source_type"] == "file" and r["labels"].get("job") == "e2e" for r in records),
              "every record has source_type file and the job label")
        captured = agent.metric("log_capturer_logs_captured_total")
        check(captured == expected, f"logs_captured_total {captured} != {expected}")


def test_restart_mid_stream_loses_nothing_and_duplicates_nothing(binary, workdir):
    indir = input_dir(workdir)
    streams = [f"s{i:02d}" for i in range(5)]
    writer = Writer(indir)
    agent = Agent(binary, workdir, include=[os.path.join(indir, "*.log")]).start()
    per_round = scaled(400, 40)
    for round_no in range(30):
        for s in streams:
            writer.write(s, per_round)
        if round_no == 10:
            code = agent.stop()
            check(code == 0, f"first stop exited {code}")
        if round_no == 15:
            # Rotated while the agent was down: lines before the rename must still be read.
            writer.rename_rotate("s02", 1)
        if round_no == 20:
            agent.start()
        time.sleep(0.02)
    writer.close()
    expected = sum(writer.counts.values())
    wait_until(lambda: len(agent.output_records()) >= expected, 120, f"{expected} lines")
    time.sleep(0.5)
    records = agent.output_records()
    problems = sequence_check(records, writer.counts, parse)
    code = agent.stop()
    check(not problems, "\n".join(problems))
    check(len(records) == expected, f"{len(records)} records for {expected} lines")
    check(code == 0, f"second stop exited {code}")


if __name__ == "__main__":
    suite = Suite("rotation")
    suite.run(test_rotation_and_new_files_exactly_once_in_order)
    suite.run(test_restart_mid_stream_loses_nothing_and_duplicates_nothing)
    suite.finish()
