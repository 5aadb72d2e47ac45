"""kctl copy against the real brokers: exactly once under SIGKILL, at least once across clusters."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

from tests.helpers import KEEP_OLD_RECORDS, fill, read_partitions, run_kctl, wait_until

# The records carry BASE_TS timestamps (Nov 2023), far older than the broker's default 7-day
# retention (DST once looked short: "lost" batches of one transaction each). Every source
# topic keeps its records forever, and `copy --create` gives DST the same topic config.
KEEP = KEEP_OLD_RECORDS


def missing_ranges(expected: dict, copied: dict) -> dict:
    """{partition: [(first, last) source offsets absent from the copy]} (a diagnostic)."""
    out = {}
    for partition, records in expected.items():
        have = {dict(r[2])["seq"] for r in copied.get(partition, [])}
        gone = [i for i, r in enumerate(records) if dict(r[2])["seq"] not in have]
        ranges = []
        for offset in gone:
            if ranges and ranges[-1][1] == offset - 1:
                ranges[-1][1] = offset
            else:
                ranges.append([offset, offset])
        out[partition] = ranges
    return out


def retention_and_lows(bootstrap: str, topic: str) -> tuple:
    """(retention.ms of topic, {partition: low watermark}): whether the broker deleted any of it."""
    from kctl.client import AdminClient, ConsumerClient

    with AdminClient(bootstrap=bootstrap, timeout=10) as admin:
        outcome = admin.describe_configs([topic], 10)[topic]
    assert outcome.error is None, outcome.error
    retention = {e.name: e.value for e in outcome.value}.get("retention.ms")
    with ConsumerClient(bootstrap=bootstrap) as consumer:
        partitions = consumer.topics(10, topic)[topic]
        lows = {p: consumer.watermarks(topic, p, 10)[0] for p in partitions}
    return retention, lows


def committed_total(bootstrap: str, group: str, topic: str, partitions: int) -> int:
    from kctl.client import ConsumerClient

    # read_uncommitted: librdkafka's read_committed offset fetch asks for stable offsets only and
    # waits while the copy's transaction holds pending ones (it always has one open); the offsets
    # a transaction commits are visible only once it commits either way.
    with ConsumerClient(bootstrap=bootstrap, group_id=group, isolation_level="read_uncommitted") as consumer:
        offsets = consumer.committed([(topic, p) for p in range(partitions)], 10)
    return sum(max(o, 0) for o in offsets.values())


def start_copy(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kctl", "-o", "json", "copy", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))


def kill_after(proc: subprocess.Popen, bootstrap: str, group: str, topic: str, partitions: int,
               threshold: int) -> int:
    """SIGKILL the copy once its group has committed at least `threshold` records (plus a random
    moment into the next batch); returns what was committed before the kill."""
    wait_until(lambda: committed_total(bootstrap, group, topic, partitions) >= threshold, 120,
               f"the copy committed {threshold} records", interval=0.05, process=proc)
    time.sleep(random.uniform(0, 0.25))  # a random instant inside a later batch
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    return committed_total(bootstrap, group, topic, partitions)


def test_copy_exactly_once_survives_two_sigkills(kafka, new_topic, unique_name):
    bootstrap, count, partitions = kafka["bootstrap"], 200_000, 4
    src = new_topic(partitions=partitions, prefix="copy-src", config=KEEP)
    dst = unique_name("copy-dst")
    group = unique_name("copy-g")
    fill(bootstrap, src, count, partitions)
    args = (src, dst, "-b", bootstrap, "--create", "--group", group, "--rate", "40000", "--batch", "2000")

    first = kill_after(start_copy(*args), bootstrap, group, src, partitions, random.randint(5_000, 60_000))
    assert first < count  # killed in the middle of the copy
    second = kill_after(start_copy(*args), bootstrap, group, src, partitions, first + random.randint(5_000, 60_000))
    assert first < second < count

    proc = start_copy(*args)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert summary["complete"] is True and summary["guarantee"] == "exactly-once"
    assert summary["copied"] == count - second  # the last run copied exactly what was left
    assert all(p["committed"] == p["stop"] for p in summary["partitions"])

    # --create gave DST the source's retention.ms=-1, and the broker deleted nothing of it (with
    # the default 7 days, its retention check removed whole batches of these 2023-dated records).
    assert retention_and_lows(bootstrap, dst) == ("-1", {p: 0 for p in range(partitions)})
    expected = read_partitions(bootstrap, src)
    copied = read_partitions(bootstrap, dst)
    counts = {p: len(v) for p, v in copied.items()}
    assert sum(counts.values()) == count, (counts, first, second, summary, {
        p: len(v) for p, v in read_partitions(bootstrap, dst, committed_only=False).items()}, missing_ranges(expected, copied))
    assert copied == expected  # per partition: order, keys, values, headers, timestamps
    assert run_kctl("-b", bootstrap, "topics", "delete", dst, "--yes").code == 0  # kept when the test fails


def test_copy_options_and_resume_is_a_no_op(kafka, new_topic, unique_name):
    bootstrap = kafka["bootstrap"]
    src = new_topic(partitions=2, prefix="copy-src", config=KEEP)
    dst = new_topic(partitions=1, prefix="copy-dst", config=KEEP)  # fewer partitions: the partitioner places them
    fill(bootstrap, src, 600, 2)
    result = run_kctl("-b", bootstrap, "-o", "json", "copy", src, dst, "--match", "key=^key-1",
                      "--until", "250")
    assert result.code == 0, result
    summary = result.json
    assert summary["partition_preserve"] is False
    expected = [r for p in (0, 1) for r in read_partitions(bootstrap, src)[p][:250] if r[0] and r[0].startswith(b"key-1")]
    copied = read_partitions(bootstrap, dst)[0]
    assert sorted(copied) == sorted(expected)
    assert summary["copied"] == len(expected) and summary["skipped"] == 500 - len(expected)
    again = run_kctl("-b", bootstrap, "-o", "json", "copy", src, dst, "--match", "key=^key-1", "--until", "250")
    assert again.code == 0 and again.json["copied"] == 0, again
    missing = run_kctl("-b", bootstrap, "copy", src, unique_name("nope"))
    assert missing.code == 4 and "--create" in missing.stderr


def test_copy_follow_stops_on_sigterm_with_143(kafka, new_topic, unique_name):
    bootstrap = kafka["bootstrap"]
    src = new_topic(partitions=1, prefix="copy-src", config=KEEP)
    dst = unique_name("copy-dst")
    group = unique_name("copy-g")
    fill(bootstrap, src, 100, 1)
    proc = start_copy(src, dst, "-b", bootstrap, "--create", "--follow", "--group", group)
    wait_until(lambda: committed_total(bootstrap, group, src, 1) >= 100, 60, "the copy committed the first 100",
               interval=0.05, process=proc)
    fill(bootstrap, src, 50, 1)
    wait_until(lambda: committed_total(bootstrap, group, src, 1) >= 150, 60, "the copy committed the next 50",
               interval=0.05, process=proc)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert len(read_partitions(bootstrap, dst)[0]) == 150
    assert run_kctl("-b", bootstrap, "topics", "delete", dst, "--yes").code == 0


def test_copy_across_instances_is_at_least_once(kafka, kafka3, new_topic, unique_name):
    count, partitions = 30_000, 3
    src = new_topic(partitions=partitions, prefix="copy-src", config=KEEP)
    dst = unique_name("copy-dst")
    group = unique_name("copy-g")
    fill(kafka["bootstrap"], src, count, partitions)
    args = (src, dst, "-I", str(kafka["instance"]), "--to-instance", str(kafka3["instance"]), "--create",
            "--group", group, "--rate", "10000", "--batch", "1000")
    killed_at = kill_after(start_copy(*args), kafka["bootstrap"], group, src, partitions, random.randint(3_000, 15_000))
    assert killed_at < count
    proc = start_copy(*args)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert summary["guarantee"] == "at-least-once" and "at-least-once" in summary["note"]
    assert summary["transactional_id"] is None

    expected = read_partitions(kafka["bootstrap"], src)
    copied = read_partitions(kafka3["bootstrap"], dst, committed_only=False)
    total = sum(len(v) for v in copied.values())
    duplicates = total - count
    print(f"cross-instance copy: {count} records, {total} in DST, {duplicates} duplicates")
    assert duplicates >= 0
    for partition, records in expected.items():
        # Nothing lost and order kept: DST is SRC with some stretches written twice; dropping
        # every record seen before (the seq header is unique) gives SRC back.
        seen, deduped = set(), []
        for record in copied[partition]:
            seq = dict(record[2])["seq"]
            if seq not in seen:
                seen.add(seq)
                deduped.append(record)
        assert deduped == records
    admin = run_kctl("-b", kafka3["bootstrap"], "-o", "json", "topics", "delete", dst, "--yes")
    assert admin.code == 0, admin
