"""The lead read paths that must start fast (`lead list`, `lead sources`).

SQLAlchemy Core over salescli.tables, like every service: `lead list` pays only for
SQLAlchemy Core. One query per list (tags aggregated in SQL).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.instants import utc
from salescli.services.paging import each_row, first_rows
from salescli.tables import LEAD, LEADTAG, REP
from salescli.text import fold, like_pattern

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

SORTS = ("created", "score", "last-contact", "name")
# Tags never contain a comma (lead tag splits on it), so it can separate them in one string.
TAG_SEPARATOR = ","


def lead_select(*extra: Any) -> sa.Select:
    """The lead columns `lead list` and `lead export` share (owner by name), `extra` before
    the timestamps."""
    return sa.select(
        LEAD.c.id,
        LEAD.c.name,
        LEAD.c.email,
        LEAD.c.phone,
        LEAD.c.company,
        LEAD.c.title,
        LEAD.c.source,
        LEAD.c.status,
        LEAD.c.status_reason,
        LEAD.c.territory,
        REP.c.name.label("owner"),
        *extra,
        LEAD.c.created_at,
        LEAD.c.updated_at,
        LEAD.c.last_contact_at,
    ).select_from(LEAD.outerjoin(REP, REP.c.id == LEAD.c.owner_id))


def _select() -> sa.Select:
    tags = (
        sa.select(sa.func.aggregate_strings(LEADTAG.c.label, TAG_SEPARATOR))
        .where(LEADTAG.c.lead_id == LEAD.c.id)
        .correlate(LEAD)
        .scalar_subquery()
    )
    return lead_select(LEAD.c.owner_id, LEAD.c.score, tags.label("tags"))


def row_to_record(row: Any) -> dict:
    """One lead in the JSON shape of `lead list` (also the base of `lead show`)."""
    record = dict(row._mapping)
    raw_tags = record["tags"]
    record["tags"] = sorted(raw_tags.split(TAG_SEPARATOR), key=fold) if raw_tags else []
    for key in ("created_at", "updated_at", "last_contact_at"):
        record[key] = utc(record[key])
    return record


def filters(
    conn: Connection,
    *,
    status: Sequence[str] | None = (),
    owner: str | None = None,
    team: str | None = None,
    source: str | None = None,
    settings: Settings | None = None,
) -> list[Any]:
    """The `--status`, `--owner` (me, none, id or name: services.scope), `--team` and
    `--source` conditions of list/export."""
    from salescli.services import scope

    clauses: list[Any] = []
    if status:
        clauses.append(LEAD.c.status.in_(list(status)))
    if owner is not None or team is not None:
        if settings is None:
            raise ValueError("filters: --owner/--team need the settings (for `me`)")
        if owner is not None:
            clauses.append(scope.owner_clause(conn, LEAD.c.owner_id, owner, settings))
        if team is not None:
            clauses.append(scope.team_clause(conn, LEAD.c.owner_id, team, settings))
    if source is not None:
        clauses.append(
            LEAD.c.source.is_(None) if not source.strip() else LEAD.c.source == source.strip()
        )
    return clauses


def _order(conn: Connection, sort: str) -> list[Any]:
    if sort == "score":
        return [LEAD.c.score.desc(), LEAD.c.id.desc()]
    if sort == "last-contact":
        return [LEAD.c.last_contact_at.desc().nulls_last(), LEAD.c.id.desc()]
    if sort == "name":
        # Folded names compared by code point on both backends (PostgreSQL would otherwise
        # use the database's locale); forgotten leads have no search text and go last.
        key: Any = LEAD.c.search_text
        if conn.dialect.name == "postgresql":
            key = sa.collate(key, "C")
        return [sa.case((LEAD.c.search_text == "", 1), else_=0), key, LEAD.c.id]
    return [LEAD.c.created_at.desc(), LEAD.c.id.desc()]


def list_leads(conn: Connection, *, limit: int = 100, **wanted: Any) -> tuple[list[dict], bool]:
    """Leads matching every filter given (`lead_query`'s), in the JSON shape; limit 0 = all.

    Returns (rows, whether more leads matched beyond `limit`).
    """
    rows, more = first_rows(conn, lead_query(conn, **wanted), limit)
    return [row_to_record(row) for row in rows], more


def each_lead(conn: Connection, **wanted: Any) -> Iterator[dict]:
    """Every lead matching `wanted` (`lead_query`'s filters) in the JSON shape and the list's
    order, read as it is consumed (`paging.each_row`): `lead list` with no limit."""
    return (row_to_record(row) for row in each_row(conn, lead_query(conn, **wanted)))


def lead_query(
    conn: Connection,
    *,
    status: Sequence[str] = (),
    owner: str | None = None,
    team: str | None = None,
    source: str | None = None,
    tags: Sequence[str] = (),
    territory: str | None = None,
    search: str | None = None,
    sort: str = "created",
    ids: Sequence[int] | None = None,
    settings: Settings | None = None,
) -> sa.Select:
    """The leads matching every filter given, in `sort` order (the lead list's query)."""
    query = _select()
    if ids is not None:
        query = query.where(LEAD.c.id.in_(list(ids)))
    query = query.where(
        *filters(conn, status=status, owner=owner, team=team, source=source, settings=settings)
    )
    for tag in tags:
        query = query.where(
            sa.exists().where(LEADTAG.c.lead_id == LEAD.c.id, LEADTAG.c.tag == fold(tag))
        )
    if territory is not None:
        query = query.where(LEAD.c.territory == territory.strip())
    if search:
        query = query.where(LEAD.c.search_text.like(like_pattern(search), escape="\\"))
    return query.order_by(*_order(conn, sort))


def sources(conn: Connection) -> list[dict]:
    """Leads per source, most first (a blank source is null). Spellings that differ only by
    case or accents (`Google`, `google`) are one source, shown in its most common spelling."""
    # Counted per spelling in SQL (a handful of rows), merged by folded key here: SQL cannot
    # fold case alike on both backends.
    query = sa.select(LEAD.c.source, sa.func.count()).group_by(LEAD.c.source)
    groups: dict[str | None, dict[str, Any]] = {}
    for source, n in conn.execute(query):
        key = fold(source) if source is not None else None
        group = groups.setdefault(key, {"count": 0, "spellings": []})
        group["count"] += int(n)
        group["spellings"].append((-int(n), source or ""))
    rows = [
        {"source": min(g["spellings"])[1] if key is not None else None, "count": g["count"]}
        for key, g in groups.items()
    ]
    # Ties by name in code-point order, the same on both backends; blank last.
    rows.sort(key=lambda r: (-r["count"], r["source"] is None, r["source"] or ""))
    return rows
