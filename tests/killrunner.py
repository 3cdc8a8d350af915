"""A fork server for the kill -9 trials (tests/cli/test_kill_trials.py).

Started as a process of its own (in tests.conftest.clean_env), it imports salescli and every
module its commands import lazily once, then, for each request read on stdin, forks a child
that runs one salescli command line and reports the child's pid, then its exit status.
The test kills the child with SIGKILL: a real process, killed while it works on the database,
without paying the interpreter start-up (about a second on a busy machine) in every trial.

Protocol (one JSON object per line): request {"argv": [...], "env": {...}, "stderr": PATH};
replies {"pid": N} then {"status": CODE} (minus the signal number when killed).
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import traceback


def preload() -> None:
    import alembic.command  # noqa: F401
    import alembic.config  # noqa: F401
    import pendulum  # noqa: F401
    import sqlalchemy  # noqa: F401

    import salescli.cli
    import salescli.services

    for package in (salescli.services, salescli.cli):
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")


def child(request: dict) -> None:
    """Runs in the forked child; never returns."""
    code = 70
    try:
        null = os.open(os.devnull, os.O_RDWR)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(err, 2)
        os.environ.clear()
        os.environ.update(request["env"])
        from salescli import connect

        connect.forget()
        sys.argv = ["salescli", *request["argv"]]
        from salescli.__main__ import main

        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - report anything to the test as a traceback
        traceback.print_exc()
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def main() -> None:
    preload()
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(request)
        out.write(json.dumps({"pid": pid}).encode() + b"\n")
        out.flush()
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        out.write(json.dumps({"status": code}).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
