"""The error vocabulary and its exit codes (see README "Exit codes")."""

from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_TEMPORARY = 75
EXIT_INTERRUPTED = 130


class SalesError(Exception):
    """A failure the user can act on: printed as one line on stderr, never a traceback."""

    exit_code = EXIT_INVALID


class InvalidData(SalesError):
    """Validation failed, an invalid transition, a duplicate, a rejected import."""


class NotFound(SalesError):
    exit_code = EXIT_NOT_FOUND


class UsageError(SalesError):
    """A bad option value that Typer itself could not catch (a malformed date, period...)."""

    exit_code = EXIT_USAGE


class Refused(SalesError):
    """A destructive command without --yes and no terminal to ask on."""

    exit_code = EXIT_REFUSED


class Busy(SalesError):
    """The database is locked or the server unreachable: a cron wrapper may retry."""

    exit_code = EXIT_TEMPORARY
