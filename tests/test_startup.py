"""Start-up cost: `salescli --help` and `salescli lead --help` must not import the heavy
libraries (they are imported inside the commands that need them)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "sqlmodel", "pendulum", "plotext")


def heavy_modules_after(args: list[str], preload: str = "") -> tuple[str, list[str]]:
    """Run salescli in a fresh interpreter; return its stdout and the heavy modules loaded."""
    probe = f"""
import sys
{preload}
sys.argv = ["salescli", *{args!r}]
from salescli.__main__ import main
try:
    main()
except SystemExit:
    pass
print("HEAVY=" + ",".join(name for name in {HEAVY!r} if name in sys.modules), file=sys.stderr)
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    marker = [line for line in result.stderr.splitlines() if line.startswith("HEAVY=")]
    assert len(marker) == 1, result.stderr
    loaded = marker[0].removeprefix("HEAVY=")
    return result.stdout, loaded.split(",") if loaded else []


@pytest.mark.parametrize("args", [["--help"], ["lead", "--help"]], ids=["root", "lead"])
def test_help_imports_no_heavy_library(args):
    out, loaded = heavy_modules_after(args)
    assert "Usage:" in out
    assert loaded == []


def test_probe_sees_a_heavy_import():
    _, loaded = heavy_modules_after(["--help"], preload="import pendulum")
    assert loaded == ["pendulum"]
