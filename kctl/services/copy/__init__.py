"""`kctl copy SRC DST`: copy a topic's records (key, value, headers, timestamp) to another topic,
of the same cluster exactly once, of another cluster at least once; resumable through its group.

    summary = copy(CopyOptions.parse("orders", "orders-copy"), src_conf, None)
"""

from __future__ import annotations

from kctl.client import AdminClient
from kctl.errors import NotFoundError, UsageError
from kctl.models.moving import CopySummary
from kctl.services.copy.options import CopyOptions, default_group
from kctl.services.copy.run import CopyRun, Progress

__all__ = ["CopyOptions", "CopyRun", "copy", "default_group"]


def _topic_configs(admin, topic: str, timeout: float) -> dict:
    outcome = admin.describe_configs([topic], timeout)[topic]
    if outcome.error is not None:
        raise outcome.error
    return {e.name: e.value for e in outcome.value if e.source == "topic" and e.value is not None}


def prepare_destination(src_admin, dst_admin, opts: CopyOptions) -> tuple[int, int, bool]:
    """(source partitions, destination partitions, created): DST made with SRC's partitions
    and topic configs when --create asks for it."""
    src = src_admin.topic(opts.source, opts.timeout)
    if src is None:
        raise NotFoundError(f"topic {opts.source} does not exist")
    dst = dst_admin.topic(opts.destination, opts.timeout)
    created = False
    if dst is None:
        if not opts.create:
            raise NotFoundError(f"topic {opts.destination} does not exist", hint="--create makes it like the source")
        brokers = len(dst_admin.describe_cluster(opts.timeout).brokers)
        outcome = dst_admin.create_topics([opts.destination], len(src.partitions),
                                          min(src.replication_factor, brokers) or None,
                                          _topic_configs(src_admin, opts.source, opts.timeout),
                                          timeout=opts.timeout)[opts.destination]
        if outcome.error is not None:
            raise outcome.error
        dst = dst_admin.topic(opts.destination, opts.timeout)
        created = True
    return len(src.partitions), len(dst.partitions), created


def copy(opts: CopyOptions, src_conf: dict, dst_conf: dict | None, progress: Progress | None = None) -> CopySummary:
    """dst_conf None: the destination is the source's cluster."""
    with AdminClient(src_conf, timeout=opts.timeout) as src_admin:
        if dst_conf is None:
            same, dst_admin = True, src_admin
        else:
            dst_admin = AdminClient(dst_conf, timeout=opts.timeout)
            same = src_admin.describe_cluster().cluster_id == dst_admin.describe_cluster().cluster_id
        try:
            if same and opts.source == opts.destination:
                raise UsageError("SRC and DST are the same topic of the same cluster")
            src_count, dst_count, _created = prepare_destination(src_admin, dst_admin, opts)
        finally:
            if dst_admin is not src_admin:
                dst_admin.close()
    preserve = opts.partition_preserve
    if preserve is None:
        preserve = dst_count >= src_count
    elif preserve and dst_count < src_count:
        raise UsageError(f"--partition-preserve: {opts.destination} has {dst_count} partitions, "
                         f"{opts.source} has {src_count}", hint="--no-partition-preserve uses the partitioner")
    run = CopyRun(opts, src_conf, src_conf if dst_conf is None else dst_conf, same, preserve, progress)
    return run.run()
