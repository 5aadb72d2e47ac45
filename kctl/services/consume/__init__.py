"""`kctl consume`: read records to a binary stream, in assign mode or as a consumer group member.

Without a group kctl assigns the partitions itself and never commits (harmless by default).
With a group it subscribes, logs every rebalance, and by default commits an offset only after
the record was written to the output (`after-write`), which gives at-least-once delivery to
whatever reads kctl's output. Ctrl-C and SIGTERM commit what was written and leave the group.

    options.py     ConsumeOptions, Position, parse_from/parse_until, --match rules, librdkafka settings
    partitions.py  which topics/partitions, where they start, which are done, deleted topics
    commits.py     the commit policy (--commit)
    writer.py      exact writes to stdout (what reached the reader is what gets committed)
    loop.py        the poll/write loop (bulk hot path and per-record path)
    session.py     setup, interrupts and the bounded close around the loop
    share.py       --share-group: a share-group member (KIP-932), its own loop and acknowledgements
"""

from __future__ import annotations

from collections.abc import Callable

from kctl.models import ConsumeSummary
from kctl.outputs import Output
from kctl.services.consume.options import (
    ASSIGNMENTS,
    COMMIT_MODES,
    ISOLATION,
    ConsumeOptions,
    Match,
    Position,
    consumer_conf,
    matches,
    parse_from,
    parse_matches,
    parse_until,
)
from kctl.services.consume.session import ConsumeSession


def consume(conf: dict, opts: ConsumeOptions, output: Output, stream, timeout: float,
            on_done: Callable[[ConsumeSummary], None] | None = None) -> ConsumeSummary:
    """Consume until a stop condition (or Ctrl-C/SIGTERM/a closed pipe, re-raised after committing).
    on_done: called with the summary on every way out that has one (interrupted too, before the re-raise)."""
    opts = opts.validated()
    return ConsumeSession(consumer_conf(conf, opts), opts, output, stream, timeout, on_done).run()


__all__ = ["ASSIGNMENTS", "COMMIT_MODES", "ISOLATION", "ConsumeOptions", "Match", "Position", "consume",
           "consumer_conf", "matches", "parse_from", "parse_matches", "parse_until"]
