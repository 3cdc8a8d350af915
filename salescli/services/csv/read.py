"""Reading a CSV file for the import engine: decoding and hashing, sniffing the delimiter,
splitting records, mapping columns to fields, and the per-kind cell converters.

Pure functions over text and descriptions (`csvtypes.FieldSpec`, `ImportOptions`, `Entity`,
used here only for their attributes); `csvio` runs them for every row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, UsageError

if TYPE_CHECKING:
    from salescli.services.csv.types import Entity, FieldSpec, ImportOptions

DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "on", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "off"})
REJECT_EXTRA = ("line", "error")
_NAME_NOISE = re.compile(r"[\s_\-]+")


# ----------------------------------------------------------------------------- small helpers


# A whole number written with a decimal point and zeros only after it: 10.0, 10.00, -3.
INTEGRAL = re.compile(r"([+-]?[0-9]+)\.0*")


def norm_name(name: str) -> str:
    """Column/field names compare folded, with spaces, underscores and hyphens ignored."""
    from salescli.text import fold

    return _NAME_NOISE.sub("", fold(name))


def split_list(value: str) -> list[str]:
    """`a, b; c` -> ['a', 'b', 'c'] (comma or semicolon separated, blanks dropped)."""
    if "," not in value and ";" not in value:
        return [value] if value else []
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def parse_pairs(items: Iterable[str], option: str, example: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        if "=" not in item:
            raise UsageError(f"{option} '{item}' is not NAME=VALUE (e.g. {option} \"{example}\")")
        left, right = item.split("=", 1)
        if not left.strip():
            raise UsageError(f"{option} '{item}' has nothing before '=' (e.g. {example})")
        pairs.append((left.strip(), right.strip()))
    return pairs


def map_value_hint(field_name: str, value: str, choices: Iterable[str]) -> str:
    """`map it: --map-value "FIELD:VALUE=CHOICE"` with the row's own value and the closest
    choice, for the errors of vocabulary fields (stage, type, status...)."""
    import difflib

    options = list(choices)
    folded = {c.casefold(): c for c in options}
    close = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0)
    target = folded[close[0]] if close else options[0]
    pair = f"{field_name}:{shown(value)}={target}"
    quoted = f"'{pair}'" if '"' in pair else f'"{pair}"'
    return f"map it: --map-value {quoted}"


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


# ----------------------------------------------------------------------------- mapping


@dataclass
class Plan:
    index: int
    column: str
    spec: FieldSpec


def map_columns(
    header: list[str], entity: Entity, options: ImportOptions, path: str
) -> tuple[list[Plan], dict[str, str], list[str]]:
    """Columns -> fields: explicit --map first, then names and aliases; unknown columns listed."""
    specs = {norm_name(spec.name): spec for spec in entity.fields}
    aliases: dict[str, FieldSpec] = {}
    for spec in entity.fields:
        for alias in spec.aliases:
            aliases.setdefault(norm_name(alias), spec)
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name.strip():
            continue
        key = norm_name(name)
        if key in columns:
            first = columns[key]
            same = (
                f"'{shown(name)}'"
                if header[first] == name
                else (f"'{shown(header[first])}' and '{shown(name)}'")
            )
            raise InvalidData(
                f"{path}: the header has the column {same} twice (columns {first + 1} and "
                f"{index + 1}); rename or remove one, nothing imported"
            )
        columns[key] = index
    # Our own export's extra columns are read silently only when spelled as it writes them
    # (`id`, `owner_id`): another CRM's `Id` or `OwnerId` is named in the notice instead.
    ignored = set(entity.ignored)
    if [norm_name(h) for h in header[-2:]] == list(REJECT_EXTRA):
        ignored.update(header[-2:])  # a reject file, fixed and fed back in
    chosen: dict[int, FieldSpec] = {}
    taken: dict[str, int] = {}
    explicit_ignore: set[int] = set()
    for column, target in options.maps.items():
        found = columns.get(norm_name(column))
        if found is None:
            listed = ", ".join(h for h in header if h.strip())
            raise UsageError(
                f"--map '{column}={target}': {path} has no column '{column}' (columns: {listed})"
            )
        if not target:
            explicit_ignore.add(found)
            continue
        mapped = specs.get(norm_name(target))
        if mapped is None:
            known = ", ".join(s.name for s in entity.fields)
            raise UsageError(
                f"--map '{column}={target}': {entity.name} has no field '{target}' (fields: {known})"
            )
        if mapped.name in taken:
            earlier = header[taken[mapped.name]]
            raise UsageError(f"--map: columns '{earlier}' and '{column}' both map to {mapped.name}")
        chosen[found] = mapped
        taken[mapped.name] = found
    unknown = []
    for index, name in enumerate(header):
        if not name.strip() or index in chosen or index in explicit_ignore:
            continue
        key = norm_name(name)
        named = specs.get(key) or aliases.get(key)
        if named is not None and named.name not in taken:
            chosen[index] = named
            taken[named.name] = index
        elif name not in ignored:
            unknown.append(name)
    missing = [s.name for s in entity.fields if s.required and s.name not in taken]
    if missing:
        names = ", ".join(missing)
        listed = ", ".join(h for h in header if h.strip())
        raise InvalidData(
            f"{path} has no column for the required field {names} (columns: {listed}); "
            f'name one with --map, e.g. --map "Full Name={missing[0]}"'
        )
    if entity.owner_field is None and options.owner:
        raise UsageError(f"--owner does not apply to {entity.label}")
    for field_name in options.value_maps:
        if norm_name(field_name) not in specs:
            known = ", ".join(s.name for s in entity.fields)
            raise UsageError(
                f"--map-value '{field_name}:...': {entity.name} has no field '{field_name}' (fields: {known})"
            )
    plans = [Plan(index, header[index], spec) for index, spec in sorted(chosen.items())]
    mapping = {header[index]: spec.name for index, spec in sorted(chosen.items())}
    return plans, mapping, unknown


# ----------------------------------------------------------------------------- converting


class CellError(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def converter(spec: FieldSpec, options: ImportOptions) -> Callable[[str, dict], Any]:
    kind = spec.kind
    if kind == "text":
        limit = spec.max_length
        collapse = not spec.multiline

        def text_value(value: str, row: dict) -> Any:
            if collapse:
                value = " ".join(value.split())
            if limit is not None and len(value) > limit:
                raise CellError(f"'{value[:40]}...' is longer than {limit} characters")
            return value

        return text_value
    if kind == "list":
        return lambda value, row: split_list(value)
    if kind == "int":

        def int_value(value: str, row: dict) -> Any:
            text = value.replace(",", "").replace("_", "")
            try:
                return int(text)
            except ValueError:
                pass
            # Other CRMs write whole numbers with a decimal point (Salesforce: "10.0").
            match = INTEGRAL.fullmatch(text.strip())
            if match is None:
                raise CellError(f"'{value}' is not a whole number (e.g. 12 or 12.0)") from None
            return int(match.group(1))

        return int_value
    if kind == "decimal":

        def decimal_value(value: str, row: dict) -> Any:
            text = value.replace(".", "").replace(",", ".") if options.decimal_comma else value
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise CellError(f"'{value}' is not a number (e.g. 12.5)") from None
            if not number.is_finite():
                raise CellError(f"'{value}' is not a finite number (e.g. 12.5)")
            return number

        return decimal_value
    if kind == "bool":

        def bool_value(value: str, row: dict) -> Any:
            word = value.casefold()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise CellError(f"'{value}' is not yes/no (yes, no, true, false, 1, 0)")

        return bool_value
    if kind == "currency":

        def currency_value(value: str, row: dict) -> Any:
            from salescli.money import check_currency

            try:
                return check_currency(value)
            except InvalidData as exc:
                raise CellError(str(exc).split(" ", 1)[1]) from None

        return currency_value
    if kind == "money":
        return lambda value, row: parse_money(
            value,
            row.get(spec.currency_field) or None,
            default_currency=options.currency,
            decimal_comma=options.decimal_comma,
            row=row,
            currency_field=spec.currency_field,
        )
    if kind == "date":
        return _date_converter(options.date_format)
    if kind == "datetime":
        return _datetime_converter(options.date_format, options.timezone)
    if kind == "choice":
        allowed = {c.casefold(): c for c in spec.choices}
        listed = ", ".join(spec.choices)

        def choice_value(value: str, row: dict) -> Any:
            found = allowed.get(value.casefold())
            if found is None:
                hint = map_value_hint(spec.name, value, spec.choices)
                raise CellError(f"'{value}' is not one of: {listed}; {hint}")
            return found

        return choice_value
    raise ValueError(kind)  # pragma: no cover - FieldSpec checks kinds


def parse_money(
    value: str,
    currency: str | None,
    *,
    default_currency: str = "USD",
    decimal_comma: bool = False,
    row: dict | None = None,
    currency_field: str = "currency",
) -> Decimal:
    """An exact amount from `$22,700.00`, `EUR 1.250,00` (decimal_comma), `1200 USD`.

    A currency code in the cell must agree with the row's currency; when the row has none,
    the code becomes the row's currency (written into `row[currency_field]`).
    """
    from salescli.money import parse_amount, stated_currency, stated_or_default

    try:
        stated = stated_currency(value.strip())
    except InvalidData:
        raise CellError(
            f"'{value}' is not an amount (e.g. 12000, $22,700.00, EUR 1.250,00)"
        ) from None
    if stated and currency and currency not in stated[1]:
        raise CellError(f"'{value}' is in {stated[0]} but the row's currency is {currency}")
    use = currency or stated_or_default(stated, default_currency)
    if use != default_currency and row is not None and not currency:
        row[currency_field] = use
    try:
        return parse_amount(value, use, field="amount", decimal_comma=decimal_comma)
    except InvalidData as exc:
        message = str(exc)
        prefix = f"amount '{value}' "
        rest = message[len(prefix) :] if message.startswith(prefix) else message
        raise CellError(f"'{value}' {rest}") from None


def _date_converter(date_format: str | None) -> Callable[[str, dict], Any]:
    example = dt.date(2026, 11, 23).strftime(date_format) if date_format else "2026-11-23"

    def date_value(value: str, row: dict) -> Any:
        try:
            if date_format:
                return dt.datetime.strptime(value, date_format).date()
            if len(value) > 10:
                return dt.datetime.fromisoformat(value).date()
            return dt.date.fromisoformat(value)
        except ValueError:
            rule = f"the format {date_format}" if date_format else "ISO format"
            raise CellError(
                f"'{value}' is not a date in {rule} (e.g. {example}; other formats: --date-format)"
            ) from None

    return date_value


def _datetime_converter(date_format: str | None, zone: str) -> Callable[[str, dict], Any]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    example = (
        dt.datetime(2026, 11, 23, 9, 30).strftime(date_format)
        if date_format
        else "2026-11-23T09:30:00+01:00, 2026-11-23"
    )

    memo: dict[str, dt.datetime] = {}

    def datetime_value(value: str, row: dict) -> Any:
        found = memo.get(value)
        if found is not None:
            return found
        try:
            parsed = (
                dt.datetime.strptime(value, date_format)
                if date_format
                else dt.datetime.fromisoformat(value)
            )
        except ValueError:
            rule = f"the format {date_format}" if date_format else "ISO format"
            raise CellError(
                f"'{value}' is not a date-time in {rule} (e.g. {example}; other formats: --date-format)"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        if len(memo) >= 50_000:
            memo.clear()  # distinct values on every row: keep memory bounded
        found = memo[value] = parsed.astimezone(dt.UTC)
        return found

    return datetime_value
