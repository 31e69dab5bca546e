"""Bad input gets a clear outcome and loses nothing else: garbage, invalid UTF-8, a 10 MiB line,
an empty file, a file deleted while being read, unreadable paths."""
import json
import os
import random
import time

from harness import Suite, input_dir, running_agent, check, wait_until


def messages_by_source(agent):
    by = {}
    for r in agent.output_records():
        by.setdefault(os.path.basename(r["source_id"]), []).append(r)
    return by


def test_bad_files_do_not_stop_good_ones(binary, workdir):
    indir = input_dir(workdir)
    rnd = random.Random(7)
    # Binary garbage: random bytes including NULs, split into lines by the newlines it happens to have.
    garbage = bytes(rnd.getrandbits(8) for _ in range(64 * 1024)) + b"\nafter-garbage\n"
    with open(os.path.join(indir, "garbage.log"), "wb") as f:
        f.write(garbage)
    # Invalid UTF-8: stray continuation, truncated sequence, overlong encoding, a surrogate.
    with open(os.path.join(indir, "utf8.log"), "wb") as f:
        f.write(b"bad \x80 continuation\nbad \xe2\x82 truncated\nbad \xc0\xaf overlong\n"
                b"bad \xed\xa0\x80 surrogate\ngood \xe2\x82\xac euro \xf0\x9f\x98\x80\n")
    # A 10 MiB line between two normal ones.
    with open(os.path.join(indir, "huge.log"), "wb") as f:
        f.write(b"before-huge\n" + b"H" * (10 * 1024 * 1024) + b"\nafter-huge\n")
    open(os.path.join(indir, "empty.log"), "wb").close()
    # Unreadable for the agent: a directory and a dangling symlink that match the glob, and a
    # mode-000 file (root reads it anyway, so only its content is checked then).
    os.makedirs(os.path.join(indir, "adirectory.log"))
    os.symlink(os.path.join(indir, "missing-target"), os.path.join(indir, "dangling.log"))
    locked = os.path.join(indir, "locked.log")
    with open(locked, "w") as f:
        f.write("locked-line\n")
    os.chmod(locked, 0)
    with open(os.path.join(indir, "normal.log"), "w") as f:
        f.write("".join(f"normal {i}\n" for i in range(1000)))

    with running_agent(binary, workdir) as (agent, _):
        wait_until(lambda: len(messages_by_source(agent).get("normal.log", [])) == 1000
                   and any(r["message"] == "after-huge" for r in messages_by_source(agent).get("huge.log", [])),
                   60, "the normal file and the line after the huge one")
        by = messages_by_source(agent)
        huge = by["huge.log"]
        check([r["message"][:11] for r in huge] == ["before-huge", "H" * 11, "after-huge"],
              f"huge.log gives 3 events, got {[r['message'][:11] for r in huge]}")
        check(len(huge[1]["message"]) == 1024 * 1024 and huge[1].get("truncated") is True,
              "the 10 MiB line is cut at max_line_size (1 MiB) and flagged truncated")
        # The source counts after handing the batch on, so the sink may write it a moment earlier.
        wait_until(lambda: agent.metric("log_capturer_lines_truncated_total") == 1, 10,
                   "lines_truncated_total to be 1")

        utf8 = [r["message"] for r in by["utf8.log"]]
        check(len(utf8) == 5, f"5 lines from utf8.log, got {len(utf8)}")
        check(all("\ufffd" in m for m in utf8[:4]), f"invalid sequences become U+FFFD: {utf8[:4]!r}")
        check(utf8[4] == "good \u20ac euro \U0001F600", f"valid UTF-8 is kept: {utf8[4]!r}")

        garbage_records = by["garbage.log"]
        check(garbage_records[-1]["message"] == "after-garbage", "the line after the garbage arrives")
        json.dumps(garbage_records)  # every garbage record was valid JSON (parsed by output_records)

        check("empty.log" not in by, "an empty file gives no events")
        # The file deleted while being read: write, let the agent start it, delete, and check.
        deleted = os.path.join(indir, "deleted.log")
        with open(deleted, "w") as f:
            f.write("".join(f"deleted {i}\n" for i in range(500)))
        wait_until(lambda: len(messages_by_source(agent).get("deleted.log", [])) >= 1, 30, "deleted.log to be read")
        os.remove(deleted)
        wait_until(lambda: len(messages_by_source(agent).get("deleted.log", [])) == 500, 30,
                   "all 500 lines of the deleted file")
        check(agent.alive(), "the agent is still running")
        status, _ = agent.get("/health")
        check(status == 200, f"/health is {status}")


def test_partial_last_line_waits_for_its_newline(binary, workdir):
    indir = input_dir(workdir)
    path = os.path.join(indir, "partial.log")
    with open(path, "w") as f:
        f.write("complete\nhalf-")
    with running_agent(binary, workdir, extra={"file_monitor": {"partial_line_timeout": "1h"}}) as (agent, _):
        wait_until(lambda: len(agent.output_records()) >= 1, 30, "the complete line")
        time.sleep(0.5)
        check([r["message"] for r in agent.output_records()] == ["complete"], "the half line is held")
        code = agent.stop()
        check(code == 0, f"exit {code}")
        with open(path, "a") as f:
            f.write("done\n")
        agent.start()
        wait_until(lambda: len(agent.output_records()) >= 2, 30, "the completed line after restart")
        messages = [r["message"] for r in agent.output_records()]
        check(messages == ["complete", "half-done"], f"the line is read whole after a restart: {messages}")


if __name__ == "__main__":
    suite = Suite("bad_input")
    suite.run(test_bad_files_do_not_stop_good_ones)
    suite.run(test_partial_last_line_waits_for_its_newline)
    suite.finish()
