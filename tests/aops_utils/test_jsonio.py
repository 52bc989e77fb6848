"""dumps/loads: the same text and values as json, at any depth, without RecursionError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from aops_utils import jsonio
from aops_utils.jsonio import _dumps_deep
from aops_utils.jsonio import _loads_deep
from aops_utils.trees import dumps
from aops_utils.trees import loads

documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


@given(documents)
@settings(max_examples=300, deadline=None)
def test_the_deep_paths_agree_with_json(document: Any) -> None:
    text = json.dumps(document, ensure_ascii=False)
    assert _dumps_deep(document) == text
    assert _loads_deep(text) == document
    spaced = json.dumps(document, indent=2)
    assert _loads_deep(spaced) == json.loads(spaced)


def nested(depth: int) -> Any:
    document: Any = {"leaf": [1, "二", None, True, 2.5]}
    for level in range(depth):
        document = {"level": level, "children": [document, {}], "empty": []}
    return document


def test_deep_documents_round_trip() -> None:
    document = nested(20_000)
    with pytest.raises(RecursionError):
        json.dumps(document)
    text = dumps(document)
    back = loads(text)
    loads(text.encode())
    for _ in range(20_000):
        assert back["empty"] == [] and back["children"][1] == {}
        back = back["children"][0]
    assert back == {"leaf": [1, "二", None, True, 2.5]}
    assert dumps({"a": [1]}) == json.dumps({"a": [1]})


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("", "Expecting ',' delimiter"),
        ("]", "Expecting ',' delimiter"),
        ("}}", "Expecting ',' delimiter"),
        (', "x" 1]}', "Expecting ':' delimiter"),
        (", 1: 2", "Expecting property name enclosed in double quotes"),
        ("x", "Expecting ',' delimiter"),
        (", [", "Expecting property name enclosed in double quotes"),
        (', "c": ', "Expecting value"),
    ],
)
def test_malformed_deep_text_raises_json_errors(suffix: str, message: str) -> None:
    text = '{"a": [' * 2_000 + '{"b": 1' + suffix
    with pytest.raises(json.JSONDecodeError, match=message):
        loads(text)


def test_extra_data_and_keys() -> None:
    with pytest.raises(json.JSONDecodeError, match="Extra data"):
        _loads_deep("[1] [2]")
    keyed = {2: "a", None: 2, True: 3, 1.5: 4}
    assert _dumps_deep(keyed) == json.dumps(keyed)
    with pytest.raises(TypeError, match="keys must be"):
        _dumps_deep({(1, 2): 3})


def test_cycles_are_refused() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference"):
        _dumps_deep(cycle)
    shared = [1]
    assert _dumps_deep([shared, shared]) == "[[1], [1]]"


def test_decoded_keys_are_the_objects_decode_makes() -> None:
    timestamp, host = jsonio.decoded_keys("timestamp", "hostname")
    assert (timestamp, host) == ("timestamp", "hostname")
    decoded = jsonio.decode(b'{"hostname": "web1", "timestamp": 1}')
    # The same objects (a lookup matches by identity), not only equal texts.
    assert [key for key in decoded if key is timestamp or key is host] == ["hostname", "timestamp"]
