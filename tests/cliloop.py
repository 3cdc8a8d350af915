"""Runs many salescli command lines in one process, for the concurrency trials
(tests/cli/test_concurrency.py): four of these writing and one reading at once are five real
processes competing for the database, without a second of interpreter start-up per command.

Usage: python tests/cliloop.py PLAN.json RESULTS.jsonl
PLAN: {"commands": [[arg, ...], ...], "until": PATH or null}. The commands run in order; with
"until" they run over and over until PATH exists. One JSON line per command goes to RESULTS:
{"argv", "code", "out", "err"}.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import sys
import time

MAX_SECONDS = 600


def run_one(argv: list[str]) -> dict:
    from salescli.__main__ import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    sys.argv = ["salescli", *argv]
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - reported to the test as a traceback
            import traceback

            traceback.print_exc()
            code = 70
    out.flush()
    err.flush()
    return {
        "argv": argv,
        "code": code,
        "out": out.buffer.getvalue().decode(),  # type: ignore[attr-defined]
        "err": err.buffer.getvalue().decode(),  # type: ignore[attr-defined]
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        plan = json.load(handle)
    until = plan.get("until")
    commands = itertools.cycle(plan["commands"]) if until else iter(plan["commands"])
    parent = os.getppid()
    deadline = time.monotonic() + MAX_SECONDS
    with open(sys.argv[2], "w", encoding="utf-8") as results:
        for count, argv in enumerate(commands):
            results.write(json.dumps(run_one(argv)) + "\n")
            results.flush()
            if until and count + 1 >= len(plan["commands"]) and os.path.exists(until):
                break
            if until and (os.getppid() != parent or time.monotonic() > deadline):
                break  # the test is gone (or stuck): never loop on as an orphan


if __name__ == "__main__":
    main()
