"""The checks of `kctl doctor`: pure functions of the Evidence one round of requests brought back
(kctl.services.doctor), each returning a DoctorCheck with its verdict, evidence and advice."""

from __future__ import annotations

from kctl.models.health import DoctorCheck, worst
from kctl.services.health import broker_findings, partition_findings

INTERNAL_TOPICS = ("__consumer_offsets", "__transaction_state")
CLOCK_SKEW_WARN_MS = 1_000
DISK_FREE_WARN = 0.10  # usable / total below this: warning
SKEW_TOLERANCE = 0.25  # leaders or replicas per broker more than this far from the mean: warning
REBALANCING = ("PreparingRebalance", "CompletingRebalance")
_SHOWN = 5  # names listed in the evidence before "and N more"


def _names(items) -> str:
    items = list(items)
    shown = ", ".join(str(i) for i in items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _min_isr(ev, topic: str) -> int:
    entry = ev.topic_configs.get(topic, {}).get("min.insync.replicas")
    return int(entry.value) if entry is not None and entry.value and entry.value.isdigit() else 1


def run_all(ev) -> list[DoctorCheck]:
    return [brokers(ev), partitions(ev), reachability(ev), clock_skew(ev), rf_vs_min_isr(ev), single_replica(ev), unclean_election(ev),
            balance(ev), internal_topics(ev), log_dir_usage(ev), groups(ev), hanging(ev), features(ev)]


def brokers(ev) -> DoctorCheck:
    title = "Every broker in the cluster"
    live = {b.id for b in ev.info.brokers}
    expected, source = ev.expected
    found = broker_findings(live, expected, source, ev.topics)
    evidence = f"brokers {_names(sorted(live))}" + (f" of {expected} expected ({source})" if expected else "")
    if found:
        return DoctorCheck("brokers", title, "error", "; ".join(f.message for f in found),
                           "start the missing brokers (`kctl local up` restarts the ones of a local instance)")
    return DoctorCheck("brokers", title, "ok", evidence)


def partitions(ev) -> DoctorCheck:
    title = "Partitions led and fully replicated"
    live = {b.id for b in ev.info.brokers}
    min_isr = {t.name: _min_isr(ev, t.name) for t in ev.topics}
    found = partition_findings(ev.topics, min_isr, live)
    total = sum(len(t.partitions) for t in ev.topics)
    if not found:
        return DoctorCheck("partitions", title, "ok", f"{total} partitions, every ISR full")
    by_check: dict[str, list[str]] = {}
    for f in found:
        by_check.setdefault(f.check, []).append(f.subject)
    evidence = "; ".join(f"{check}: {len(subjects)} ({_names(subjects)})" for check, subjects in by_check.items())
    verdict = worst(f.severity for f in found)
    return DoctorCheck("partitions", title, "error" if verdict == "critical" else verdict, evidence,
                       "bring the missing replicas back (`kctl cluster health` lists every partition)")


def reachability(ev) -> DoctorCheck:
    protocol = str(ev.conf.get("security.protocol", "plaintext")).upper()
    mechanism = ev.conf.get("sasl.mechanism") or ev.conf.get("sasl.mechanisms")
    how = protocol + (f" {str(mechanism).upper()}" if mechanism else "")
    bad, seen = [], []
    for broker in ev.info.brokers:
        tcp = ev.tcp.get(broker.id)
        version = ev.versions.get(broker.id)
        if tcp is not None:
            bad.append(f"broker {broker.id} ({broker.host}:{broker.port}): TCP {tcp}")
        elif getattr(version, "exit_code", None) == 3:  # kafka-python cannot use these settings: not the broker's fault
            seen.append(f"{broker.id}: TCP ok, API versions not checked ({version.message})")
        elif version is None or not isinstance(version, str):
            bad.append(f"broker {broker.id}: {getattr(version, 'message', 'no ApiVersions answer')}")
        else:
            seen.append(f"{broker.id}: Kafka {version}")
    evidence = f"{len(ev.info.brokers)} broker(s) over {how}; " + ("; ".join(bad + seen) if bad or seen else "none")
    if bad:
        return DoctorCheck("reachability", "Brokers reachable (TCP, TLS/SASL, API versions)", "error", evidence,
                           "check the broker's advertised.listeners and the client's security settings (`kctl config view`)")
    return DoctorCheck("reachability", "Brokers reachable (TCP, TLS/SASL, API versions)", "ok", evidence)


def clock_skew(ev) -> DoctorCheck:
    title = "Clock skew (the KRaft quorum leader's clock against this machine's)"
    if ev.clock is None:
        why = ev.quorum_error or "the quorum leader did not report its clock"
        return DoctorCheck("clock-skew", title, "info", f"not measured: {why}")
    broker_ms, local_ms, rtt = ev.clock
    skew = broker_ms - local_ms
    evidence = f"broker clock {skew:+d} ms from local time (round trip {rtt} ms)"
    if abs(skew) > CLOCK_SKEW_WARN_MS + rtt:
        return DoctorCheck("clock-skew", title, "warning", evidence,
                           "synchronise the clocks (NTP): retention, timestamps and time-based offset lookups depend on them")
    return DoctorCheck("clock-skew", title, "ok", evidence)


def rf_vs_min_isr(ev) -> DoctorCheck:
    title = "Replication factor above min.insync.replicas"
    single_broker = len(ev.info.brokers) <= 1
    low = [f"{t.name} (RF {t.replication_factor}, min ISR {_min_isr(ev, t.name)})" for t in ev.topics
           if t.replication_factor <= _min_isr(ev, t.name) and (t.replication_factor > 1 or single_broker)]
    if ev.configs_error:
        return DoctorCheck("rf-min-isr", title, "info", f"not checked: {ev.configs_error}")
    if not low:
        return DoctorCheck("rf-min-isr", title, "ok", f"{len(ev.topics)} topics checked")
    verdict = "info" if single_broker else "warning"
    advice = ("expected on a 1-broker cluster" if single_broker else
              "raise the replication factor (`kctl topics set-replication`) or lower min.insync.replicas: "
              "with RF <= min ISR, acks=all producers stop when one broker is down")
    return DoctorCheck("rf-min-isr", title, verdict, f"{len(low)} topic(s): {_names(low)}", advice)


def single_replica(ev) -> DoctorCheck:
    title = "Topics with a single replica"
    ones = [t.name for t in ev.topics if t.replication_factor == 1]
    if not ones:
        return DoctorCheck("rf-1", title, "ok", "no topic has replication factor 1")
    if len(ev.info.brokers) <= 1:
        return DoctorCheck("rf-1", title, "info", f"{len(ones)} RF-1 topic(s) on a 1-broker cluster: {_names(ones)}",
                           "expected on a 1-broker cluster")
    return DoctorCheck("rf-1", title, "warning", f"{len(ones)} RF-1 topic(s) on {len(ev.info.brokers)} brokers: {_names(ones)}",
                       "a broker restart makes them unavailable: `kctl topics set-replication TOPIC --factor 3`")


def unclean_election(ev) -> DoctorCheck:
    title = "Unclean leader election disabled"
    key = "unclean.leader.election.enable"
    brokers = [b for b, entries in sorted(ev.broker_configs.items()) if getattr(entries.get(key), "value", None) == "true"]
    topics = [t for t, entries in sorted(ev.topic_configs.items())
              if getattr(entries.get(key), "value", None) == "true" and entries[key].source == "topic"]
    if ev.configs_error:
        return DoctorCheck("unclean-election", title, "info", f"not checked: {ev.configs_error}")
    if not brokers and not topics:
        return DoctorCheck("unclean-election", title, "ok", f"{key}=false on every broker and topic")
    where = ([f"brokers {_names(brokers)}"] if brokers else []) + ([f"topics {_names(topics)}"] if topics else [])
    return DoctorCheck("unclean-election", title, "warning", f"{key}=true on {'; '.join(where)}",
                       "an out-of-sync replica may become leader and lose acknowledged records: "
                       f"`kctl configs alter topic T --delete {key}`")


def balance(ev) -> DoctorCheck:
    title = "Leaders and replicas balanced across brokers"
    ids = [b.id for b in ev.info.brokers]
    if len(ids) <= 1:
        return DoctorCheck("balance", title, "ok", "1 broker")
    leaders = dict.fromkeys(ids, 0)
    replicas = dict.fromkeys(ids, 0)
    not_preferred = 0
    for t in ev.topics:
        for p in t.partitions:
            if p.leader in leaders:
                leaders[p.leader] += 1
            if p.leader is not None and p.replicas and p.leader != p.replicas[0]:
                not_preferred += 1
            for r in p.replicas:
                if r in replicas:
                    replicas[r] += 1
    evidence = (f"leaders per broker {leaders}, replicas per broker {replicas}, "
                f"{not_preferred} partition(s) not led by their preferred replica")
    if _skewed(leaders) or _skewed(replicas):
        return DoctorCheck("balance", title, "warning", evidence,
                           "`kctl cluster elect-leaders --preferred` moves leaders back; `kctl topics move` spreads replicas")
    return DoctorCheck("balance", title, "ok", evidence)


def _skewed(counts: dict) -> bool:
    values = list(counts.values())
    mean = sum(values) / len(values)
    return max(values) - min(values) > max(2, SKEW_TOLERANCE * mean)


def internal_topics(ev) -> DoctorCheck:
    title = "Internal topics replicated"
    want = min(3, len(ev.info.brokers))
    by_name = {t.name: t for t in ev.topics}
    low = [f"{n} (RF {by_name[n].replication_factor})" for n in INTERNAL_TOPICS
           if n in by_name and by_name[n].replication_factor < want]
    present = [n for n in INTERNAL_TOPICS if n in by_name]
    if low:
        return DoctorCheck("internal-topics", title, "warning", f"below RF {want}: {', '.join(low)}",
                           "offsets or transactions become unavailable with one broker: "
                           "`kctl topics set-replication __consumer_offsets --factor 3`")
    shown = ", ".join(f"{n} RF {by_name[n].replication_factor}" for n in present) or "not created yet"
    return DoctorCheck("internal-topics", title, "ok", shown)


def log_dir_usage(ev) -> DoctorCheck:
    title = "Log dir usage per broker"
    if ev.log_dirs is None:
        return DoctorCheck("log-dirs", title, "info", f"not checked: {ev.log_dirs_error}")
    offline = [f"broker {d.broker} {d.log_dir}: {d.error}" for d in ev.log_dirs if d.error]
    full, seen = [], []
    for d in ev.log_dirs:
        if d.error:
            continue
        text = f"broker {d.broker}: {_gb(d.size_bytes)} in {d.log_dir}"
        if d.total_bytes and d.usable_bytes is not None:
            free = d.usable_bytes / d.total_bytes
            text += f", {free:.0%} of {_gb(d.total_bytes)} free"
            if free < DISK_FREE_WARN:
                full.append(text)
        seen.append(text)
    if offline:
        return DoctorCheck("log-dirs", title, "error", "; ".join(offline), "replace the disk or fix its permissions, then restart the broker")
    if full:
        return DoctorCheck("log-dirs", title, "warning", "; ".join(full),
                           "free space or lower retention (`kctl configs alter topic T --set retention.bytes=...`)")
    return DoctorCheck("log-dirs", title, "ok", "; ".join(seen) or "no log dirs reported")


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def groups(ev) -> DoctorCheck:
    title = "Consumer groups settled"
    if ev.groups is None:
        return DoctorCheck("groups", title, "info", f"not checked: {ev.groups_error}")
    moving = [g.group_id for g in ev.groups if g.state in REBALANCING]
    empty = [g.group_id for g in ev.groups if g.state == "Empty"]
    evidence = f"{len(ev.groups)} group(s), {len(moving)} rebalancing, {len(empty)} empty (their offsets are kept until offsets.retention.minutes)"
    if moving:
        # One look cannot tell a rebalance in progress from a stuck one: run again to see.
        return DoctorCheck("groups", title, "info", f"{evidence}; rebalancing now: {_names(moving)}",
                           "run again: a group still rebalancing is stuck (a member that never rejoins)")
    if empty:
        return DoctorCheck("groups", title, "info", f"{evidence}: {_names(empty)}",
                           "delete groups no one uses (`kctl groups delete`) so stale offsets do not come back")
    return DoctorCheck("groups", title, "ok", evidence)


def hanging(ev) -> DoctorCheck:
    title = "No hanging transactions"
    if ev.hanging is None:
        return DoctorCheck("hanging-transactions", title, "info", f"not checked: {ev.hanging_error}")
    report = ev.hanging
    evidence = (f"{report.partitions_checked} partitions read, {report.open_transactions} open transaction(s), "
                f"{len(report.hanging)} hanging")
    if report.hanging:
        where = _names(f"{h.topic}:{h.partition} (producer {h.producer_id})" for h in report.hanging)
        return DoctorCheck("hanging-transactions", title, "warning", f"{evidence}: {where}",
                           "they block read_committed consumers: `kctl txn find-hanging`, then `kctl txn abort`")
    if report.errors:
        return DoctorCheck("hanging-transactions", title, "info", f"{evidence}; {len(report.errors)} partition(s) unreadable")
    return DoctorCheck("hanging-transactions", title, "ok", evidence)


def features(ev) -> DoctorCheck:
    """Features every broker supports at a higher level than the finalized one: a Kafka upgrade
    does not raise them (share.version off on 4.1, group.version 0 after an upgrade from 3.x)."""
    title = "Feature levels finalized"
    if ev.features is None:
        return DoctorCheck("features", title, "info", f"not checked: {ev.features_error}")
    behind = [f for f in ev.features if f.upgradable]
    if not behind:
        shown = ", ".join(f"{f.name} {f.finalized or 0}" for f in ev.features) or "no features reported"
        return DoctorCheck("features", title, "ok", f"every feature at its highest supported level: {shown}")
    evidence = "supported but not enabled: " + _names(
        f"{f.name} {f.finalized or 0} (brokers support up to {f.max_supported})" for f in behind)
    # kraft.version is not one to raise in passing: level 1 is the dynamic controller quorum (KIP-853).
    example = next((f for f in behind if f.name != "kraft.version"), None)
    advice = (f"raise one when its users need it: `kctl cluster features upgrade {example.name} "
              f"--level {example.max_supported}`" if example else "")
    if any(f.name == "kraft.version" for f in behind):
        advice += ("; " if advice else "") + "kraft.version 1 is the dynamic controller quorum (KIP-853): plan it apart"
    return DoctorCheck("features", title, "info", evidence, advice)
