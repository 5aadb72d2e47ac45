"""Snapshots of a group's committed offsets, saved before every executed reset (`groups undo`).

    $KCTL_STATE_DIR (else $XDG_STATE_HOME/kctl, else ~/.local/state/kctl)
      groups/<group, %-escaped (a long one cut, with a hash)>/<snapshot id>.json   {snapshot_id, group_id, cluster_id, created_ms, reason, offsets}

offsets: [{topic, partition, offset}], offset null for a partition of the reset without a committed offset.

The id starts with the UTC time (20261201T220501.123Z-1a2b): ids sort in creation order.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from kctl.decode import NonEmptyStr, NonNegativeInt, Strict, decode, inside, parse_json, read_regular_file
from kctl.errors import NotFoundError, UsageError
from kctl.models import GroupSnapshot, SnapshotOffset
from kctl.services.groups.files import Offset, Partition
from kctl.services.local.paths import state_root

# A file name is at most 255 bytes (NAME_MAX); Kafka accepts group ids of any length.
_NAME_MAX = 200
_KEPT = 150


def group_dir(group: str) -> Path:
    return state_root() / "groups" / folder_name(group)


def folder_name(group: str) -> str:
    """The group's folder: its %-escaped id; a longer one than a file name can be is cut, with a
    hash of the whole id after a '~' (the snapshots inside name their group: no mix-up)."""
    name = quote(group, safe="")
    if name in (".", ".."):
        return name.replace(".", "%2E")
    if len(name) <= _NAME_MAX:
        return name
    return name[:_KEPT] + "~" + hashlib.sha256(group.encode("utf-8")).hexdigest()[:32]


def check_writable(group: str) -> None:
    """Refuse (before anything is asked or changed) a state folder the snapshot cannot be saved in."""
    folder = group_dir(group)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot save the snapshot of {group!r} under {folder}: {exc.strerror or exc}",
                         hint="nothing was changed; set KCTL_STATE_DIR to a writable folder") from None
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot save the snapshot of {group!r} under {folder}: permission denied",
                         hint="nothing was changed; set KCTL_STATE_DIR to a writable folder")


def save(group: str, cluster_id: str | None, reason: str, offsets: dict, moving=()) -> GroupSnapshot:
    """Save the group's committed offsets ({(topic, partition): offset}); a partition in `moving`
    (the reset's) without a committed offset is saved as null: undo deletes the offset it gets."""
    now = time.time()
    offsets = {**{key: None for key in moving}, **offsets}
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    snapshot = GroupSnapshot(
        snapshot_id=f"{stamp}-{uuid.uuid4().hex[:4]}", group_id=group, cluster_id=cluster_id,
        created_ms=int(now * 1000), reason=reason,
        offsets=tuple(SnapshotOffset(t, p, o) for (t, p), o in sorted(offsets.items())),
    )
    folder = group_dir(group)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{snapshot.snapshot_id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(_jsonable(snapshot)) + "\n", encoding="utf-8")
        os.replace(tmp, path)  # never a half-written snapshot
    except OSError as exc:
        raise UsageError(f"cannot save the snapshot of {group!r} under {folder}: {exc}",
                         hint="nothing was changed; set KCTL_STATE_DIR to a writable folder") from None
    return snapshot


class _Offset(Strict):
    topic: NonEmptyStr
    partition: Partition
    offset: Offset | None  # null: none was committed (the reset gave it one)


class _Snapshot(Strict):
    """A snapshot file as save() writes it."""

    snapshot_id: NonEmptyStr
    group_id: str
    cluster_id: str | None
    created_ms: NonNegativeInt
    offsets: list[_Offset]
    reason: str = ""


def history(group: str) -> list[GroupSnapshot]:
    """The group's snapshots, oldest first. A file that is not a snapshot of this group (bad JSON,
    an unknown key, another group's or another id's, a link out of the folder) is a UsageError
    naming it: undo must never restore offsets it cannot vouch for."""
    folder = group_dir(group)
    if not folder.is_dir():
        return []
    return sorted((_read(folder, path.name, group) for path in folder.glob("*.json")), key=lambda s: s.snapshot_id)


def _read(folder: Path, name: str, group: str) -> GroupSnapshot:
    path = inside(str(folder), name, f"snapshot {folder / name}")
    source = f"snapshot {path}"
    data = decode(parse_json(read_regular_file(path, source), source), _Snapshot, source)
    if data.snapshot_id != name[: -len(".json")]:
        raise UsageError(f"{source}: snapshot_id {data.snapshot_id!r} is not the file's name",
                         hint="move the file out of the folder if it does not belong there")
    if data.group_id != group:
        raise UsageError(f"{source}: a snapshot of group {data.group_id!r}, not {group!r}",
                         hint="move the file out of the folder if it does not belong there")
    return GroupSnapshot(data.snapshot_id, data.group_id, data.cluster_id, data.created_ms, data.reason,
                         tuple(SnapshotOffset(o.topic, o.partition, o.offset) for o in data.offsets))


def find(group: str, snapshot_id: str | None) -> GroupSnapshot:
    """The snapshot with that id (a unique prefix will do), or the latest one."""
    snapshots = history(group)
    if not snapshots:
        raise NotFoundError(f"group {group!r} has no snapshots (under {group_dir(group)})",
                            hint="a snapshot is saved by every executed reset-offsets")
    if snapshot_id is None:
        return snapshots[-1]
    matches = [s for s in snapshots if s.snapshot_id == snapshot_id] or \
        [s for s in snapshots if s.snapshot_id.startswith(snapshot_id)]
    if len(matches) != 1:
        what = "no" if not matches else "more than one"
        raise NotFoundError(f"{what} snapshot of {group!r} matches {snapshot_id!r}",
                            hint=f"`kctl groups history {group}` lists them")
    return matches[0]


def _jsonable(snapshot: GroupSnapshot) -> dict:
    return {"snapshot_id": snapshot.snapshot_id, "group_id": snapshot.group_id, "cluster_id": snapshot.cluster_id,
            "created_ms": snapshot.created_ms, "reason": snapshot.reason,
            "offsets": [{"topic": o.topic, "partition": o.partition, "offset": o.offset} for o in snapshot.offsets]}
