"""Reading a CSV file for the import engine: decoding and hashing, sniffing the delimiter and
splitting records; and how names and cells are quoted and compared (`norm_name`, `shown`).

Pure functions over text, below everything else of the engine: `csv.types` and `csv.cells`
(the header mapping and the cell converters) build on them, and this module imports neither.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from salescli.errors import InvalidData, UsageError

DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
_NAME_NOISE = re.compile(r"[\s_\-]+")


def norm_name(name: str) -> str:
    """Column/field names compare folded, with spaces, underscores and hyphens ignored."""
    from salescli.text import fold

    return _NAME_NOISE.sub("", fold(name))


# ----------------------------------------------------------------------------- reading


UTF16_BOMS = ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
READ_CHUNK = 1024 * 1024
# Never produced by a strict decoder: fed after the last line, it ends up inside a cell only
# when a quoted value is still open at the end of the file.
_END = "\udfff"
# Refused in every imported cell: C0 controls except TAB, LF and CR (which one-line fields
# collapse to a space and notes keep), DEL and the C1 controls.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """`text` with control characters escaped (`\\x00`, `\\t`), safe to quote in a message."""
    from salescli.text import visible

    return visible(text)


class _Hashing(io.RawIOBase):
    """A raw binary reader that feeds every byte it reads into a sha256."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.handle.readinto(buffer)
        if count:
            self.sha256.update(memoryview(buffer)[:count])
        return count


class TextSource:
    """A CSV file opened for streaming: decoded lines (`lines`) and, once they are all read,
    the sha256 of its bytes (`sha256`). UTF-8 with or without BOM by default; a UTF-16 BOM
    (LE or BE) selects UTF-16; `--encoding` overrides both. Use as a context manager."""

    def __init__(self, path: str, encoding: str | None) -> None:
        self.path = path
        try:
            self.handle = open(path, "rb")  # noqa: SIM115 - closed by close()/__exit__
        except FileNotFoundError:
            raise UsageError(f"file '{path}' does not exist") from None
        except IsADirectoryError:
            raise UsageError(f"'{path}' is a directory, not a CSV file") from None
        except PermissionError:
            raise UsageError(f"file '{path}' cannot be read (permission denied)") from None
        head = self.handle.read(64)
        self.handle.seek(0)
        self.bom_utf16 = any(head.startswith(bom) for bom, _ in UTF16_BOMS)
        self.bare_utf16 = bare_utf16(head)
        self.codec = encoding or ("utf-16" if self.bom_utf16 else "utf-8-sig")
        try:
            codecs.lookup(self.codec)
        except LookupError:
            self.handle.close()
            raise UsageError(
                f"--encoding '{shown(encoding or '')}' is not a known encoding (e.g. cp1252)"
            ) from None
        self.raw = _Hashing(self.handle)
        self.text = io.TextIOWrapper(
            io.BufferedReader(self.raw, READ_CHUNK), encoding=self.codec, newline=""
        )
        self.explicit = encoding is not None

    @property
    def sha256(self) -> str:
        return self.raw.sha256.hexdigest()

    def lines(self) -> Iterator[str]:
        """The decoded lines (ends kept); a decoding error names the line and the byte."""
        first = True
        try:
            for line in self.text:
                if first:
                    first = False
                    if self.explicit and line.startswith("\ufeff"):
                        line = line[1:]
                yield line
        except UnicodeDecodeError:
            raise self._decode_error() from None

    def _decode_error(self) -> InvalidData:
        """Find the first undecodable byte again, line by line (the error path only)."""
        decoder = codecs.getincrementaldecoder(self.codec)()
        byte, number = 0, 0
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, 1):  # noqa: B007 - used after the loop
                try:
                    decoder.decode(raw)
                except UnicodeDecodeError as exc:
                    byte = exc.object[exc.start]
                    break
        hint = "if it came from Excel on Windows, try --encoding cp1252"
        if self.bom_utf16 and self.explicit:
            hint = "it starts with a UTF-16 byte-order mark: try --encoding utf-16"
        elif self.bare_utf16:
            hint = (
                f"it looks like UTF-16 without a byte-order mark: try --encoding {self.bare_utf16}"
            )
        return InvalidData(
            f"{self.path} is not valid {self.codec} (byte 0x{byte:02x} on line {number}); {hint}"
        )

    def rest(self) -> None:
        """Read to the end (so that `sha256` covers the whole file)."""
        while self.raw.read(READ_CHUNK):
            pass

    def close(self) -> None:
        self.text.close()

    def __enter__(self) -> TextSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bare_utf16(head: bytes) -> str | None:
    """`utf-16-le`/`utf-16-be` when the first bytes look like UTF-16 text without a BOM
    (every other byte zero: ASCII letters in two-byte units); None otherwise."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    if odd.count(0) >= len(odd) * 3 // 4 and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= len(even) * 3 // 4 and odd.count(0) == 0:
        return "utf-16-be"
    return None


def file_sha256(path: str) -> str:
    """The sha256 of a file's bytes, read in chunks (file errors as TextSource gives them)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(READ_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise UsageError(f"file '{path}' does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"'{path}' is a directory, not a CSV file") from None
    except PermissionError:
        raise UsageError(f"file '{path}' cannot be read (permission denied)") from None
    return digest.hexdigest()


def read_sample(lines: Iterator[str]) -> list[str]:
    """The first lines, up to SNIFF_BYTES characters and one more line (for the sniffer)."""
    sample: list[str] = []
    size = 0
    for line in lines:
        sample.append(line)
        size += len(line)
        if size > SNIFF_BYTES:
            break
    return sample


def sniff_delimiter(text: str) -> str:
    """The delimiter among `, ; TAB |` that splits the first lines most consistently."""
    sample = text[:SNIFF_BYTES]
    cut = sample.rfind("\n")
    if 0 < cut < len(sample) - 1 and len(text) > SNIFF_BYTES:
        sample = sample[:cut]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        if delimiter not in sample:
            continue
        try:
            records = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)]
        except csv.Error:
            continue
        records = [r for r in records if r][:50]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        consistent = sum(1 for r in records if len(r) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for every non-blank record.

    A quoted value still open at the end of the file is refused with the line of its opening
    quote (the csv module would otherwise swallow the rest of the file into one cell).
    """
    reader = csv.reader(itertools.chain(lines, (_END + "\n",)), delimiter=delimiter, strict=False)
    last = 0
    try:
        for cells in reader:
            start = last + 1
            last = reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if cells[-1].endswith(_END + "\n") or cells[-1].endswith(_END):
                if len(cells) == 1 and cells[0] == _END:
                    return  # the end marker on a line of its own: the file ended cleanly
                opening = start + sum(c.count("\n") for c in cells[:-1])
                raise InvalidData(
                    f"line {opening}: a quoted value opens here and is never closed, so the "
                    "rest of the file would be read as one cell; nothing imported (close the "
                    'quote, or double a quote inside a value: "say ""hi""")'
                )
            yield start, cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InvalidData(
                f"line {last + 1}: a value is longer than {csv.field_size_limit():,} characters "
                "(is a quote opened on this line and never closed?); nothing imported"
            ) from None
        raise InvalidData(f"line {last + 1}: the CSV is malformed ({exc})") from None
