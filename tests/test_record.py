"""Record serialisation: `dumps` writes exactly the bytes `json.dumps` does (compact, UTF-8 unescaped),
however it gets there, so stored records replay byte for byte."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from engine.core.record import dumps

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


def _reference(value) -> str | None:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (UnicodeEncodeError, ValueError):
        return None


@given(VALUES)
def test_same_bytes_as_json(value):
    """Floats with exponents (1e-05, 1.5e-07, 1e+16), huge integers, control characters and any text."""
    expected = _reference({"v": value})
    if expected is not None:
        assert expected == dumps({"v": value})


def test_the_floats_python_writes_with_an_exponent():
    """orjson would write 1e-05 as 0.00001 and 1.5e-07 as 1.5e-7; the record keeps Python's form."""
    for v in (1e-05, 1.5e-07, -2e-05, 1e16, 1.2345678901234568e16, 5e-324):
        assert _reference([v]) == dumps([v])
    assert '{"share":1e-05}' == dumps({"share": 1e-05})
