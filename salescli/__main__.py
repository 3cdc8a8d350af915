"""Entry point: `salescli` and `python -m salescli`."""

from __future__ import annotations

import sys


def main() -> None:
    # `--version` is asked by scripts and shells often; answer before importing Typer.
    if sys.argv[1:] == ["--version"]:
        from salescli import __version__

        sys.stdout.write(f"salescli {__version__}\n")
        return
    from salescli.cli import run

    run()


if __name__ == "__main__":
    main()
