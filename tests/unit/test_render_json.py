"""kctl.render.json_text writes what json.dumps(indent=2) writes, for any JSON-able value."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kctl.render.json_text import dumps_indented

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=5), children, max_size=4)
    | st.dictionaries(st.integers(), children, max_size=3),  # not str keys: json's own way
    max_leaves=30,
)


@given(values)
@settings(max_examples=400, deadline=None)
def test_same_text_as_json_dumps_with_indent_2(value):
    assert dumps_indented(value) == json.dumps(value, indent=2)


def test_empty_containers_nested_and_escaped_text():
    value = {"a": [], "b": {}, "c": [{"d": "é\n\"x\""}, None, True, 1.5, -3]}
    assert dumps_indented(value) == json.dumps(value, indent=2)
