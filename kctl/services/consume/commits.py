"""When offsets are committed (`--commit`), always after the record was written:

- after-write (default with a group): the offsets of written records are stored; librdkafka's
  auto-commit, the revoke callback and the final commit write them back (at-least-once);
- sync / async: committed after every written chunk;
- auto: librdkafka's own auto-commit of whatever was handed out;
- none (always without a group): never.
"""

from __future__ import annotations

import logging

from kctl import log
from kctl.client.consumer import ConsumerClient
from kctl.deadline import Deadline
from kctl.errors import KctlError


class Commits:
    def __init__(self, client: ConsumerClient, mode: str, bounded=None):
        self.client = client
        self.mode = mode
        # bounded(fn, what): runs a synchronous commit within the timeout and lets an interrupt
        # through meanwhile (the session's); by default the commit just runs.
        self.bounded = bounded or (lambda fn, what: fn())
        self.upto: dict = {}  # (topic, partition) -> next offset, of what was written (tracked modes)

    @property
    def tracks(self) -> bool:
        """Does the loop have to report what it wrote?"""
        return self.mode not in ("none", "auto")

    def written(self, offsets: dict) -> None:
        """Offsets ({(topic, partition): next offset}) of records now written: store or commit them."""
        if not offsets or not self.tracks:
            return
        self.upto.update(offsets)  # first: an interrupt during the commit below leaves it to final()
        if self.mode == "after-write":
            try:
                self.client.store_offsets(offsets)
            except KctlError as exc:  # a partition just revoked or deleted: its next reader re-reads
                log.event("offset_store_failed", logging.DEBUG, error=exc.message)
        elif self.mode == "async":
            self.client.commit(offsets, asynchronous=True)
        else:
            self.bounded(lambda: self.client.commit(offsets), "commit")

    def on_revoke(self, partitions) -> None:
        """Everything handed out before this callback was already written: commit it now, while
        this member still owns the partitions. (In the calling thread: a commit from another
        thread waits on the rebalance this callback is part of.)"""
        if self.mode == "after-write":
            self.client.commit()
        elif self.mode in ("sync", "async") and self.upto:
            self.client.commit(self.upto)
        for tp in partitions:
            self.upto.pop((tp.topic, tp.partition), None)

    def final(self, deadline: Deadline) -> None:
        """The last commit before close (bounded by the deadline; close() would commit the stored
        offsets too, but after a revoke that may come too late)."""
        if self.mode == "none" or (self.mode != "auto" and not self.upto):
            return  # nothing written since the last commit (or at all): nothing to wait for
        if self.mode in ("after-write", "auto"):
            self.client.commit(timeout=deadline)
        elif self.upto:
            self.client.commit(self.upto, timeout=deadline)
