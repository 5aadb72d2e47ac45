"""Blocks of the consumer group commands: list (with lag), describe (offset and time lag),
reset plans and the lag report of `groups lag` (also the live table of --watch)."""

from __future__ import annotations

from kctl.render.blocks import Styled, duration_ms, new_table, text_of


def _opt(value) -> str:
    return "-" if value is None else str(value)


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


def group_list_blocks(groups):
    with_lag = any(g.members is not None or g.lag_error for g in groups)
    if not with_lag:
        table = new_table("GROUP", "STATE", "TYPE", give_way=("GROUP",))
        for g in groups:
            table.add_row(g.group_id, g.state, _group_type(g))
        return table
    table = new_table("GROUP", "STATE", "TYPE", "MEMBERS", "LAG", "TIME-LAG", give_way=("-TYPE", "GROUP"))
    for g in groups:
        lag = "?" if g.lag_error else _opt(g.total_lag)  # why: lag_error in -o json
        table.add_row(g.group_id, g.state, _group_type(g), _opt(g.members), lag, _time_lag(g.max_time_lag_ms))
    return table


def _partitions(assignment: dict) -> str:
    return " ".join(f"{t}:{','.join(map(str, ps))}" for t, ps in assignment.items()) or "-"


def group_detail_blocks(groups):
    parts = []
    for g in groups:
        coordinator = f"{g.coordinator} ({g.coordinator_host})" if g.coordinator is not None else "-"
        heading = (
            f"group {g.group_id}: {g.state}, type {_group_type(g)}, coordinator {coordinator}, "
            f"strategy {g.assignment_strategy or '-'}, {len(g.members)} member(s), total lag {_opt(g.total_lag)}, "
            f"max time lag {_time_lag(g.max_time_lag_ms)}"
        )
        if g.group_epoch is not None:
            heading += f", group epoch {g.group_epoch}, assignment epoch {g.assignment_epoch}"
        parts.append(heading)
        # The member and client ids are in the members table below: here only with -o wide.
        offsets = new_table("TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "TIME-LAG", "MEMBER", "HOST",
                            "CLIENT-ID", wide=("MEMBER", "CLIENT-ID"),
                            give_way=("MEMBER", "CLIENT-ID", "HOST", "-HOST", "TOPIC"))
        for o in g.offsets:
            offsets.add_row(
                o.topic, str(o.partition), _opt(o.committed_offset), _opt(o.log_end_offset), _opt(o.lag),
                _time_lag(o.time_lag_ms), _opt(o.member_id), _opt(o.host), _opt(o.client_id),
            )
        parts.append(offsets)
        if len(g.topics) > 1:
            rollup = new_table("TOPIC", "PARTITIONS", "LAG", "MAX-TIME-LAG")
            for t in g.topics:
                rollup.add_row(t.topic, str(t.partitions), _opt(t.lag), _time_lag(t.max_time_lag_ms))
            parts.append(rollup)
        if g.members:
            # Consumer-protocol groups (KIP-848): each member's epoch and the assignment the broker
            # is moving it to (TARGET differs from ASSIGNED until the member reconciled).
            kip848 = any(m.member_epoch is not None or m.target_assignment is not None for m in g.members)
            columns = ("MEMBER", "CLIENT-ID", "HOST", "INSTANCE-ID") + (("EPOCH",) if kip848 else ()) + ("ASSIGNED",) \
                + (("TARGET",) if kip848 else ())
            members = new_table(*columns, give_way=("-INSTANCE-ID", "MEMBER", "CLIENT-ID", "HOST", "ASSIGNED"))
            for m in g.members:
                row = [m.member_id, m.client_id, m.host, _opt(m.group_instance_id)]
                if kip848:
                    row.append(_opt(m.member_epoch))
                row.append(_partitions(m.assignment))
                if kip848:
                    row.append(_partitions(m.target_assignment) if m.target_assignment is not None else "-")
                members.add_row(*row)
            parts.append(members)
    return parts


