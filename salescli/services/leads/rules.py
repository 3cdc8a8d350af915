"""The one definition of a lead's rules (pure: no database): field lengths from the schema,
email/phone/tag normalisation, statuses and their reasons, and `new_lead` (every check of
`lead add` that needs no database). Every writer of a lead (add, edit, the status verbs,
`lead import`, convert, merge) validates through them, so that the same bad value gets the
same refusal whichever way it comes in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services.csv.types import invalid
from salescli.services.leads.statuses import REASON_REQUIRED, REASON_STATUSES, STATUSES
from salescli.tables import LEAD, LEADTAG
from salescli.text import fold

EDITABLE = ("name", "email", "phone", "company", "title", "source", "territory", "notes")


# Field lengths come from the schema, once: add, edit and import check the same numbers.
def _length(column: sa.Column[Any]) -> int:
    length = getattr(column.type, "length", None)
    assert isinstance(length, int), column
    return length


MAX_LENGTH: dict[str, int] = {
    **{f: _length(LEAD.c[f]) for f in EDITABLE if f != "notes"},
    "reason": _length(LEAD.c.status_reason),
    "external_id": _length(LEAD.c.external_id),
    "tag": _length(LEADTAG.c.label),
}


# A lead as read (RowMapping) or being built (dict): read by column name.
Record = Mapping[Any, Any]


def too_long(field: str, value: str) -> None:
    """Refuse a value longer than the schema's column for `field`."""
    limit = MAX_LENGTH.get(field)
    if limit and len(value) > limit:
        raise invalid(field, f"{value[:40]}...", f"is longer than {limit} characters")


def clean_email(value: str) -> str:
    """The normalised address (domain lower-cased); InvalidData quoting email_validator.

    The one email rule of every writer (lead add/edit/import, contacts, the demo):
    `text.normal_email`, its error worded for the field (an import names the line)."""
    from salescli.text import normal_email

    try:
        return normal_email(value)
    except ValueError as exc:
        raise invalid(
            "email", value.strip(), f"is not an email address ({exc}) (e.g. ana@example.com)"
        ) from None


def phone_key(value: str | None) -> str | None:
    """The phone's duplicate key (digits, a leading +); refuses a phone without digits."""
    from salescli.text import phone_key as key

    if value is None:
        return None
    found = key(value)
    if found is None:
        raise invalid("phone", value, "has no digits (e.g. +49 30 1234567)")
    return found


def clean_field(field: str, value: str | None) -> str | None:
    """A validated, normalised field value; blank means "none" (None)."""
    if value is None:
        return None
    if field == "notes":
        return value.strip() or None
    clean = " ".join(value.split())
    if not clean:
        return None
    too_long(field, clean)
    if field == "email":
        return clean_email(clean)
    if field == "phone":
        phone_key(clean)
    return clean


def clean_name(value: str | None) -> str:
    clean = clean_field("name", value)
    if clean is None:
        raise invalid("name", "", "is empty: a lead needs a name (e.g. 'Ana Souza')")
    return clean


def parse_tags(values: str | Iterable[str] | None) -> list[str]:
    """Tag keys from repeated options and/or comma lists: folded (text.fold), sorted, unique."""
    return sorted(parse_tag_labels(values))


def parse_tag_labels(values: str | Iterable[str] | None) -> dict[str, str]:
    """Tags as typed, by key: `"Größe, GRÖSSE"` -> `{"grosse": "Größe"}` (first spelling wins)."""
    from salescli.text import strip_controls

    if values is None:
        return {}
    if isinstance(values, str):
        values = [values]
    tags: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            label = " ".join(strip_controls(part).split())
            tag = fold(label)
            if not tag:
                continue
            too_long("tag", label)
            tags.setdefault(tag, label)
    return tags


def check_status(status: str) -> str:
    """A status a writer may set: one of STATUSES, never `converted` (only `lead convert`
    makes a converted lead: it needs its account, contact and deal)."""
    value = fold(status)
    if value not in STATUSES:
        raise invalid("status", status, f"is not a lead status (one of: {', '.join(STATUSES)})")
    if value == "converted":
        raise invalid(
            "status", status, "is set only by converting the lead (e.g. salescli lead convert 5)"
        )
    return value


def status_values(
    status: str, reason: str | None, *, current: Record | None = None
) -> dict[str, Any]:
    """The one status rule: `{"status", "status_reason"}` for moving a lead (`current`, None
    for a new one) to `status` with `reason`. A converted lead keeps its status; unqualified
    needs a reason; a reason goes only with unqualified or lost."""
    if current is not None and current["status"] == "converted":
        raise InvalidData(
            f"lead {current['id']} is converted; its status cannot change (work on its deal instead)"
        )
    value = check_status(status)
    reason = clean_field("reason", reason)
    if value in REASON_REQUIRED and reason is None:
        raise invalid(
            "reason", "", "is required to disqualify a lead (e.g. --reason 'no budget this year')"
        )
    if reason is not None and value not in REASON_STATUSES:
        raise InvalidData(f"--reason goes with unqualified or lost, not status '{value}'")
    return {"status": value, "status_reason": reason}


def derived(values: Record) -> dict[str, Any]:
    """The folded copies kept beside a lead's fields (duplicate keys, search text)."""
    from salescli.text import email_key, search_text
    from salescli.text import phone_key as key

    return {
        "email_key": email_key(values.get("email")),
        "phone_key": key(values.get("phone")),
        "search_text": search_text(
            values.get("name"),
            values.get("email"),
            values.get("phone"),
            values.get("company"),
            values.get("title"),
        ),
    }


def check_changeable(lead: Record) -> None:
    """Refuse to change a forgotten lead."""
    forgotten, lead_id = lead["forgotten"], lead["id"]
    if forgotten:
        raise InvalidData(f"lead {lead_id} was forgotten (lead forget); it cannot be changed")


def new_lead(
    name: str,
    *,
    now: dt.datetime,
    fields: dict[str, str | None] | None = None,
    status: str = "new",
    reason: str | None = None,
    tags: str | Iterable[str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The validated values of a new lead and its tags (folded tag -> spelling as typed):
    every check of `add` that needs no database.

    `lead add` calls it before opening the write transaction, so that validation (and the
    modules it imports) never runs while the database is locked for other writers.
    """
    unknown = set(fields or {}) - set(EDITABLE)
    if unknown:
        raise InvalidData(f"unknown lead field(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {key: None for key in EDITABLE}
    values.update({key: clean_field(key, value) for key, value in (fields or {}).items()})
    values["name"] = clean_name(name)
    values.update(status_values(status, reason))
    values.update(derived(values))
    values.update(created_at=now, updated_at=now, forgotten=False, score=0)
    return values, parse_tag_labels(tags)
