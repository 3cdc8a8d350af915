"""Every file salescli writes: never the database (under any name), written to a temporary
file renamed into place, created 0600, never a chmod through a link or on a device.

Services (reject files, backups) and the render side (`--output`) share it; it prints nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# ----------------------------------------------------------------------------- output files
#
# Every file salescli writes (--output, --reject-file, backups, dumps) goes through
# `output_file` / `open_output`: the target is checked (never the live database, a directory
# or a symbolic link), the data goes to a temporary file beside it, created 0600, and only a
# complete file is renamed into place. A device or pipe (/dev/null, /dev/stdout) is written in
# place, with no rename and no chmod. While the temporary file exists, a marker beside the
# database names it; the next salescli that opens the database removes what a killed process
# left behind (`protect_database`).

_DATABASE: Path | None = None  # the live SQLite file: no output may be it or its side files
_ANCHOR: Path | None = None  # markers of in-progress writes live beside this path

_SIDE_FILES = {
    "": "the database",
    "-wal": "the database's write-ahead log",
    "-shm": "the database's shared-memory file",
    "-journal": "the database's journal",
}
_EXAMPLES = {
    "--reject-file": "(e.g. --reject-file rejects.csv)",
    "backup path": "(e.g. salescli db backup ~/sales-copy.db)",
}
_STDIO_ALIASES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")
_TMP_SIDES = ("", "-journal", "-wal", "-shm")
_TMP_NAME = re.compile(r"\..*\.salescli-[0-9a-f]{12}\.tmp")


def protect_database(database: Path | None, anchor: Path | None = None) -> None:
    """Name the live database (None on PostgreSQL) for this invocation, and remove the
    temporary files of writes that a killed salescli left unfinished.

    `anchor` is the database file, or on PostgreSQL the default database path: markers of
    in-progress writes are `.NAME.partial-*` files beside it.
    """
    global _DATABASE, _ANCHOR
    _DATABASE = database
    _ANCHOR = anchor if anchor is not None else database
    if _ANCHOR is not None:
        _reap_interrupted(_ANCHOR)


def _marker_prefix(anchor: Path) -> str:
    return f".{anchor.name}.partial-"


def _reap_interrupted(anchor: Path) -> None:
    try:
        fcntl = importlib.import_module("fcntl")
    except ImportError:  # pragma: no cover - no flock (Windows): nothing recorded, nothing to do
        return
    prefix = _marker_prefix(anchor)
    try:
        names = [e.name for e in os.scandir(anchor.parent) if e.name.startswith(prefix)]
    except OSError:
        return
    for name in names:
        marker = anchor.parent / name
        try:
            fd = os.open(marker, os.O_RDWR)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its writer is still at work
            info = os.fstat(fd)
            listed = os.read(fd, 65536).decode("utf-8", "replace").splitlines()
            if not listed and time.time() - info.st_mtime < 60:
                continue  # just created: its writer has not locked it yet
            for line in listed:
                tmp = Path(line)
                if not _TMP_NAME.fullmatch(tmp.name):
                    continue  # never delete anything but our own temporary files
                for side in _TMP_SIDES:
                    with contextlib.suppress(OSError):
                        os.unlink(f"{tmp}{side}")
            with contextlib.suppress(OSError):
                os.unlink(marker)
        finally:
            os.close(fd)


def _is_database(path: str) -> str | None:
    """What part of the live database `path` is, if any (same file, link or name)."""
    if _DATABASE is None:
        return None
    real = os.path.realpath(path)
    for side, what in _SIDE_FILES.items():
        db_side = f"{_DATABASE}{side}"
        if real == os.path.realpath(db_side):
            return what
        with contextlib.suppress(OSError):
            if os.path.samefile(path, db_side):
                return what
    return None


def check_output(path: str, option: str = "--output") -> str:
    """Refuse (exit 1, one line) a target salescli must not write; return its kind.

    "file": a regular file or a new name, replaced whole by a rename. "device": a character
    device, pipe or socket, or a standard stream (/dev/stdout), written in place.
    """
    from salescli.errors import InvalidData

    example = _EXAMPLES.get(option, f"(e.g. {option} leads.csv)")
    if not path:
        raise InvalidData(f"{option} is empty: give a file name {example}")
    if path == "-":  # where "-" means stdout (--output, --ics) the caller never gets here
        raise InvalidData(
            f"{option} '-' would be standard output, which carries the command's own output: "
            f"give a file name {example}"
        )
    what = _is_database(path)
    if what:
        raise InvalidData(
            f"{option} '{path}' is {what}: writing there would destroy it; "
            f"give another file {example}"
        )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InvalidData(f"{option} '{path}' cannot be used: {exc.strerror}") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        if os.path.abspath(path).startswith(_STDIO_ALIASES):
            return "device"
        try:
            followed = os.stat(path)
        except OSError:
            followed = None
        if followed is None or stat.S_ISREG(followed.st_mode) or stat.S_ISDIR(followed.st_mode):
            raise InvalidData(
                f"{option} '{path}' is a symbolic link: salescli writes only to a file it "
                f"names directly, never through a link; give the real file name {example}"
            )
        return "device"
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InvalidData(
            f"{option} '{path}' is a directory: give a file name "
            f"(e.g. {option} {os.path.join(path, 'leads.csv')})"
        )
    if info is not None and not stat.S_ISREG(info.st_mode):
        return "device"
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InvalidData(f"{option} '{path}': directory '{parent}' does not exist {example}")
    if not os.access(parent, os.W_OK):
        raise InvalidData(f"{option} '{path}': directory '{parent}' is not writable {example}")
    return "file"


@dataclass
class PendingFile:
    """A file being written: `tmp` now, `final` once it is in place."""

    tmp: Path
    target: Path
    final: Path | None = None


@contextlib.contextmanager
def output_file(
    path: str | os.PathLike[str], *, option: str = "--output", exist: str = "replace"
) -> Iterator[PendingFile]:
    """Yield a temporary path beside `path` (created 0600); on success put it in place.

    exist="replace" replaces an existing file (a rename: a file linked elsewhere keeps its
    contents); "new" refuses one (exit 4, for backups without --yes); "unique" picks
    NAME-2.EXT, NAME-3.EXT... On any failure the temporary file is removed and the target
    is untouched.
    """
    from salescli.errors import InvalidData, SalesError

    target = Path(os.path.abspath(os.fspath(path)))
    if check_output(str(path), option) != "file":
        raise InvalidData(f"{option} '{path}' is not a regular file: give a file name")
    pending = PendingFile(tmp=_tmp_name(target), target=target)
    marker = _start_marker(pending.tmp)
    try:
        try:
            fd = os.open(pending.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise SalesError(f"cannot write {option} '{path}': {exc.strerror}") from None
        os.close(fd)
        yield pending
        _fsync(pending.tmp)
        pending.final = _publish(pending.tmp, target, exist, option)
    finally:
        for side in _TMP_SIDES:
            with contextlib.suppress(OSError):
                os.unlink(f"{pending.tmp}{side}")
        _end_marker(marker)


@contextlib.contextmanager
def open_output(
    path: str | None, *, option: str = "--output", newline: str | None = ""
) -> Iterator[Any]:
    """A text stream to `path` (whole or nothing, 0600), or stdout when `path` is None."""
    if not path:
        yield sys.stdout
        return
    with _naming(path, option):
        if check_output(path, option) == "device":
            # /dev/null, a pipe, /dev/stdout: written in place, never truncated or chmod-ed.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
                yield stream
            return
        with (
            output_file(path, option=option) as pending,
            open(pending.tmp, "w", encoding="utf-8", newline=newline) as stream,
        ):
            yield stream


@contextlib.contextmanager
def _naming(path: str, option: str) -> Iterator[None]:
    """A failed write (a full disk, /dev/full) is one line naming the file, not a bare
    "No space left on device". A closed pipe stays a BrokenPipeError: the quiet end."""
    from salescli.errors import SalesError

    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        if exc.filename is not None:
            raise
        raise SalesError(f"cannot write {option} '{path}': {exc.strerror or exc}") from None


def _tmp_name(target: Path) -> Path:
    return target.with_name(f".{target.name[:100]}.salescli-{os.urandom(6).hex()}.tmp")


def _start_marker(tmp: Path) -> int | None:
    """Record `tmp` beside the database, locked while this process lives."""
    if _ANCHOR is None:
        return None
    try:
        fcntl = importlib.import_module("fcntl")
    except ImportError:  # pragma: no cover
        return None
    directory = _ANCHOR.parent
    try:
        marker = directory / f"{_marker_prefix(_ANCHOR)}{os.urandom(6).hex()}"
        fd = os.open(marker, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return None  # no such or a read-only directory: nothing can be recorded there
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"{tmp}\n".encode())
    _MARKERS[fd] = marker
    return fd


_MARKERS: dict[int, Path] = {}


def _end_marker(fd: int | None) -> None:
    if fd is None:
        return
    marker = _MARKERS.pop(fd)
    with contextlib.suppress(OSError):
        os.unlink(marker)
    os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(tmp: Path, target: Path, exist: str, option: str) -> Path:
    from salescli.errors import Refused

    if exist == "replace":
        os.replace(tmp, target)
        return target
    candidates = [target]
    if exist == "unique":
        stem, suffix = os.path.splitext(target.name)
        candidates += [target.with_name(f"{stem}-{n}{suffix}") for n in range(2, 1000)]
    for candidate in candidates:
        if _link_new(tmp, candidate):
            return candidate
    raise Refused(f"{option} '{target}' exists: refused without --yes")


def _link_new(tmp: Path, candidate: Path) -> bool:
    """Put `tmp` at `candidate` only if nothing is there (atomic where hard links work)."""
    try:
        os.link(tmp, candidate)
        return True
    except FileExistsError:
        return False
    except OSError:
        if os.path.lexists(candidate):
            return False
        os.replace(tmp, candidate)
        return True
