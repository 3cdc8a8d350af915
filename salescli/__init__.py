"""salescli: sales management in the terminal."""

import sys

__version__ = "0.1.0"


def _quiet_interrupt(signum: int, frame: object) -> None:
    # Ctrl-C while salescli is still loading: nothing has been read or written yet.
    import os

    os._exit(130)


if sys.argv[:1] == ["-m"] or sys.argv[0].endswith(("/salescli", "\\salescli", "salescli.exe")):
    # Run as a program (`python -m salescli`, the `salescli` script): until main() takes over,
    # Ctrl-C exits 130 at once instead of printing a KeyboardInterrupt traceback from an import.
    # `_signal` is built in: no module file to load first, so the handler is in place at once.
    import _signal

    _signal.signal(_signal.SIGINT, _quiet_interrupt)
