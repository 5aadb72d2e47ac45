"""`kctl consume T --from 0=1200,3=400`: start offsets per partition (kcat's -o per partition)."""

from __future__ import annotations

import pytest

from kctl.errors import UsageError
from kctl.services.consume.options import ConsumeOptions, Position, parse_from
from kctl.services.consume.partitions import start_offsets


def test_parse_from_per_partition():
    assert parse_from("0=1200,3=400") == Position("partitions", offsets=((0, 1200), (3, 400)))
    assert parse_from("3:5") == Position("partitions", offsets=((3, 5),))
    assert parse_from("@2024-05-01T00:00:00Z").kind == "time"  # a time keeps its '@'
    for bad in ("0=x", "0=1,0=2", "-1=4"):
        with pytest.raises(UsageError):
            parse_from(bad)


def test_per_partition_offsets_name_the_partitions():
    opts = ConsumeOptions(topics=("t",), start=parse_from("0=12,3=4")).validated()
    assert opts.partitions == (0, 3) and opts.commit == "none"
    same = ConsumeOptions(topics=("t",), start=parse_from("0=12,3=4"), partitions=(3, 0)).validated()
    assert same.partitions == (0, 3)
    with pytest.raises(UsageError, match="already names the partitions"):
        ConsumeOptions(topics=("t",), start=parse_from("0=12"), partitions=(1,)).validated()
    with pytest.raises(UsageError, match="cannot be combined with --group"):
        ConsumeOptions(topics=("t",), group="g", start=parse_from("0=12")).validated()


def test_start_offsets_per_partition():
    opts = ConsumeOptions(topics=("a", "b"), start=parse_from("0=12,3=4")).validated()
    keys = [("a", 0), ("a", 3), ("b", 0)]
    assert start_offsets(None, opts, keys, 1.0) == {("a", 0): 12, ("a", 3): 4, ("b", 0): 12}