def offset_reset_blocks(result):
    from kctl.render.blocks import time_ms

    if result.executed:
        how = f"executed; the previous offsets are snapshot {result.snapshot_id}" if result.snapshot_id else "executed"
    elif result.active_members:
        how = f"plan; the group has {result.active_members} active member(s): applying it would be refused"
    else:
        how = "plan: nothing changed, --yes/--execute applies it"
    parts: list = [f"reset offsets of {result.group_id} {result.strategy} ({how})"]
    table = new_table("TOPIC", "PARTITION", "CURRENT", "NEW", "RE-READ", "SKIPPED", "FROM", "TO", "STATUS", "DETAIL",
                      give_way=("DETAIL", "-TO", "-FROM", "TOPIC"))
    for p in result.partitions:
        status = Styled("ok", "green") if p.ok else Styled("failed", "red")
        skipped = Styled(str(p.skipped), "bold red") if p.skipped else _opt(p.skipped)
        table.add_row(p.topic, str(p.partition), _opt(p.current_offset), "delete" if p.delete else _opt(p.new_offset),
                      _opt(p.reread), skipped,
                      time_ms(p.from_timestamp_ms), time_ms(p.to_timestamp_ms), status,
                      p.detail if p.ok else (p.error or ""))
    parts.append(table)
    span = (f", records from {time_ms(result.from_timestamp_ms)} to {time_ms(result.to_timestamp_ms)}"
            if result.from_timestamp_ms is not None else "")
    parts.append(f"total: {result.records_reread} record(s) re-read{span}")
    if result.records_skipped:
        parts.append(Styled(f"SKIPPED: {result.records_skipped} record(s) will never be consumed by this group",
                            "bold red"))
    return parts


def snapshot_blocks(snapshots):
    from kctl.render.blocks import time_ms

    table = new_table("SNAPSHOT", "CREATED", "CLUSTER", "PARTITIONS", "BEFORE")
    for s in snapshots:
        table.add_row(s.snapshot_id, time_ms(s.created_ms), _opt(s.cluster_id), str(len(s.offsets)), s.reason)
    return table


def export_plan(path: str, result) -> None:
    """Write a reset plan's new offsets to a file: kctl JSON when the name ends in .json, else the
    CSV kafka-consumer-groups.sh --export writes (topic,partition,offset); both are --from-file input."""
    import json
    from pathlib import Path

    from kctl.errors import UsageError
    from kctl.render import to_jsonable

    target = Path(path)
    if target.suffix.lower() == ".json":
        text = json.dumps(to_jsonable(result), indent=2) + "\n"
    else:
        text = "".join(f"{p.topic},{p.partition},{p.new_offset}\n" for p in result.partitions if p.new_offset is not None)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--export: cannot write {path}: {exc.strerror or exc}") from None


def lag_report_blocks(report):
    from kctl.render.blocks import time_ms

    window = f", rates over {report.window_s:.1f}s" if report.window_s else ", rates after the next sample"
    parts: list = [f"lag at {time_ms(report.measured_at_ms)} (refresh {report.refresh}{window})"]
    if report.warning:
        parts.append(Styled(report.warning, "yellow"))
    for g in report.groups:
        parts.append(f"group {g.group_id}: {g.state}, {g.members} member(s), lag {_opt(g.total_lag)}, "
                     f"max time lag {_time_lag(g.max_time_lag_ms)}, consume {_rate(g.consume_rate)}, "
                     f"produce {_rate(g.produce_rate)}, {g.trend}, ETA {text_of(_eta(g.trend, g.eta_s))}")
        table = new_table("TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "TIME-LAG", "CONSUME", "PRODUCE",
                          "TREND", "ETA", give_way=("-PRODUCE", "-CONSUME", "TOPIC"))
        for p in g.partitions:
            table.add_row(p.topic, str(p.partition), _opt(p.committed_offset), _opt(p.log_end_offset), _opt(p.lag),
                          _time_lag(p.time_lag_ms), _rate(p.consume_rate), _rate(p.produce_rate), p.trend,
                          _eta(p.trend, p.eta_s))
        parts.append(table)
        if len(g.topics) > 1:
            rollup = new_table("TOPIC", "PARTITIONS", "LAG", "MAX-TIME-LAG")
            for t in g.topics:
                rollup.add_row(t.topic, str(t.partitions), _opt(t.lag), _time_lag(t.max_time_lag_ms))
            parts.append(rollup)
    for m in report.missing:
        parts.append(Styled(f"{m.name}: {m.error}", "red"))
    return parts


def json_line(report, file) -> None:
    """One report as one compact JSON line (monitoring reads one line per refresh)."""
    import json

    from kctl.render import to_jsonable

    file.write(json.dumps(to_jsonable(report), separators=(",", ":")) + "\n")
    file.flush()


def follow(reports, live: bool, file=None) -> None:
    """Show each report as it comes: a live table redrawn in place (live=True: a terminal), or
    one JSON line per report. Returns when the reports end; Ctrl-C ends the live view cleanly
    (the last table stays on the screen) and propagates."""
    import sys
    from contextlib import closing

    out = file or sys.stdout
    with closing(reports):
        if not live:
            for report in reports:
                json_line(report, out)
            return
        from rich.live import Live

        from kctl.render import make_console
        from kctl.render.blocks import to_rich

        console = make_console(file=out)
        with Live(console=console, auto_refresh=False, transient=False) as view:
            for report in reports:
                view.update(to_rich(lag_report_blocks(report), console.width), refresh=True)
