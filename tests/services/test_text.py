from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescli import text


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("иван", "Иван Петров"),
        ("jürgen", "JÜRGEN GROß"),
        ("groß", "JÜRGEN GROß"),
        ("çağrı", "Çağrı Yılmaz"),
        ("ÇAĞRI", "Çağrı Yılmaz"),
        ("istanbul", "İSTANBUL"),
        ("王芳", "王芳"),
        ("ana souza", "Ana   Souza"),
    ],
)
def test_fold_finds_across_case_in_every_script(query, stored):
    assert text.fold(query) in text.fold(stored)


@given(st.text())
def test_fold_is_idempotent(value):
    assert text.fold(text.fold(value)) == text.fold(value)


def test_keys():
    assert text.phone_key("+49 (30) 1234-567") == "+49301234567"
    assert text.phone_key("030 1234567") == "0301234567"
    assert text.phone_key("n/a") is None
    assert text.like_pattern("50%_off") == "%50\\%\\_off%"
