"""Views of kctl.models.groups: list (with lag), describe (offset and time lag), reset plans,
snapshots and the lag report of `groups lag` (also the live table of --watch)."""

from __future__ import annotations

from kctl.render.blocks import Styled, duration_ms, text_of, time_ms
from kctl.render.view import Column, Each, Lines, Section, View, as_list, text


def _group_type(group) -> str:
    kind = group.type or "-"
    return f"{kind} (simple)" if group.simple else kind


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}/s"


def _eta(trend: str, eta_s: float | None) -> "str | Styled":
    if trend == "falling-behind":
        return Styled("falling behind", "red")
    if trend == "caught-up":
        return "caught up"
    if eta_s is None:
        return "-"
    return duration_ms(int(eta_s * 1000))


def _time_lag(ms: int | None) -> str:
    return duration_ms(ms) if ms else ("0" if ms == 0 else "-")


def _with_lag(groups) -> bool:
    return any(g.members is not None or g.lag_error for g in as_list(groups))


def _without_lag(groups) -> bool:
    return not _with_lag(groups)


GroupSummary = View((
    Section("groups", (
        Column("GROUP", "group_id", shorten=2),
        Column("STATE", "state"),
        Column("TYPE", _group_type, when=_without_lag),
        Column("TYPE", _group_type, drop=1, when=_with_lag),
        Column("MEMBERS", "members", when=_with_lag),
        Column("LAG", lambda g: "?" if g.lag_error else text(g.total_lag), when=_with_lag),  # why: lag_error in -o json
        Column("TIME-LAG", lambda g: _time_lag(g.max_time_lag_ms), when=_with_lag),
    )),
))


def _partitions(assignment: dict) -> str:
    return " ".join(f"{t}:{','.join(map(str, ps))}" for t, ps in assignment.items()) or "-"


def _heading(g) -> str:
    coordinator = f"{g.coordinator} ({g.coordinator_host})" if g.coordinator is not None else "-"
    heading = (f"group {g.group_id}: {g.state}, type {_group_type(g)}, coordinator {coordinator}, "
               f"strategy {g.assignment_strategy or '-'}, {len(g.members)} member(s), total lag {text(g.total_lag)}, "
               f"max time lag {_time_lag(g.max_time_lag_ms)}")
    if g.group_epoch is not None:
        heading += f", group epoch {g.group_epoch}, assignment epoch {g.assignment_epoch}"
    return heading


def _share(g) -> bool:
    # Share groups (KIP-932) commit no offsets: their rows show the share-partition start offset.
    # (The lag views reuse these columns for rows without a group type.)
    return getattr(g, "type", None) == "Share"


def _kip848(g) -> bool:
    # Consumer-protocol groups (KIP-848): each member's epoch and the assignment the broker is
    # moving it to (TARGET differs from ASSIGNED until the member reconciled).
    return any(m.member_epoch is not None or m.target_assignment is not None for m in g.members)


_ROLLUP = Section("topics", (
    Column("TOPIC", "topic"),
    Column("PARTITIONS", "partitions"),
    Column("LAG", "lag"),
    Column("MAX-TIME-LAG", lambda t: _time_lag(t.max_time_lag_ms)),
), rows=lambda g: g.topics, when=lambda g: len(g.topics) > 1)

GroupDetail = View((
    Each((
        Lines(_heading),
        # The member and client ids are in the members table below: here only with -o wide.
        Section("offsets", (
            Column("TOPIC", "topic", shorten=5),
            Column("PARTITION", "partition"),
            Column("COMMITTED", "committed_offset", when=lambda g: not _share(g)),
            Column("START", "start_offset", when=_share),
            Column("LOG-END", "log_end_offset"),
            Column("LAG", "lag"),
            Column("TIME-LAG", lambda o: _time_lag(o.time_lag_ms)),
            Column("MEMBER", "member_id", wide=True, shorten=1),
            Column("HOST", "host", shorten=3, drop=4),
            Column("CLIENT-ID", "client_id", wide=True, shorten=2),
        ), rows=lambda g: g.offsets),
        _ROLLUP,
        Section("members", (
            Column("MEMBER", "member_id", shorten=2),
            Column("CLIENT-ID", "client_id", shorten=3),
            Column("HOST", "host", shorten=4),
            Column("INSTANCE-ID", "group_instance_id", drop=1),
            Column("EPOCH", "member_epoch", when=_kip848),
            Column("ASSIGNED", lambda m: _partitions(m.assignment), shorten=5),
            Column("TARGET", lambda m: _partitions(m.target_assignment) if m.target_assignment is not None else "-",
                   when=_kip848),
        ), rows=lambda g: g.members, when=lambda g: bool(g.members)),
    ), keys=(Column("GROUP", "group_id"),)),
))


