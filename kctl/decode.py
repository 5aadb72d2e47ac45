"""The one strict decoder: every structured input (workflow parameters, `txn run` plans, reset
files, dump manifests, group snapshots, contexts, the port registry, option files) becomes a typed
value here, or a KctlError naming the input and the path of the first bad field.

msgspec (a small C extension: ~2 ms itself, ~25 ms with typing_extensions, decimal and uuid on
a cold start, so it stays off the start-up path) rather than pydantic (~30 ms, and its core on
every command's path): `convert(..., strict=True)` refuses a string where a number belongs, a
bool where an int belongs, and a string where a list belongs (never split into characters);
Structs declared with `forbid_unknown_fields` refuse keys they do not name.

Declare an input as a `Strict` subclass with `Annotated` constraints, e.g.

    class FileEntry(Strict):
        partition: NonNegativeInt
        file: str

    entries = decode(document, list[FileEntry], "manifest.json")
    # manifest.json: files[3].partition: expected `int` >= 0
"""

from __future__ import annotations

import json
import os
import re
from typing import Annotated, Any, TypeVar

import msgspec

from kctl.errors import KctlError, UsageError
from kctl.regular import read_regular_file  # noqa: F401 - kctl.decode.read_regular_file, as always

T = TypeVar("T")


class Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Base of every decoded input: unknown keys are refused, fields are keyword-only."""


NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
NonEmptyStr = Annotated[str, msgspec.Meta(min_length=1)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]

_AT = re.compile(r"^(?P<what>.*?) - at `\$(?P<path>[^`]*)`$", re.DOTALL)


def describe_error(exc: msgspec.ValidationError, at: str = "") -> str:
    """msgspec's "Expected `int`, got `str` - at `$.files[3].partition`" as
    "files[3].partition: expected `int`, got `str`" (`at`: the path of the value decoded, prefixed)."""
    text = str(exc)
    match = _AT.match(text)
    what, path = (match.group("what"), match.group("path")) if match else (text, "")
    path = at + path if path.startswith("[") else ".".join(filter(None, (at, path.lstrip("."))))
    what = what[:1].lower() + what[1:]
    return f"{path}: {what}" if path else what


def decode(value: Any, type_: type[T], source: str, error: type[KctlError] = UsageError, at: str = "") -> T:
    """`value` (parsed JSON/YAML: dicts, lists, scalars) as `type_`, strictly; `source` names the input
    in the error (a file name, `--params-file x.json`), `at` the path of `value` inside it (`steps[3]`)."""
    try:
        return msgspec.convert(value, type_, strict=True)
    except msgspec.ValidationError as exc:
        raise error(f"{source}: {describe_error(exc, at)}") from None


def decode_dict(value: Any, type_: type[T], source: str, error: type[KctlError] = UsageError,
                at: str = "") -> dict[str, T]:
    """A mapping of names to `type_`, each value decoded strictly, an error naming its key
    (`contexts.prod.bootstrap: ...`; msgspec itself says only `contexts[...]`)."""
    decode(value, dict[str, Any], source, error, at)
    return {key: decode(item, type_, source, error, f"{at}.{key}" if at else key) for key, item in value.items()}


def parse_json(text: str | bytes, source: str, error: type[KctlError] = UsageError) -> Any:
    """JSON text as plain values; invalid JSON (or nesting too deep to decode) is `error` naming the source."""
    try:
        return json.loads(text)
    except RecursionError:
        raise error(f"{source}: nested too deeply to decode") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise error(f"{source}: not valid JSON ({exc})") from None


# Configuration files (contexts, the port registry, --command-config) are small: a bigger one is a mistake.
MAX_CONFIG_BYTES = 1 << 20
# A YAML alias is a reference: 9 anchors of 9 aliases each make 9**9 values for whoever walks the
# document (msgspec, then kctl) out of a few hundred bytes. Documents are walked with a budget first.
MAX_VALUES = 200_000
MAX_DEPTH = 200


def parse_yaml(text: str | bytes, source: str, error: type[KctlError] = UsageError, unique_keys: bool = False) -> Any:
    """YAML text as plain values (YAML's safe subset: no tags that build objects). Invalid YAML,
    nesting deeper than MAX_DEPTH, more than MAX_VALUES values (aliases counted each time they are
    used) are `error` naming the source; unique_keys: a key given twice in one mapping is refused
    (YAML's last-one-wins would silently drop a setting). yaml is imported only here, when needed."""
    import yaml  # heavy: yaml

    try:
        data = yaml.load(text, Loader=_unique_key_loader() if unique_keys else yaml.SafeLoader)  # noqa: S506
    except RecursionError:
        raise error(f"{source}: nested too deeply to decode") from None
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML ({yaml_problem(exc)})") from None
    except UnicodeDecodeError:
        raise error(f"{source}: not a UTF-8 text file") from None
    check_size(data, source, error)
    return data


def yaml_problem(exc: Exception) -> str:
    """One line for a YAML error: what is wrong and where (PyYAML's str() spans several lines)."""
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split()) or type(exc).__name__


def check_size(value: Any, source: str, error: type[KctlError] = UsageError) -> None:
    """Refuse a parsed document deeper than MAX_DEPTH or with more than MAX_VALUES values, walking
    it without recursion (shared values, YAML's aliases, are counted at every use)."""
    stack = [(value, 0)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise error(f"{source}: more than {MAX_VALUES} values (YAML aliases count at every use)")
        if depth > MAX_DEPTH:
            raise error(f"{source}: nested too deeply to decode (more than {MAX_DEPTH} levels)")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for pair in item.items() for v in pair)
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


_LOADERS: dict = {}


def _unique_key_loader():
    """A yaml.SafeLoader that refuses a key given twice in one mapping."""
    if "unique" not in _LOADERS:
        import yaml  # heavy: yaml

        class Loader(yaml.SafeLoader):
            pass

        def mapping(loader, node, deep=False):
            keys = set()
            for key_node, _ in node.value:
                key = loader.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in keys
                except TypeError:  # an unhashable key: construct_mapping says so
                    break
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} is given twice", key_node.start_mark)
                keys.add(key)
            return loader.construct_mapping(node, deep=deep)

        Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
        _LOADERS["unique"] = Loader
    return _LOADERS["unique"]


def load_yaml_file(path: str, type_: type[T], source: str | None = None, error: type[KctlError] = UsageError,
                   limit: int = MAX_CONFIG_BYTES, empty: Any = None) -> T:
    """A YAML (or JSON: YAML's subset) file decoded strictly as `type_`; only a regular file of
    at most `limit` bytes is read. An empty document decodes as `empty`."""
    source = source or path
    data = parse_yaml(read_regular_file(path, source, error, limit=limit), source, error)
    return decode(empty if data is None else data, type_, source, error)


def load_json_file(path: str, type_: type[T], source: str | None = None, error: type[KctlError] = UsageError) -> T:
    """A JSON file decoded strictly as `type_`."""
    source = source or path
    return decode(parse_json(read_regular_file(path, source, error), source, error), type_, source, error)


def inside(folder: str, relative: str, source: str, error: type[KctlError] = UsageError) -> str:
    """The path of `relative` within `folder`, refusing absolute paths and any that leave the folder
    (`..`, or a symbolic link pointing out of it)."""
    if not relative or os.path.isabs(relative) or "\x00" in relative:
        raise error(f"{source}: {relative!r} is not a path inside {folder}")
    root = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(root, relative))
    if os.path.commonpath([root, target]) != root:
        raise error(f"{source}: {relative!r} leaves the folder {folder}")
    return target
