"""Header values checked before sending: printable ASCII and tabs pass, anything else is named."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from venice_ext._core._config import header_problem


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=20) | st.text(max_size=8))
def test_a_value_is_refused_exactly_when_a_character_is_not_printable_ascii_or_a_tab(value: str) -> None:
    problem = header_problem("X-Test", value)
    assert (problem is None) == all(" " <= ch <= "~" or ch == "\t" for ch in value)
    if problem is not None:
        assert "X-Test" in problem and "position" in problem
