"""Delete some of a group's committed offsets (OffsetDelete, over kafka-python)."""

from __future__ import annotations

import time

from kctl import log
from kctl.client.admin import AdminClient, check_names
from kctl.deadline import Deadline
from kctl.errors import NotFoundError, UsageError
from kctl.models import ItemResult, OperationResult
from kctl.services.groups.common import absent, failed_item, group_or_raise, ms_since, read_groups


def delete_offsets(conf: dict, timeout: float, group: str, topics: dict[str, tuple[int, ...] | None],
                   dry_run: bool = False) -> OperationResult:
    """Delete the group's committed offsets of some partitions (OffsetDelete); dry_run: the plan only.

    TOPIC alone means every partition of it, plus any the group still has an offset for (a
    deleted topic's offsets stay until they expire: this removes them). The broker refuses
    partitions of a topic the group's active members are subscribed to.
    """
    if not topics:
        raise UsageError("name the partitions with --topic TOPIC[:PARTITIONS] (repeatable)")
    check_names([group], "group id")
    check_names(topics, "topic name")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        described, committed = read_groups(admin, [group], deadline)
        desc, offsets = group_or_raise(described[group], committed[group])
        if absent(desc, offsets):
            raise NotFoundError(f"group {group!r} does not exist", hint="`kctl groups list` shows the groups")
        known = {t.name: t for t in admin.list_topics(deadline)}
        targets, failed = [], []
        for topic, wanted in topics.items():
            if wanted is None:
                partitions = set(known[topic].partition_ids) if topic in known else set()
                partitions |= {p for t, p in offsets if t == topic}
                if not partitions:
                    failed.append(ItemResult(topic, False, error=f"topic {topic!r} does not exist and the group has no "
                                             "offsets for it", exit_code=int(NotFoundError.exit_code)))
                targets.extend((topic, p) for p in partitions)
            else:
                targets.extend((topic, p) for p in wanted)
        targets = sorted(set(targets))
        results = {} if dry_run else admin.delete_group_offsets(group, targets, deadline)
    items = list(failed)
    for key in targets:
        name = f"{key[0]}:{key[1]}"
        error = results.get(key)
        if error is not None:
            items.append(failed_item(name, error))
        elif key in offsets:
            items.append(ItemResult(name, True, f"{'would delete' if dry_run else 'deleted'} (was {offsets[key]})"))
        else:
            items.append(ItemResult(name, True, "no committed offset"))
    if dry_run:
        return OperationResult("delete-offsets", tuple(items), dry_run=True)
    log.event("group_delete_offsets", group=group, partitions=len(items), failed=sum(not i.ok for i in items),
              duration_ms=ms_since(start))
    return OperationResult("delete-offsets", tuple(items))
