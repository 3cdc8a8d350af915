"""The CSV engine on its own: kinds, mapping, sniffing (no database needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from salescli.errors import InvalidData, UsageError
from salescli.services.csv import cells as csvcells
from salescli.services.csv import engine as csvio
from salescli.services.csv import read as csvread
from salescli.services.csv.engine import FieldSpec, ImportOptions

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _validate(values: dict, ctx: csvio.ImportContext) -> dict:
    if values["title"] == "reject me":
        raise csvio.invalid("title", values["title"], "is not welcome (e.g. Big deal)")
    return dict(values)


ENTITY = csvio.Entity(
    name="deal",
    fields=(
        FieldSpec("title", required=True, aliases=("deal name",)),
        FieldSpec("amount", "money"),
        FieldSpec("currency", "currency"),
        FieldSpec("close_date", "date"),
        FieldSpec("won", "bool"),
        FieldSpec("labels", "list"),
        FieldSpec("stage", "choice", choices=("prospecting", "qualification", "won")),
        FieldSpec("seats", "int"),
    ),
    validate=_validate,
    insert=lambda rows, ctx: None,
    owner_field=None,
)


def parse(tmp_path: Path, text: str, **options: object) -> csvio.Parsed:
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    parsed, _ = csvio.validate_file(None, str(path), ENTITY, ImportOptions(**options), now=NOW)
    return parsed


@pytest.mark.parametrize(
    ("text", "decimal_comma", "currency", "expected", "row_currency"),
    [
        ("$22,700.00", False, None, Decimal("22700.00"), None),
        ("22700", False, None, Decimal("22700"), None),
        ("12,000.50", False, "USD", Decimal("12000.50"), None),
        ("EUR 1.250,00", True, None, Decimal("1250.00"), "EUR"),
        ("1.250,5 EUR", True, None, Decimal("1250.5"), "EUR"),
        ("€ 3.000", True, "EUR", Decimal("3000"), None),
        ("JPY 1,000", False, None, Decimal("1000"), "JPY"),
    ],
)
def test_money_kind(text, decimal_comma, currency, expected, row_currency):
    row: dict = {"currency": currency}
    value = csvcells.parse_money(text, currency, decimal_comma=decimal_comma, row=row)
    assert value == expected and isinstance(value, Decimal)
    assert row["currency"] == (row_currency or currency)


@pytest.mark.parametrize(
    ("text", "currency", "decimal_comma", "reason"),
    [
        ("1.5k", None, False, "'1.5k' is not an amount (suffixes such as 1.5k are not accepted"),
        ("EUR 1.250,00", None, False, "'EUR 1.250,00' is not an amount (e.g. 12000, 12,000.50)"),
        ("JPY 10.5", None, False, "'JPY 10.5' has more than 0 decimal places for JPY"),
        ("EUR 100", "USD", False, "'EUR 100' is in EUR but the row's currency is USD"),
        ("XYZ 100", None, False, "'XYZ 100' is not an amount"),
    ],
)
def test_money_kind_errors(text, currency, decimal_comma, reason):
    with pytest.raises(csvcells.CellError) as exc:
        csvcells.parse_money(text, currency, decimal_comma=decimal_comma, row={})
    assert exc.value.reason.startswith(reason)


def test_every_kind_through_a_file(tmp_path):
    parsed = parse(
        tmp_path,
        "Deal Name;Amount;Currency;Close_Date;WON;labels;Stage;Seats;;\n"
        "Big;EUR 1.250,00;;23/11/2026;yes;a, b;Engaging;1,200;;\n"
        "Small;99,5;usd;01/12/2026;0;;won;;;\n"
        "Empty;n/a;;;N/A;;;;;\n",
        decimal_comma=True,
        date_format="%d/%m/%Y",
        null_values=("N/A",),
        value_maps={"stage": {"engaging": "qualification"}},
    )
    assert parsed.delimiter == ";" and list(parsed.bad) == [] and parsed.unknown_columns == []
    assert parsed.mapping == {
        "Deal Name": "title",
        "Amount": "amount",
        "Currency": "currency",
        "Close_Date": "close_date",
        "WON": "won",
        "labels": "labels",
        "Stage": "stage",
        "Seats": "seats",
    }
    rows = [row.clean for row in parsed.good]
    assert rows[0] == {
        "title": "Big",
        "amount": Decimal("1250.00"),
        "currency": "EUR",
        "close_date": dt.date(2026, 11, 23),
        "won": True,
        "labels": ["a", "b"],
        "stage": "qualification",
        "seats": 1200,
    }
    assert rows[1]["amount"] == Decimal("99.5") and rows[1]["currency"] == "USD"
    assert rows[1]["won"] is False and rows[1]["stage"] == "won" and rows[1]["seats"] is None
    assert rows[2] == dict.fromkeys(rows[2], None) | {"title": "Empty"}


def test_row_errors_carry_line_column_value_reason(tmp_path):
    parsed = parse(
        tmp_path,
        "title,amount,won,close_date,extra\n"
        "A,$1.5k,yes,2026-11-23,x\n"
        "B,10,maybe,2026-11-23,x\n"
        "C,10,no,23.11.2026,x\n"
        "reject me,1,1,,x\n"
        "D,1,1\n"
        "E,1,1,,x,,\n",
    )
    assert [str(e) for e in parsed.errors] == [
        "line 2: column 'amount': '$1.5k' is not an amount (suffixes such as 1.5k are not "
        "accepted: write 1500) (e.g. 12000, 12,000.50)",
        "line 3: column 'won': 'maybe' is not yes/no (yes, no, true, false, 1, 0)",
        "line 4: column 'close_date': '23.11.2026' is not a date in ISO format "
        "(e.g. 2026-11-23; other formats: --date-format)",
        "line 5: title 'reject me' is not welcome (e.g. Big deal)",
        "line 6: has 3 values but the header has 5 columns",
    ]
    first = parsed.errors[0]
    assert (first.line, first.column, first.field, first.value) == (2, "amount", "amount", "$1.5k")
    assert parsed.errors[3].field == "title" and parsed.errors[3].value == "reject me"
    assert [row.clean["title"] for row in parsed.good] == ["E"]
    assert parsed.unknown_columns == ["extra"]


def test_mapping_rules(tmp_path):
    text = "Name,Opportunity,Price\nx,Big,10\n"
    parsed = parse(tmp_path, text, maps={"opportunity": "title", "Price": "amount", "name": ""})
    assert parsed.mapping == {"Opportunity": "title", "Price": "amount"}
    assert parsed.unknown_columns == []
    with pytest.raises(InvalidData, match="no column for the required field title"):
        parse(tmp_path, "name,amount\nx,1\n")
    with pytest.raises(UsageError, match="has no column 'Nope'"):
        parse(tmp_path, text, maps={"Nope": "title"})
    with pytest.raises(UsageError, match="deal has no field 'colour'"):
        parse(tmp_path, text, maps={"Name": "colour"})
    with pytest.raises(UsageError, match="both map to title"):
        parse(tmp_path, text, maps={"Name": "title", "Opportunity": "title"})
    with pytest.raises(UsageError, match="--owner does not apply to deals"):
        parse(tmp_path, text, maps={"Name": "title"}, owner="Ana")


def test_names_and_delimiters():
    assert (
        csvread.norm_name("E-Mail") == csvread.norm_name("e_mail") == csvread.norm_name(" EMAIL ")
    )
    assert csvread.norm_name("Close Date") == "closedate"
    assert csvread.sniff_delimiter("a,b;c\n1,2;3\n") == ","
    assert csvread.sniff_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert csvread.sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert csvread.sniff_delimiter("a|b\n1|2\n") == "|"
    assert csvread.sniff_delimiter("single\n1\n") == ","
    assert csvcells.split_list("a, b;c,,") == ["a", "b", "c"]


def test_storage_instant_matches_the_model_type():
    when = dt.datetime(2026, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert csvio.storage_instant(when, "sqlite") == "2026-01-02 03:04:05.000000"
    assert csvio.storage_instant(when, "postgresql") == when
    assert csvio.storage_instant(None, "sqlite") is None


def test_export_rows_streams_and_neutralises(tmp_path):
    from salescli.render.export import export_rows

    rows = iter(
        [
            {"id": 1, "name": "=cmd()", "tags": ["a", "b"], "amount": Decimal("1.50")},
            {"id": 2, "name": "-5", "tags": [], "amount": None},
        ]
    )
    out = tmp_path / "x.csv"
    count = export_rows(rows, ["id", "name", "tags", "amount"], "csv", output=str(out))
    assert count == 2
    assert out.read_text() == "id,name,tags,amount\n1,'=cmd(),\"a,b\",1.5\n2,'-5,,\n"
    out_json = tmp_path / "x.json"
    export_rows(iter([{"id": 1, "name": "=x"}]), ["id", "name"], "json", output=str(out_json))
    assert out_json.read_text() == '[\n  {"id": 1, "name": "=x"}\n]\n'
