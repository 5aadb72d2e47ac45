"""`kctl consume T --from 0=2,3=1`: each named partition from its own offset, with --until."""

from __future__ import annotations

from tests.helpers import KEEP_OLD_RECORDS, produce_counts, run_kctl


def test_consume_from_per_partition_offsets(kafka, new_topic):
    topic = new_topic(partitions=4, config=KEEP_OLD_RECORDS)
    produce_counts(kafka["bootstrap"], topic, {0: 5, 1: 5, 2: 5, 3: 5})
    result = run_kctl("consume", topic, "--from", "0=2,3=1", "--until", "end", "-f", "%p:%o\\n",
                      "-i", str(kafka["instance"]))
    assert result.code == 0, result
    got = sorted(tuple(map(int, line.split(":"))) for line in result.stdout.splitlines())
    assert got == [(0, 2), (0, 3), (0, 4), (3, 1), (3, 2), (3, 3), (3, 4)]
    bounded = run_kctl("consume", topic, "--from", "1=3", "--until", "4", "-f", "%p:%o\\n", "-i", str(kafka["instance"]))
    assert bounded.code == 0 and bounded.stdout.split() == ["1:3"], bounded
    missing = run_kctl("consume", topic, "--from", "7=0", "--until", "end", "-i", str(kafka["instance"]))
    assert missing.code == 4, missing
