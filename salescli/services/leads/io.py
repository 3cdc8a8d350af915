"""`lead import` / `lead export` on top of the CSV engine (services/csv/engine.py).

Benchmarked path: SQLAlchemy Core over the schema (salescli.tables), one executemany per
table, lookups loaded once. Every row passes the lead rules of services.leads (lengths,
email, phone, tags, statuses and reasons), so `lead import` refuses what `lead add` refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.instants import utc
from salescli.services.csv import engine as csvio
from salescli.services.csv.common import batch_ids, load_reps, rep_id, stream
from salescli.services.csv.engine import FieldSpec, ImportContext, invalid
from salescli.services.csv.types import ImportState
from salescli.services.leads import dedupe_keys as lead_keys
from salescli.services.leads import rules as lead_rules
from salescli.services.leads import scoring as scoring
from salescli.services.leads.queries import filters, lead_select
from salescli.services.leads.rules import MAX_LENGTH, clean_email
from salescli.services.leads.statuses import STATUSES
from salescli.tables import LEAD, LEADASSIGNMENT, LEADTAG
from salescli.text import fold, fold_case, search_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

SCORE_CACHE = 50_000
# Checked by the lead rules (services.leads) in `_validate`, as `lead add/edit` check them:
# the same value gets the same refusal whichever way it comes in.
CHECKED = ("name", "email", "phone", "company", "title", "source", "territory", "status_reason")

FIELDS = (
    FieldSpec("name", required=True, aliases=("full name", "lead name", "contact name", "contact")),
    FieldSpec("email", aliases=("e-mail", "email address", "mail")),
    FieldSpec("phone", aliases=("phone number", "telephone", "tel", "mobile")),
    FieldSpec("company", aliases=("company name", "organization", "organisation", "account")),
    FieldSpec("title", aliases=("job title", "position", "role")),
    FieldSpec("source", aliases=("lead source",)),
    FieldSpec("status", "choice", choices=STATUSES, aliases=("lead status",)),
    FieldSpec("status_reason", aliases=("reason",)),
    FieldSpec("tags", "list", aliases=("tag", "segment")),
    FieldSpec("territory", aliases=("region",)),
    FieldSpec("owner", max_length=200, aliases=("lead owner", "rep", "assigned to")),
    FieldSpec(
        "external_id", max_length=MAX_LENGTH["external_id"], aliases=("external id", "ext id")
    ),
    FieldSpec("notes", multiline=True, aliases=("note", "description", "comments")),
    FieldSpec("created_at", "datetime", aliases=("created", "created date", "create date")),
    FieldSpec("last_contact_at", "datetime", aliases=("last contact", "last contacted")),
)
# Columns our own `lead export` writes that an import reads silently.
IGNORED = ("id", "owner_id", "score", "updated_at")
EXPORT_COLUMNS = (
    "id",
    "name",
    "email",
    "phone",
    "company",
    "title",
    "source",
    "status",
    "status_reason",
    "tags",
    "territory",
    "owner",
    "score",
    "external_id",
    "notes",
    "created_at",
    "updated_at",
    "last_contact_at",
)


def lead_search_text(values: dict[str, Any]) -> str:
    """text.search_text(name, email, phone, company, title), as `lead add` stores it."""
    return search_text(
        values["name"], values["email"], values["phone"], values["company"], values["title"]
    )


def _prepare(ctx: ImportContext) -> None:
    conn = ctx.conn
    assert conn is not None
    load_reps(ctx)
    ctx.state.rules = scoring.load_rules(conn)
    # Every tag keeps the spelling it was first typed with (in the database, else in the file).
    ctx.state.tag_labels = dict(
        conn.execute(
            sa.select(LEADTAG.c.tag, sa.func.min(LEADTAG.c.label)).group_by(LEADTAG.c.tag)
        ).all()
    )
    if ctx.recheck:
        return  # the existing keys are checked again by _insert, slice by slice
    emails: dict[str, str] = {}
    phones: dict[str, str] = {}
    externals: dict[str, str] = {}
    query = sa.select(LEAD.c.id, LEAD.c.email_key, LEAD.c.phone_key, LEAD.c.external_id).where(
        LEAD.c.forgotten == sa.false()
    )
    for lead_id, email_key, phone, external in conn.execute(query):
        where = f"lead {lead_id}"
        if email_key:
            emails.setdefault(email_key, where)
        if phone:
            phones.setdefault(phone, where)
        if external:
            externals.setdefault(external, where)
    ctx.state.keys = {"email": emails, "phone": phones, "external_id": externals}


def _validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    name = values["name"]
    if not name:
        raise invalid("name", None, "is required (e.g. Ana Souza)")
    for checked in CHECKED:
        value = values[checked]
        if value is not None:
            lead_rules.too_long("reason" if checked == "status_reason" else checked, value)
    email = values["email"]
    if email is not None:
        email = values["email"] = clean_email(email)
    statuses = ctx.state.statuses
    status_key = (values["status"], values["status_reason"])
    status = statuses.get(status_key)
    if status is None:
        status = statuses[status_key] = lead_rules.status_values(
            values["status"] or "new", values["status_reason"]
        )
    owner_id = rep_id(ctx, values["owner"])
    tags = []
    labels = ctx.state.tag_labels
    for tag in values["tags"] or ():
        tag_key = fold(tag)
        lead_rules.too_long("tag", tag)
        if tag_key not in tags:
            tags.append(tag_key)
            labels.setdefault(tag_key, " ".join(tag.split()))
    tags.sort()
    email_key = fold_case(email) if email else None
    phone = lead_rules.phone_key(values["phone"])
    external = values["external_id"]
    keys = ctx.state.keys
    seen = ctx.state.seen
    if seen is None:
        seen = ctx.state.seen = csvio.SeenKeys()
    line = ctx.line
    checks: tuple[tuple[str, str | None, str | None], ...] = (
        ("email", email_key, email),
        ("phone", phone, values["phone"]),
        ("external_id", external, external),
    )
    for kind, key, shown in checks:
        if key is None:
            continue
        other: str | None = keys[kind].get(key)
        if other is None:
            first = seen.get(kind, key)
            other = None if first is None else f"line {first}"
        if other is not None:
            label = "external id" if kind == "external_id" else kind
            raise InvalidData(f"duplicate of {other} ({label} {shown})")
    for kind, key in (("email", email_key), ("phone", phone), ("external_id", external)):
        if key is not None:
            seen.add(kind, key, line)
    now = ctx.now
    created = values["created_at"] or now
    row = {
        "name": name,
        "email": email,
        "email_key": email_key,
        "phone": values["phone"],
        "phone_key": phone,
        "company": values["company"],
        "title": values["title"],
        "source": values["source"],
        "status": status["status"],
        "status_reason": status["status_reason"],
        "territory": values["territory"],
        "owner_id": owner_id,
        "external_id": external,
        "notes": values["notes"],
        "search_text": lead_search_text(values),
        "forgotten": False,
        "created_at": created,
        "updated_at": now,
        "last_contact_at": values["last_contact_at"],
        "tags": tags,
    }
    row["score"] = _score(row, tags, ctx)
    return row


def _score(row: dict[str, Any], tags: list[str], ctx: ImportContext) -> int:
    """scoring.score_value is pure: rows with the same inputs share one computation."""
    key = (
        row["source"],
        row["email"] is not None,
        row["phone"] is not None,
        row["company"] is not None,
        row["title"] is not None,
        tuple(tags),
        row["created_at"],
        row["last_contact_at"],
    )
    cache = ctx.state.scores
    score = cache.get(key)
    if score is None and len(cache) >= SCORE_CACHE:
        cache.clear()  # distinct dates on every row: keep memory bounded
    if score is None:
        score = cache[key] = scoring.score_value(row, tags, ctx.now, ctx.state.rules)
    return score


# The `lead` columns an import writes, in the order `_pack` puts them (import_batch_id last).
COLUMNS = (
    "name",
    "email",
    "email_key",
    "phone",
    "phone_key",
    "company",
    "title",
    "source",
    "status",
    "status_reason",
    "territory",
    "owner_id",
    "external_id",
    "notes",
    "search_text",
    "forgotten",
    "score",
    "created_at",
    "updated_at",
    "last_contact_at",
)
_NAME, _COMPANY = COLUMNS.index("name"), COLUMNS.index("company")
_OWNER, _EMAIL_KEY, _PHONE_KEY, _EXTERNAL = (
    COLUMNS.index(name) for name in ("owner_id", "email_key", "phone_key", "external_id")
)
_INSTANTS = 50_000  # distinct instants converted and remembered at most


def _pack(row: dict[str, Any], ctx: ImportContext) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """A clean row as the write needs it, made outside the write lock: the `lead` values in
    storage form (COLUMNS order) and the tags. Compact: this is what waits on disk."""
    state = ctx.state
    stored = state.instants
    if stored is None or len(stored) >= _INSTANTS:
        now_stored = csvio.storage_instant(ctx.now, ctx.dialect)
        stored = state.instants = {None: None, ctx.now: now_stored}
        state.now_stored = now_stored

    def instant(value: Any) -> Any:
        found = stored.get(value, stored)
        if found is stored:
            found = stored[value] = csvio.storage_instant(value, ctx.dialect)
        return found

    values = (
        row["name"],
        row["email"],
        row["email_key"],
        row["phone"],
        row["phone_key"],
        row["company"],
        row["title"],
        row["source"],
        row["status"],
        row["status_reason"],
        row["territory"],
        row["owner_id"],
        row["external_id"],
        row["notes"],
        row["search_text"],
        False,
        row["score"],
        instant(row["created_at"]),
        state.now_stored,
        instant(row["last_contact_at"]),
    )
    return values, tuple(row["tags"])


def _insert(rows: list[tuple[tuple[Any, ...], tuple[str, ...]]], ctx: ImportContext) -> None:
    """Write one slice of packed rows (`_pack`), after checking their keys again."""
    conn = ctx.conn
    assert conn is not None
    batch = ctx.batch_id
    now_stored = csvio.storage_instant(ctx.now, conn.dialect.name)
    values = [row[0] for row in rows]
    _recheck_duplicates(conn, values, ctx.lines)
    csvio.bulk_insert_values(
        conn, LEAD, (*COLUMNS, "import_batch_id"), [(*v, batch) for v in values]
    )
    ids = batch_ids(conn, LEAD, batch, len(rows), "lead", after=ctx.state.last_id)
    ctx.state.last_id = ids[-1]
    # The near-duplicate index of `lead add`/`lead edit` (leads.dedupe.similar).
    lead_keys.add_keys(conn, ((i, v[_NAME], v[_COMPANY]) for i, v in zip(ids, values, strict=True)))
    labels = ctx.state.tag_labels
    tags = [(i, t, labels[t]) for i, row in zip(ids, rows, strict=True) for t in row[1]]
    if tags:
        csvio.bulk_insert_values(conn, LEADTAG, ("lead_id", "tag", "label"), tags)
    reason = f"import batch {batch}"
    who = ctx.state.assigned_by
    assignments = [
        (i, row[0][_OWNER], None, "import", reason, who, now_stored)
        for i, row in zip(ids, rows, strict=True)
        if row[0][_OWNER] is not None
    ]
    if assignments:
        keys = ("lead_id", "rep_id", "previous_rep_id", "strategy", "reason", "assigned_by")
        csvio.bulk_insert_values(conn, LEADASSIGNMENT, (*keys, "assigned_at"), assignments)


def _recheck_duplicates(conn: Connection, rows: list[tuple[Any, ...]], lines: list[int]) -> None:
    """Under the write lock: none of these rows' keys may belong to a lead that was added or
    edited after the file was validated (outside the lock). Nothing is written if one does.

    One indexed look-up per key column and slice, in plain driver SQL (the column names come
    from the fixed list below; the keys are bound parameters)."""
    sqlite = conn.dialect.name == "sqlite"
    for kind, key, index in (
        ("email", "email_key", _EMAIL_KEY),
        ("phone", "phone_key", _PHONE_KEY),
        ("external id", "external_id", _EXTERNAL),
    ):
        wanted = {row[index]: line for row, line in zip(rows, lines, strict=True) if row[index]}
        if not wanted:
            continue
        keys = list(wanted)
        if sqlite:
            marks = ",".join("?" * len(keys))
            sql = f"SELECT id, {key} FROM lead WHERE {key} IN ({marks}) AND forgotten = 0"  # noqa: S608
            params: Any = tuple(keys)
        else:
            sql = f"SELECT id, {key} FROM lead WHERE {key} = ANY(%s) AND forgotten = false"  # noqa: S608
            params = (keys,)
        found = conn.exec_driver_sql(sql, params).first()
        if found is not None:
            raise InvalidData(
                f"line {wanted[found[1]]}: duplicate of lead {found[0]} ({kind} {found[1]}), "
                "which was saved while the file was being validated; nothing imported "
                "(run the import again)"
            )


@dataclass
class LeadImportState(ImportState):
    """`lead import`: what `prepare` loads and `validate` remembers (typed, see csv.types.ImportState)."""

    rules: Any = None
    tag_labels: dict[str, str] = field(default_factory=dict)
    keys: dict[str, Any] = field(default_factory=dict)
    seen: Any = None
    last_id: int = 0
    assigned_by: str | None = None
    statuses: dict[tuple[str, str | None], Any] = field(default_factory=dict)  # checked once
    scores: dict[Any, int] = field(default_factory=dict)  # score per distinct input
    instants: dict[Any, Any] | None = None  # instants converted once to their storage form
    now_stored: Any = None


ENTITY = csvio.Entity(
    state=LeadImportState,
    name="lead",
    fields=FIELDS,
    validate=_validate,
    insert=_insert,  # type: ignore[arg-type]  # packed rows (pack=_pack)
    prepare=_prepare,
    ignored=IGNORED,
    pack=_pack,
    batched=True,
    volatile=("keys",),
)


def export(
    conn: Connection,
    *,
    status: list[str] | None = None,
    source: str | None = None,
    owner: str | None = None,
    team: str | None = None,
    settings: Settings | None = None,
) -> Iterator[dict[str, Any]]:
    """Every matching lead (not forgotten) in id order with its tags, streamed.

    `owner`: me, none, a rep id or name; `team`: a team or a manager (services.scope, via
    lead_queries.filters); an unknown rep raises NotFound here, before anything is streamed.
    """
    where = [
        LEAD.c.forgotten == sa.false(),
        *filters(conn, status=status, owner=owner, team=team, source=source, settings=settings),
    ]
    query = (
        lead_select(LEAD.c.score, LEAD.c.external_id, LEAD.c.notes)
        .where(*where)
        .order_by(LEAD.c.id)
    )
    tag_query = (
        sa.select(LEADTAG.c.lead_id, LEADTAG.c.label)
        .join(LEAD, LEAD.c.id == LEADTAG.c.lead_id)
        .where(*where)
        .order_by(LEADTAG.c.lead_id, LEADTAG.c.tag)
    )
    return _with_tags(conn, query, tag_query)


def _with_tags(conn: Connection, query: Any, tag_query: Any) -> Iterator[dict[str, Any]]:
    """Two ordered streams merged by lead id: nothing is held in memory but one lead's tags."""
    tag_rows = iter(stream(conn, tag_query))
    pending = next(tag_rows, None)
    for row in stream(conn, query):
        record = dict(row._mapping)
        tags = []
        while pending is not None and pending[0] <= record["id"]:
            if pending[0] == record["id"]:
                tags.append(pending[1])
            pending = next(tag_rows, None)
        record["tags"] = tags
        for key in ("created_at", "updated_at", "last_contact_at"):
            record[key] = utc(record[key])
        yield record
