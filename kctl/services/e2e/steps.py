"""Steps 1-8 of a run (cleanup is kctl.services.e2e.cleanup): each reads and fills the RunState and
returns the detail line of its checklist row, or raises the KctlError it failed with."""

from __future__ import annotations

import time

from kctl.client import AdminClient
from kctl.client.group_protocol import check_broker, protocol_conf
from kctl.errors import BrokerUnavailable, CheckFailed, NotFoundError
from kctl.models import E2ELatency, E2EMemberAssignment, E2EPartitionOffsets, PartitionLatency
from kctl.services.e2e.checks import check_assignment, latency_stats, verify
from kctl.services.e2e.group import GroupMembers, consumer_conf
from kctl.services.e2e.producer import TIMEOUT_CODES, RunProducer
from kctl.services.e2e.state import CheckFailedWith, RunState
from kctl.services.e2e.txn import TransactionCheck


class Steps:
    def __init__(self, state: RunState):
        self.state = state

    def connect(self) -> str:
        s = self.state
        admin = AdminClient(s.conf, timeout=s.options.timeout)
        try:
            # (asked again within the deadline while no broker is listed: kctl.kafka.clients.metadata)
            s.cluster = admin.describe_cluster(s.deadline)
            if not s.cluster.brokers:
                raise BrokerUnavailable("the cluster's metadata lists no live broker (fenced or still starting)")
        except BaseException:
            admin.close()
            raise
        s.admin = admin
        # The members' settings, and the cluster's group.version for the consumer protocol, are
        # checked before anything is made (a usage error, exit 2, naming what to change).
        forced = {"group_protocol": s.options.group_protocol} if s.options.group_protocol else {}
        protocol_conf(consumer_conf(s.conf, **forced), None, s.options.assignor)
        if s.group_protocol == "consumer":
            check_broker(s.conf, s.deadline)
        # Made now, so that getting its producer id overlaps the topic creation and the group join.
        s.producer = RunProducer(s.conf, s.deadline)
        controller = s.cluster.controller_id if s.cluster.controller_id is not None else "?"
        return f"{len(s.cluster.brokers)} broker(s), controller {controller}, cluster {s.cluster.cluster_id or '?'}"

    def create_topic(self) -> str:
        s, opts = self.state, self.state.options
        notes = []
        if opts.group is not None:
            s.before_group_request(s.deadline)
            outcome = s.admin.describe_groups([s.group], timeout=s.deadline)[s.group]
            if outcome.error is not None and not isinstance(outcome.error, NotFoundError):
                raise outcome.error
            exists = outcome.error is None and not outcome.value.absent
            if exists and not opts.reuse:
                raise CheckFailed(f"group {s.group} already exists (pass --reuse to use it)")
            s.group_owned = not exists
            if exists:
                notes.append(f"reusing group {s.group}")
        existing = s.admin.topic(s.topic, s.deadline) if opts.reuse else None
        if existing is not None:
            s.partitions = len(existing.partitions)
            s.start_offsets = s.end_offsets(s.partitions)
            return "; ".join([f"reusing {s.topic} ({s.partitions} partitions)"] + notes)
        outcome = s.admin.create_topics([s.topic], s.partitions, opts.replication_factor, wait=False,
                                        timeout=s.deadline)[s.topic]
        if outcome.error is not None:
            if outcome.error.code_name == "TOPIC_ALREADY_EXISTS":
                raise CheckFailed(f"topic {s.topic} already exists (pass --reuse to use it)")
            raise outcome.error
        s.topic_created = True
        # Clients would otherwise retry until the leaders are known.
        if not s.admin.wait_for_leaders([s.topic], min_partitions=s.partitions, timeout=s.deadline):
            raise s.stalled(f"partitions of {s.topic} have no leader yet")
        s.start_offsets = {p: 0 for p in range(s.partitions)}
        rf = opts.replication_factor or "default"
        return "; ".join([f"{s.topic}: {s.partitions} partitions, replication {rf}, leaders elected"] + notes)

    def produce(self) -> str:
        s, opts = self.state, self.state.options
        s.members = members = GroupMembers(s.conf, s.topic, s.group, opts.consumers, s.start_offsets,
                                           client_prefix=f"kctl-e2e-{s.run_id}", group_protocol=opts.group_protocol,
                                           assignor=opts.assignor)
        t_group = time.monotonic()
        members.start()
        producer_ready = s.producer.ready(s.topic, s.deadline)
        # Latency should measure the data path, not the group join: produce once the members own
        # the partitions (bounded by half of the time left; the consume step judges the group).
        ready = members.wait_for(lambda: members.balanced(s.partitions), s.deadline.sooner(s.deadline.remaining() / 2))
        group_ms = (time.monotonic() - t_group) * 1000
        t0 = time.monotonic()
        s.deliveries = s.producer.send_all(s.topic, opts.messages, s.partitions, s.run_id, s.sent, s.deadline)
        produce_ms = (time.monotonic() - t0) * 1000
        failed = [d for d in s.deliveries.values() if d.error is not None]
        unacked = opts.messages - len(s.deliveries)
        if failed or unacked:
            first = failed[0].error if failed else None
            reason = f"{first.code_name}: {first.message}" if first else "not acknowledged in time"
            message = f"{len(failed) + unacked} of {opts.messages} records failed ({reason})"
            raise s.stalled(message) if first is None or first.code_name in TIMEOUT_CODES else CheckFailed(message)
        wrong = [seq for seq, d in s.deliveries.items() if d.partition != seq % s.partitions]
        if wrong:
            raise CheckFailed(f"{len(wrong)} records were written to another partition than requested")
        note = f"clients ready in {group_ms:.0f} ms" if ready else "group not ready yet"
        if not producer_ready:
            note += "; producer id not assigned yet"
        return f"{opts.messages} records to {s.partitions} partitions in {produce_ms:.0f} ms ({note})"

    def consume(self) -> str:
        s, opts, members = self.state, self.state.options, self.state.members
        ends: dict[int, int] = {}
        for d in s.deliveries.values():
            ends[d.partition] = max(ends.get(d.partition, 0), d.offset + 1)
        t0 = time.monotonic()
        if not members.wait_for(lambda: members.reached(ends) and members.balanced(s.partitions), s.deadline):
            received, owners, errors = members.snapshot()
            detail = f"received {len(received)} of {opts.messages}"
            unassigned = [f"c{m}" for m, a in owners.items() if a is None]
            if unassigned:
                detail += f"; members without assignment: {','.join(unassigned)}"
            if errors:
                detail += f"; client errors: {'; '.join(errors[-3:])}"
            raise s.stalled(f"not everything arrived in time ({detail})")
        consume_ms = (time.monotonic() - t0) * 1000
        # The coordinator's view: Stable, K members, each partition owned by exactly one of them.
        while True:
            s.before_group_request(s.deadline)
            outcome = s.admin.describe_groups([s.group], timeout=s.deadline)[s.group]
            if outcome.error is not None and not isinstance(outcome.error, NotFoundError):
                raise outcome.error
            group = outcome.value
            state = group.state if group is not None else "Dead"
            owned = [(m.client_id, m.assignment.get(s.topic, ())) for m in (group.members if group else ())]
            problems = check_assignment(owned, s.partitions, opts.consumers)
            if state == "Stable" and not problems:
                break
            if s.deadline.remaining() < 0.1:  # no time left for another request to answer
                problems.insert(0, f"group state {state}")
                break
            time.sleep(0.05)
        members.stop_polling()
        s.assignment = tuple(sorted((E2EMemberAssignment(member=client, partitions=tuple(parts))
                                     for client, parts in owned), key=lambda a: a.member))
        if problems:
            raise CheckFailed(f"group assignment: {'; '.join(problems)}")
        layout = " ".join(f"{a.member.rsplit('-', 1)[-1]}={','.join(map(str, a.partitions)) or '-'}"
                          for a in s.assignment)
        return f"{len(members.snapshot()[0])} records in {consume_ms:.0f} ms; {opts.consumers} members: {layout}"

    def verify(self) -> str:
        s = self.state
        s.result = result = verify(s.run_id, s.sent, s.deliveries, s.members.snapshot()[0], s.partitions)
        produced = sum(1 for d in s.deliveries.values() if d.error is None)
        summary = (f"{result.consumed}/{produced} received, {result.missing} missing, {result.duplicates} duplicated, "
                   f"{result.out_of_order} out of order, {result.corrupt} corrupt")
        if result.foreign:
            summary += f", {result.foreign} foreign records ignored"
        if result.failed:
            raise CheckFailedWith(f"{summary}: {'; '.join(result.problems[:3])}", summary)
        return summary

    def commit(self) -> str:
        s = self.state
        s.members.commit(s.deadline)
        s.before_group_request(s.deadline)
        outcome = s.admin.committed_offsets([s.group], timeout=s.deadline)[s.group]
        if outcome.error is not None:
            raise outcome.error
        committed = {p: offset for (topic, p), offset in outcome.value.items() if topic == s.topic}
        ends = s.end_offsets(s.partitions)
        s.offsets = tuple(E2EPartitionOffsets(partition=p, committed=committed.get(p), end_offset=ends.get(p))
                          for p in range(s.partitions))
        wrong = [o for o in s.offsets if o.committed != o.end_offset]
        if wrong:
            raise CheckFailed("committed offset differs from the log end offset: " + ", ".join(
                f"partition {o.partition} committed {o.committed} end {o.end_offset}" for o in wrong))
        return f"committed = log end offset on {s.partitions} partitions ({sum(ends.values())} records in the log)"

    def transactions(self) -> str:
        s = self.state
        start = s.end_offsets([0])[0]
        check = TransactionCheck(s.conf, s.topic, 0, f"kctl-e2e-{s.run_id}", f"{s.group}-txn",
                                 f"{s.run_id}:txn".encode())
        s.transactions = t = check.run(start, s.deadline)
        summary = (f"committed {t.committed_visible}/{t.committed_sent} visible, aborted {t.aborted_visible}/"
                   f"{t.aborted_sent} visible under read_committed ({t.aborted_in_log} in the log)")
        if t.committed_visible != t.committed_sent or t.aborted_visible != 0 or t.aborted_in_log != t.aborted_sent:
            raise CheckFailed(summary)
        return summary

    def latency(self) -> str:
        s = self.state
        per_partition = s.result.latencies if s.result else {}
        values = [v for vs in per_partition.values() for v in vs]
        if not values:
            raise CheckFailed("no intact records to measure")
        overall = latency_stats(values)
        s.latency = E2ELatency(overall=overall, partitions=tuple(
            PartitionLatency(partition=p, **vars(latency_stats(vs))) for p, vs in sorted(per_partition.items())))
        summary = (f"p50 {overall.p50_ms:.1f} ms, p95 {overall.p95_ms:.1f} ms, p99 {overall.p99_ms:.1f} ms, "
                   f"max {overall.max_ms:.1f} ms ({overall.count} records)")
        limit = s.options.max_p99_ms
        if limit is not None and overall.p99_ms > limit:
            raise CheckFailedWith(f"p99 latency {overall.p99_ms:.1f} ms exceeds --max-p99-ms {limit:g}", summary)
        return summary
