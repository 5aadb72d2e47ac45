"""When offsets are committed (`--commit`), always after the record was written:

- after-write (default with a group): the offsets of written records are stored; librdkafka's
  auto-commit, the revoke callback and the final commit write them back (at-least-once);
- sync / async: committed after every written chunk;
- auto: librdkafka's own auto-commit of whatever was handed out;
- none (always without a group): never.
"""

from __future__ import annotations

from kctl.client.consumer import ConsumerClient
from kctl.deadline import Deadline


class Commits:
    def __init__(self, client: ConsumerClient, mode: str):
        self.client = client
        self.mode = mode
        self.upto: dict = {}  # (topic, partition) -> next offset, of what was written (sync/async)

    @property
    def tracks(self) -> bool:
        """Does the loop have to report what it wrote?"""
        return self.mode not in ("none", "auto")

    def written(self, offsets: dict) -> None:
        """Offsets ({(topic, partition): next offset}) of records now written: store or commit them."""
        if not offsets or not self.tracks:
            return
        if self.mode == "after-write":
            self.client.store_offsets(offsets)
        else:
            self.client.commit(offsets, asynchronous=self.mode == "async")
        self.upto.update(offsets)

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
        if self.mode == "none":
            return
        if self.mode in ("after-write", "auto"):
            self.client.commit(timeout=deadline)
        elif self.upto:
            self.client.commit(self.upto, timeout=deadline)
