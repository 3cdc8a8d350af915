"""The header and the cells of a CSV file for the import engine: mapping columns to fields
(`map_columns`, `--map`, `--map-value`) and the per-kind cell converters (`converter`,
`parse_money`...).

Pure functions over text and descriptions (`csv.types.FieldSpec`, `ImportOptions`, `Entity`,
used here only for their attributes); the engine runs them for every row. They build on
`csv.read` and `csv.types`, which never import this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, UsageError
from salescli.services.csv.read import CONTROLS, norm_name, shown

if TYPE_CHECKING:
    from salescli.services.csv.types import Entity, FieldSpec, ImportOptions

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "on", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "off"})
REJECT_EXTRA = ("line", "error")


# ----------------------------------------------------------------------------- small helpers


# A whole number written with a decimal point and zeros only after it: 10.0, 10.00, -3.
INTEGRAL = re.compile(r"([+-]?[0-9]+)\.0*")


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


# ----------------------------------------------------------------------------- mapping


def read_header(first: tuple[int, list[str]] | None, path: str, utf16: str | None) -> list[str]:
    """The column names of the file's first record (`first`, None when the file is empty),
    trailing empty names dropped; a control character in a name is refused, with a hint when
    `utf16` names the UTF-16 encoding the bytes look like (`TextSource.bare_utf16`)."""
    if first is None:
        raise InvalidData(f"{path} is empty (expected a header row, e.g. name,email)")
    header = [cell.strip() for cell in first[1]]
    while header and not header[-1]:
        header.pop()  # trailing empty-named columns (every line ends with a delimiter)
    if not header:
        raise InvalidData(f"{path}: the header row has no column names")
    for index, name in enumerate(header, 1):
        if CONTROLS.search(name):
            hint = ""
            if utf16:
                hint = f" (it looks like UTF-16 without a byte-order mark: try --encoding {utf16})"
            raise InvalidData(
                f"{path}: header column {index} '{shown(name)}' contains a control "
                f"character{hint}; nothing imported"
            )
    return header


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