def _reset_heading(result) -> str:
    if result.executed:
        how = f"executed; the previous offsets are snapshot {result.snapshot_id}" if result.snapshot_id else "executed"
    elif result.active_members:
        how = f"plan; the group has {result.active_members} active member(s): applying it would be refused"
    else:
        how = "plan: nothing changed, --yes/--execute applies it"
    return f"reset offsets of {result.group_id} {result.strategy} ({how})"


def _reset_totals(result) -> list:
    span = (f", records from {time_ms(result.from_timestamp_ms)} to {time_ms(result.to_timestamp_ms)}"
            if result.from_timestamp_ms is not None else "")
    lines: list = [f"total: {result.records_reread} record(s) re-read{span}"]
    if result.records_skipped:
        lines.append(Styled(f"SKIPPED: {result.records_skipped} record(s) will never be consumed by this group",
                            "bold red"))
    return lines


OffsetResetResult = View((
    Lines(_reset_heading),
    Section("partitions", (
        Column("TOPIC", "topic", shorten=4),
        Column("PARTITION", "partition"),
        Column("CURRENT", "current_offset"),
        Column("NEW", lambda p: "delete" if p.delete else text(p.new_offset)),
        Column("RE-READ", "reread"),
        Column("SKIPPED", "skipped", style=lambda p: "bold red" if p.skipped else None),
        Column("FROM", lambda p: time_ms(p.from_timestamp_ms), drop=3),
        Column("TO", lambda p: time_ms(p.to_timestamp_ms), drop=2),
        Column("STATUS", lambda p: "ok" if p.ok else "failed", style=lambda p: "green" if p.ok else "red"),
        Column("DETAIL", lambda p: p.detail if p.ok else (p.error or ""), shorten=1),
    ), rows=lambda r: r.partitions),
    Lines(_reset_totals),
))

GroupSnapshot = View((
    Section("snapshots", (
        Column("SNAPSHOT", "snapshot_id"),
        Column("CREATED", lambda s: time_ms(s.created_ms)),
        Column("CLUSTER", "cluster_id"),
        Column("PARTITIONS", lambda s: len(s.offsets)),
        Column("BEFORE", "reason"),
    )),
))


def _lag_heading(report) -> list:
    window = f", rates over {report.window_s:.1f}s" if report.window_s else ", rates after the next sample"
    lines: list = [f"lag at {time_ms(report.measured_at_ms)} (refresh {report.refresh}{window})"]
    if report.warning:
        lines.append(Styled(report.warning, "yellow"))
    return lines


def _lag_group(g) -> str:
    return (f"group {g.group_id}: {g.state}, {g.members} member(s), lag {text(g.total_lag)}, "
            f"max time lag {_time_lag(g.max_time_lag_ms)}, consume {_rate(g.consume_rate)}, "
            f"produce {_rate(g.produce_rate)}, {g.trend}, ETA {text_of(_eta(g.trend, g.eta_s))}")


LagReport = View((
    Lines(_lag_heading),
    Each((
        Lines(_lag_group),
        Section("partitions", (
            Column("TOPIC", "topic", shorten=3),
            Column("PARTITION", "partition"),
            Column("COMMITTED", "committed_offset", when=lambda g: not _share(g)),
            Column("START", "start_offset", when=_share),
            Column("LOG-END", "log_end_offset"),
            Column("LAG", "lag"),
            Column("TIME-LAG", lambda p: _time_lag(p.time_lag_ms)),
            Column("CONSUME", lambda p: _rate(p.consume_rate), drop=2),
            Column("PRODUCE", lambda p: _rate(p.produce_rate), drop=1),
            Column("TREND", "trend"),
            Column("ETA", lambda p: _eta(p.trend, p.eta_s)),
        ), rows=lambda g: g.partitions),
        _ROLLUP,
    ), items=lambda r: r.groups, keys=(Column("GROUP", "group_id"),)),
    Lines(lambda r: [Styled(f"{m.name}: {m.error}", "red") for m in r.missing]),
))
