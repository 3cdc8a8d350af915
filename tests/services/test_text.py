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


def test_strip_controls_keeps_newline_and_tab_only():
    hostile = "Ana\x1b[31m Souza\x07\x1b]0;pwned\x07\x9b\tnote\nline\x00"
    assert text.strip_controls(hostile) == "Ana[31m Souza]0;pwned\tnote\nline"
    assert text.strip_controls("Çağrı Yılmaz") == "Çağrı Yılmaz"


def test_visible_escapes_every_control():
    assert text.visible("a\x1b[31mb\x07\n\t\x9b") == "a\\x1b[31mb\\x07\\n\\t\\x9b"
    assert text.visible("line\nnext", keep="\n") == "line\nnext"


@given(st.text())
def test_visible_leaves_nothing_a_terminal_acts_on(value):
    shown = text.visible(value)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown)
