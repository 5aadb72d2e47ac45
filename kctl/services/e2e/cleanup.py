"""Step 9: the members leave the group, the clients close, and the group and topic this run made
are deleted (unless --no-cleanup). It always runs, after a failure or Ctrl-C too, with at least
min(timeout, CLEANUP_GRACE_S) seconds of its own; against a cluster that stopped answering it only
says what it leaves behind instead of waiting for deletions that cannot happen."""

from __future__ import annotations

import time

from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, CheckFailed, KctlError, NotFoundError, hint_for
from kctl.services.e2e.options import CLEANUP_GRACE_S
from kctl.services.e2e.state import RunState

# Leaving a group whose coordinator is gone cannot succeed: give it only this long.
UNREACHABLE_CLOSE_S = 1.0
# A group whose members' LeaveGroup requests are still being processed cannot be deleted yet.
_RETRY_DELETE = ("NON_EMPTY_GROUP", "COORDINATOR_LOAD_IN_PROGRESS")


class Cleanup:
    def __init__(self, state: RunState):
        self.state = state

    def run(self) -> str:
        s = self.state
        deadline = Deadline(max(s.deadline.at, Deadline.after(min(s.options.timeout, CLEANUP_GRACE_S)).at))
        problems: list[str] = []
        if s.producer is not None:
            s.producer.discard()
            s.producer = None
        if s.admin is None and s.members is None:
            return "skipped: nothing was created"
        unreachable = s.unreachable
        if s.members is not None:
            problems += s.members.close(deadline.sooner(UNREACHABLE_CLOSE_S) if unreachable else deadline)
        try:
            return self._delete(deadline, problems, unreachable)
        finally:
            if s.admin is not None:
                s.admin.close()

    def _delete(self, deadline: Deadline, problems: list[str], unreachable: bool) -> str:
        s = self.state
        joined = s.members is not None
        if not s.options.cleanup:
            kept = [f"topic {s.topic}"] if s.topic_created else []
            kept += [f"group {s.group}"] if joined else []
            if problems:
                raise CheckFailed("; ".join(problems))
            return f"skipped: kept {' and '.join(kept) or 'nothing'} (--no-cleanup)"
        leftovers = ([f"group {s.group}"] if joined and s.group_owned else []) + (
            [f"topic {s.topic}"] if s.topic_created else [])
        if leftovers and unreachable:
            raise BrokerUnavailable(f"the cluster is unreachable; left {' and '.join(leftovers)} behind"
                                    + (f" ({'; '.join(problems)})" if problems else ""),
                                    hint=hint_for(BrokerUnavailable))
        done: list[str] = []
        if joined and s.group_owned:
            try:
                if self._delete_group(deadline):
                    done.append(f"group {s.group}")
            except KctlError as exc:
                problems.append(exc.message)
        if s.topic_created:
            try:
                self._delete_topic(deadline)
                done.append(f"topic {s.topic}")
            except KctlError as exc:
                problems.append(exc.message)
        if problems:
            raise s.stalled("cleanup incomplete: " + "; ".join(problems))
        kept = [] if s.topic_created or not s.options.topic else [f"kept existing topic {s.topic}"]
        return "; ".join([f"deleted {' and '.join(done)}" if done else "nothing to delete"] + kept)

    def _delete_group(self, deadline: Deadline) -> bool:
        """True when deleted, False when there was no such group."""
        s = self.state
        while True:
            s.before_group_request(deadline)
            error = s.admin.delete_groups([s.group], timeout=deadline)[s.group].error
            if error is None:
                return True
            if isinstance(error, NotFoundError):
                return False
            if error.code_name not in _RETRY_DELETE:
                raise error
            if deadline.expired:
                raise BrokerUnavailable(f"group {s.group} still has members ({error.code_name})")
            time.sleep(0.05)

    def _delete_topic(self, deadline: Deadline) -> None:
        """Delete, and wait until the metadata no longer lists the topic (so a rerun can recreate it)."""
        s = self.state
        error = s.admin.delete_topics([s.topic], wait=False, timeout=deadline)[s.topic].error
        if error is not None and not isinstance(error, NotFoundError):
            raise error
        if not s.admin.wait_until_gone([s.topic], timeout=deadline):
            raise BrokerUnavailable(f"topic {s.topic} still listed after deletion")
