"""The rules of a deal (no database): one definition of each, for `deal add`, `deal edit`,
the moves (deals.moves), `deal import` (deals.io) and `lead convert`: the `check_*` and
`clean_*` functions, `amount_minor`, and entering a stage with `stage_values` +
`history_row` (the stage-history row, with the amount and currency the deal had then). A
refused value is a `csvtypes.invalid(field, value, rule)`: the same one line from every
command (an import prefixes it with the line number).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salescli.errors import InvalidData
from salescli.money import from_minor, to_minor
from salescli.tables import DEAL

DEAL_TYPES = ("new", "existing")


# A deal's state is the kind of its stage.
STATES = ("open", "won", "lost")


CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")


OPEN_CATEGORIES = ("pipeline", "best_case", "commit", "omitted")


# Field lengths come from the schema, once.
TITLE_MAX: int = DEAL.c.title.type.length  # type: ignore[attr-defined]


SOURCE_MAX: int = DEAL.c.source.type.length  # type: ignore[attr-defined]


NOTE_MAX: int = DEAL.c.lost_note.type.length  # type: ignore[attr-defined]


EXTERNAL_MAX: int = DEAL.c.external_id.type.length  # type: ignore[attr-defined]


def _invalid(field: str, value: Any, rule: str) -> InvalidData:
    from salescli.services.csv.types import invalid

    return invalid(field, value, rule)


def _cut(value: str) -> str:
    return value[:40] + "…"


def clean_title(title: str | None, field: str = "title") -> str:
    """Spaces collapsed; not empty; at most the schema's length."""
    value = " ".join((title or "").split())
    if not value:
        raise _invalid(field, None, "is empty (e.g. 'Acme – 50 seats')")
    if len(value) > TITLE_MAX:
        raise _invalid(field, _cut(value), f"is longer than {TITLE_MAX} characters")
    return value


def clean_text(value: str | None, field: str, limit: int) -> str | None:
    """An optional text field: spaces collapsed, blank is None, at most `limit` characters."""
    text = " ".join((value or "").split())
    if not text:
        return None
    if len(text) > limit:
        raise _invalid(field, _cut(text), f"is longer than {limit} characters")
    return text


def clean_source(source: str | None) -> str | None:
    return clean_text(source, "source", SOURCE_MAX)


def clean_note(note: str | None, field: str = "note") -> str | None:
    if note is not None and len(note.strip()) > NOTE_MAX:
        raise _invalid(field, _cut(note.strip()), f"is longer than {NOTE_MAX} characters")
    return (note or "").strip() or None


def check_type(value: str) -> str:
    if value not in DEAL_TYPES:
        raise _invalid("type", value, "is not one of new, existing (e.g. new)")
    return value


def check_probability(value: int, field: str = "probability") -> int:
    if not 0 <= value <= 100:
        raise _invalid(field, value, "must be a percentage from 0 to 100 (e.g. 30)")
    return value


def check_category(value: str, *, open_stage: bool = True, field: str = "category") -> str:
    allowed = OPEN_CATEGORIES if open_stage else CATEGORIES
    if value not in allowed:
        if value == "closed":
            raise _invalid(
                field,
                value,
                "belongs to the won stage; open stages and deals use "
                "pipeline, best_case, commit or omitted",
            )
        raise _invalid(field, value, f"is not one of {', '.join(allowed)} (e.g. commit)")
    return value


def amount_minor(amount: Decimal | None, currency: str, field: str = "amount") -> int | None:
    """Exact minor units; refuses negative amounts and more decimals than the currency has.

    Also the check of the imports (deal_io, product_io): the error names the field, so a
    bad row's reject line does too.
    """
    if amount is None:
        return None
    if amount < 0:
        raise _invalid(field, amount, "is negative (e.g. 12000)")
    minor = to_minor(amount, currency)
    if from_minor(minor, currency) != amount:
        raise _invalid(field, amount, f"has more decimal places than {currency} allows")
    return minor


def check_close_day(day: dt.date | None, kind: str, today: dt.date, field: str = "close") -> None:
    """The one rule for a closed deal's close date, for win/lose, edit and import: a won or lost
    deal closed on a day that has happened (today at the latest)."""
    if day is not None and kind != "open" and day > today:
        raise InvalidData(
            f"{field} '{day.isoformat()}' is in the future: a {kind} deal closes on the day it "
            f"happens (e.g. {today.isoformat()})"
        )


def closed_stage_values(
    stage: Any, probability: int | None, category: str | None
) -> tuple[int | None, str | None]:
    """A won or lost deal takes its stage's probability and category: a different one given
    with it is refused (import); the same one is no override."""
    if probability is not None and probability != stage.probability:
        raise _invalid(
            "probability",
            probability,
            f"does not apply to a {stage.kind} deal (always {stage.probability})",
        )
    if category is not None and category != stage.forecast_category:
        raise _invalid(
            "forecast_category",
            category,
            f"does not apply to a {stage.kind} deal (always {stage.forecast_category})",
        )
    return None, None


def stage_values(
    stage: Any,
    probability: int | None,
    category: str | None,
    at: dt.datetime | str,
    *,
    category_field: str = "category",
) -> dict[str, Any]:
    """The deal's values on entering `stage` at `at`: its current defaults unless this very
    change overrides them (checked: 0-100, an open category; a closed stage's own values)."""
    if stage.kind != "open":
        probability, category = closed_stage_values(stage, probability, category)
    if probability is not None:
        check_probability(probability)
    if category is not None:
        check_category(category, field=category_field)
    return {
        "stage_id": stage.id,
        "probability": stage.probability if probability is None else probability,
        "probability_override": probability is not None and probability != stage.probability,
        "forecast_category": stage.forecast_category if category is None else category,
        "category_override": category is not None and category != stage.forecast_category,
        "stage_entered_at": at,
    }


def history_row(
    deal_id: int,
    from_stage_id: int | None,
    values: dict[str, Any],
    actor: str,
    amount: int | None,
    currency: str,
) -> dict[str, Any]:
    """The stage-history row of entering a stage (`values` from `stage_values`)."""
    return {
        "deal_id": deal_id,
        "from_stage_id": from_stage_id,
        "to_stage_id": values["stage_id"],
        "probability": values["probability"],
        "changed_at": values["stage_entered_at"],
        "changed_by": actor,
        "amount_minor": amount,
        "currency": currency,
    }
