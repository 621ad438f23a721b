"""The fast canonicaliser writes exactly what the reference ``rfc8785`` package writes."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from service.hashing import jcs

MAX_SAFE = 2**53 - 1

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE, max_value=MAX_SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0.1, 1e-4, 9.999e-5, 1e16, 1e21, 1e20, -0.0, 5e-324, 1.7976931348623157e308])
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def reference(value: Any) -> bytes | type[BaseException]:
    try:
        return rfc8785.dumps(value)
    except Exception as e:  # the kind of failure must match too
        return type(e)


def fast(value: Any) -> bytes | type[BaseException]:
    try:
        return jcs.dumps(value)
    except Exception as e:
        return type(e)


@settings(max_examples=3000, deadline=None)
@given(json_values)
def test_same_bytes_as_rfc8785(value: Any) -> None:
    assert fast(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ufb00": 2, "z": 3},  # UTF-16 order differs from code points
        # Non-ASCII keys across the Basic Multilingual Plane, nested: the fast path's order.
        {"é": {"\uffff": 1, "\ue000": 2, "Z": 3}, "Z": 2, "\u4e2d": [{"ß": 1, "a": 2}], "a": 5},
        {"big": 2**53, "neg": -(2**53)},  # outside I-JSON: the reference refuses
        {"tiny": 1e-7, "huge": 1e21, "edge": 1e-4, "below": 9.9e-5, "whole": 1200.0},
        {"lone": "\ud800"},
        {"controls": '\x00\x1f\x7f\u2028\u2029"\\/'},
        {1: "int key"},
        [float("nan")],
        ("tuple",),
    ],
)
def test_edge_cases_agree(value: Any) -> None:
    assert fast(value) == reference(value)
