"""kctl.decode, the one strict decoder: types, unknown keys, paths in errors, folder confinement."""

from __future__ import annotations

import os

import pytest

from kctl.decode import NonNegativeInt, Strict, decode, inside, load_json_file, parse_json
from kctl.errors import ConfigError, UsageError


class Entry(Strict):
    partition: NonNegativeInt
    file: str


class Manifest(Strict):
    files: list[Entry]
    servers: list[str] = []


@pytest.mark.parametrize(
    "document, message",
    [
        ({"files": [{"partition": -1, "file": "a"}]}, "m.json: files[0].partition: expected `int` >= 0"),
        ({"files": [{"partition": "x", "file": "a"}]}, "m.json: files[0].partition: expected `int`, got `str`"),
        ({"files": [{"partition": True, "file": "a"}]}, "m.json: files[0].partition: expected `int`, got `bool`"),
        ({"files": [{"partition": 1.0, "file": "a"}]}, "m.json: files[0].partition: expected `int`, got `float`"),
        ({"files": [{"partition": 1, "file": "a", "z": 1}]}, "m.json: files[0]: object contains unknown field `z`"),
        ({"files": [], "servers": "127.0.0.1:9392"}, "m.json: servers: expected `array`, got `str`"),
        ({}, "m.json: object missing required field `files`"),
        ([], "m.json: expected `object`, got `array`"),
    ],
)
def test_bad_documents_name_the_path(document, message):
    with pytest.raises(UsageError) as caught:
        decode(document, Manifest, "m.json")
    assert caught.value.message == message


def test_a_good_document_is_typed():
    manifest = decode({"files": [{"partition": 2, "file": "p2.jsonl"}]}, Manifest, "m.json")
    assert manifest.files == [Entry(partition=2, file="p2.jsonl")] and manifest.servers == []


def test_the_error_class_is_the_callers():
    with pytest.raises(ConfigError):
        decode({"files": 1}, Manifest, "registry", error=ConfigError)


def test_deep_json_is_an_error_not_a_recursion_crash():
    with pytest.raises(UsageError, match="nested too deeply"):
        parse_json("[" * 100_000 + "]" * 100_000, "deep.json")


def test_load_json_file_refuses_what_is_not_a_regular_file(tmp_path):
    with pytest.raises(UsageError, match="not a regular file"):
        load_json_file(str(tmp_path), Manifest)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        load_json_file(str(fifo), Manifest)  # a FIFO would block a plain open()


def test_inside_keeps_paths_in_their_folder(tmp_path):
    (tmp_path / "a.jsonl").write_text("x")
    assert inside(str(tmp_path), "a.jsonl", "manifest") == str(tmp_path / "a.jsonl")
    for bad in ("../etc/passwd", "/etc/passwd", "", "sub/../../x"):
        with pytest.raises(UsageError):
            inside(str(tmp_path), bad, "manifest")
    os.symlink("/etc", tmp_path / "out")
    with pytest.raises(UsageError, match="leaves the folder"):
        inside(str(tmp_path), "out/passwd", "manifest")
