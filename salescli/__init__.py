"""salescli: sales management in the terminal."""

import sys

__version__ = "0.1.0"

# Run as a program (`python -m salescli`, the `salescli` script), not imported by a test or
# another program: only then does salescli take over Ctrl-C (see __main__.main).
AS_PROGRAM = sys.argv[:1] == ["-m"] or sys.argv[0].endswith(
    ("/salescli", "\\salescli", "salescli.exe")
)


def _quiet_interrupt(signum: int, frame: object) -> None:
    # Ctrl-C while salescli is still loading: nothing has been read or written yet.
    import os

    os._exit(130)


if AS_PROGRAM:
    # Until main() takes over, Ctrl-C exits 130 at once instead of printing a
    # KeyboardInterrupt traceback from the middle of an import. `_signal` is built in: no
    # module file to load first. A Ctrl-C that the parent ignores (a script's background
    # job, nohup) stays ignored.
    import _signal  # type: ignore[import-not-found]

    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _quiet_interrupt)
