"""Entry point: `salescli` and `python -m salescli`."""

from __future__ import annotations

import contextlib
import sys

EXIT_INTERRUPTED = 130  # salescli.errors.EXIT_INTERRUPTED, without importing anything yet


def main() -> None:
    """Run salescli; Ctrl-C at any moment (even while modules load) exits 130 without a
    traceback, and a reader that went away (`salescli lead export | head -1`) ends it quietly
    with exit 0."""
    try:
        try:
            _interrupts_raise()
            _run()
        finally:
            # Exiting now: a Ctrl-C that arrives while Python unwinds, flushes or runs exit
            # handlers would only print a traceback; the outcome is already decided.
            _ignore_interrupts()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit:
        _flush_stdout()
        raise
    _flush_stdout()


def _run() -> None:
    # `--version` is asked by scripts and shells often; answer before importing Typer.
    if sys.argv[1:] == ["--version"]:
        from salescli import __version__

        sys.stdout.write(f"salescli {__version__}\n")
        return
    from salescli.cli import run

    run()


def _interrupts_raise() -> None:
    """From here on Ctrl-C raises KeyboardInterrupt, so that an open transaction rolls back
    and temporary files are removed before the exit 130 (salescli/__init__.py exits at once
    while modules load)."""
    import signal

    import salescli

    if salescli.AS_PROGRAM and signal.getsignal(signal.SIGINT) is salescli._quiet_interrupt:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _ignore_interrupts() -> None:
    import signal

    import salescli

    if salescli.AS_PROGRAM and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _flush_stdout() -> None:
    """Flush stdout now, so that a closed pipe is met here (silently, the exit code kept) rather
    than in the interpreter's own final flush (which prints "Exception ignored", exit 120)."""
    import os

    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    main()
