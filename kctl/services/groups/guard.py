"""The member check of every executed reset: offsets move only while no consumer is in the group
(a live consumer would overwrite them with its next commit)."""

from __future__ import annotations

import logging
import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import UsageError
from kctl.models.admin import GroupDescription
from kctl.services.groups.common import INACTIVE, group_or_raise, read_groups

_POLL_S = 0.5


def active(desc: GroupDescription) -> bool:
    return bool(desc.members) or desc.state not in INACTIVE


def ensure_inactive(admin: AdminClient, desc: GroupDescription, offsets: dict, wait_empty: float | None,
                    deadline: Deadline) -> tuple[GroupDescription, dict]:
    """(desc, offsets) of a group with no member: at once, or after waiting up to wait_empty
    seconds for it to empty (then re-read: its consumers committed until they left). Raises
    UsageError naming the members otherwise."""
    group = desc.group_id
    if active(desc) and wait_empty:
        waited = Deadline.after(wait_empty)
        log.event("group_wait_empty", group=group, members=len(desc.members), wait_s=wait_empty)
        while active(desc) and not waited.expired:
            time.sleep(min(_POLL_S, waited.remaining(0.01)))
            described, committed = read_groups(admin, [group], deadline)
            desc, offsets = group_or_raise(described[group], committed[group])
        if active(desc):
            log.event("group_wait_empty_timeout", logging.WARNING, group=group, members=len(desc.members))
    if active(desc):
        members = ", ".join(f"{m.client_id}@{m.host}" for m in desc.members[:10]) or "none listed yet"
        more = f" and {len(desc.members) - 10} more" if len(desc.members) > 10 else ""
        waited_for = f" after waiting {wait_empty:g}s" if wait_empty else ""
        raise UsageError(
            f"group {group!r} is {desc.state} with {len(desc.members)} member(s){waited_for}: offsets can only be reset "
            f"while no consumer is in the group (members: {members}{more})",
            hint="stop those consumers, or pass --wait-empty 60s to apply once they have left; "
                 "--dry-run shows the plan",
        )
    return desc, offsets
