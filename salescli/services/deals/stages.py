"""The pipeline's stages and the lost-reason list: the vocabulary deals move through (Core).

Stages are ordered by `position`; open stages come first, then the won and lost stages.
A deal keeps the probability and forecast category it got when it entered a stage, so editing
a stage's defaults here only affects later stage changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.services import rows
from salescli.services.deals.rules import (
    CATEGORIES,
    OPEN_CATEGORIES,
    check_category,
    check_probability,
)
from salescli.tables import DEAL, LOSTREASON, STAGE, STAGECHANGE
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

__all__ = ["CATEGORIES", "OPEN_CATEGORIES", "check_category", "check_probability"]
NAME_MAX: int = STAGE.c.name.type.length  # type: ignore[attr-defined]
REASON_MAX: int = LOSTREASON.c.name.type.length  # type: ignore[attr-defined]


def clean_name(name: str, field: str = "name", limit: int = NAME_MAX) -> str:
    value = " ".join(name.split())
    if not value:
        raise InvalidData(f"{field} '{name}' is empty (e.g. discovery)")
    if len(value) > limit:
        raise InvalidData(f"{field} '{value[:20]}...' is longer than {limit} characters")
    return value


def check_stale_days(value: int) -> int:
    if value < 1:
        raise InvalidData(f"stale-days '{value}' must be at least 1 (e.g. 14)")
    return value


def all_stages(conn: Connection) -> list[RowMapping]:
    query = sa.select(STAGE).order_by(STAGE.c.position, STAGE.c.id)
    return list(conn.execute(query).mappings().all())


def get(conn: Connection, name: str) -> RowMapping:
    """A stage by name (case-insensitive); NotFound lists the stages."""
    stages = all_stages(conn)
    key = fold(name)
    for stage in stages:
        if fold(stage.name) == key:
            return stage
    names = ", ".join(s.name for s in stages)
    raise NotFound(f"stage '{name}' not found (stages: {names})")


def get_open(conn: Connection, name: str) -> RowMapping:
    stage = get(conn, name)
    if stage.kind != "open":
        raise InvalidData(
            f"stage '{stage.name}' is the {stage.kind} stage: deals get there with "
            f"salescli deal {'win' if stage.kind == 'won' else 'lose'} ID"
        )
    return stage


def first_open(conn: Connection) -> RowMapping:
    for stage in all_stages(conn):
        if stage.kind == "open":
            return stage
    raise InvalidData(
        "the pipeline has no open stage (add one: salescli deal stages add discovery)"
    )


def closed_stage(conn: Connection, kind: str) -> RowMapping:
    for stage in all_stages(conn):
        if stage.kind == kind:
            return stage
    raise InvalidData(f"the pipeline has no {kind} stage")


def _ordered(stages: list[Any]) -> list[Any]:
    """Open stages first (in their order), then won/lost."""
    return [s for s in stages if s.kind == "open"] + [s for s in stages if s.kind != "open"]


def _renumber(conn: Connection, stage_ids: list[int]) -> None:
    """Positions 1..n in this order. Unique per table only by convention: written one by one."""
    for index, stage_id in enumerate(stage_ids, start=1):
        rows.update(conn, STAGE, stage_id, {"position": index})


def list_stages(conn: Connection) -> list[dict]:
    """Every stage with its defaults and the number of open deals in it."""
    counts: dict[int, int] = dict(
        conn.execute(
            sa.select(DEAL.c.stage_id, sa.func.count(DEAL.c.id)).group_by(DEAL.c.stage_id)
        ).all()
    )
    return [
        {
            **stage_record(stage),
            "open_deals": int(counts.get(stage.id, 0)) if stage.kind == "open" else 0,
        }
        for stage in all_stages(conn)
    ]


def stage_record(stage: Any) -> dict:
    return {
        "id": stage.id,
        "name": stage.name,
        "position": stage.position,
        "probability": stage.probability,
        "forecast_category": stage.forecast_category,
        "stale_days": stage.stale_days,
        "kind": stage.kind,
    }


def _check_unique(stages: list[Any], name: str, keep: int | None = None) -> None:
    for stage in stages:
        if stage.id != keep and fold(stage.name) == fold(name):
            raise InvalidData(f"stage '{name}' already exists (position {stage.position})")


def add(
    conn: Connection,
    name: str,
    *,
    probability: int,
    category: str,
    stale_days: int = 14,
    after: str | None = None,
) -> dict:
    """A new open stage, after `after` (default: after the last open stage); its record."""
    name = clean_name(name)
    check_probability(probability)
    check_category(category)
    check_stale_days(stale_days)
    stages = all_stages(conn)
    _check_unique(stages, name)
    ordered = [s.id for s in _ordered(stages)]
    open_count = sum(1 for s in stages if s.kind == "open")
    index = open_count if after is None else _after_index(conn, ordered, after)
    new_id = rows.insert(
        conn,
        STAGE,
        {
            "name": name,
            "position": len(stages) + 1,
            "probability": probability,
            "forecast_category": category,
            "stale_days": stale_days,
            "kind": "open",
        },
    )
    ordered.insert(index, new_id)
    _renumber(conn, ordered)
    return stage_record(rows.one(conn, STAGE, new_id, "stage"))


def _after_index(conn: Connection, ordered: list[int], after: str) -> int:
    anchor = get(conn, after)
    if anchor.kind != "open":
        raise InvalidData(
            f"stage '{anchor.name}' is the {anchor.kind} stage: open stages come before won "
            "and lost (use --after an open stage, or --first)"
        )
    return ordered.index(anchor.id) + 1


def edit(
    conn: Connection,
    name: str,
    *,
    new_name: str | None = None,
    probability: int | None = None,
    category: str | None = None,
    stale_days: int | None = None,
) -> dict:
    """Change a stage's name or defaults; deals already in it keep their stored values."""
    stage = get(conn, name)
    if stage.kind != "open" and (probability is not None or category is not None):
        raise InvalidData(
            f"stage '{stage.name}' is the {stage.kind} stage: its probability and category "
            "are fixed (you may change its name and stale days)"
        )
    values: dict[str, Any] = {}
    if new_name is not None:
        clean = clean_name(new_name, "new name")
        _check_unique(all_stages(conn), clean, keep=stage.id)
        values["name"] = clean
    if probability is not None:
        values["probability"] = check_probability(probability)
    if category is not None:
        values["forecast_category"] = check_category(category)
    if stale_days is not None:
        values["stale_days"] = check_stale_days(stale_days)
    rows.update(conn, STAGE, stage.id, values)
    return stage_record(rows.one(conn, STAGE, stage.id, "stage"))


def usage(conn: Connection, stage_id: int) -> tuple[int, int]:
    """(deals now in the stage, deals whose history passes through it)."""
    current = conn.execute(
        sa.select(sa.func.count(DEAL.c.id)).where(DEAL.c.stage_id == stage_id)
    ).scalar_one()
    history = conn.execute(
        sa.select(sa.func.count(sa.distinct(STAGECHANGE.c.deal_id))).where(
            sa.or_(STAGECHANGE.c.to_stage_id == stage_id, STAGECHANGE.c.from_stage_id == stage_id)
        )
    ).scalar_one()
    return int(current), int(history)


def remove(conn: Connection, name: str) -> dict:
    """Delete an open stage that no deal is in or has ever been in; its record."""
    stage = get(conn, name)
    if stage.kind != "open":
        raise InvalidData(f"stage '{stage.name}' is the {stage.kind} stage and cannot be removed")
    current, history = usage(conn, stage.id)
    if current or history:
        raise InvalidData(
            f"stage '{stage.name}' is in use: {current} deal(s) in it now, {history} deal(s) "
            "with it in their stage history; it cannot be removed (rename it instead: "
            f"salescli deal stages edit {stage.name} --name NEW)"
        )
    removed = stage_record(stage)
    rows.delete(conn, STAGE, stage.id)
    _renumber(conn, [s.id for s in _ordered(all_stages(conn))])
    return removed


def move(conn: Connection, name: str, *, after: str | None, first: bool) -> dict:
    """Reorder an open stage: after another open stage, or first; its record."""
    stage = get(conn, name)
    if stage.kind != "open":
        raise InvalidData(f"stage '{stage.name}' is the {stage.kind} stage: it stays at the end")
    if first == (after is not None):
        raise InvalidData("say where to: --after STAGE or --first (e.g. --after qualification)")
    ordered = [s.id for s in _ordered(all_stages(conn)) if s.id != stage.id]
    if first:
        index = 0
    else:
        assert after is not None
        if fold(after) == fold(stage.name):
            raise InvalidData(f"stage '{stage.name}' cannot be moved after itself")
        index = _after_index(conn, ordered, after)
    ordered.insert(index, stage.id)
    _renumber(conn, ordered)
    return stage_record(rows.one(conn, STAGE, stage.id, "stage"))


# ---- lost reasons -------------------------------------------------------------------------


def all_reasons(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(sa.select(LOSTREASON).order_by(LOSTREASON.c.id)).mappings().all())


def get_reason(conn: Connection, name: str, field: str = "lost reason") -> Any:
    """A lost reason by name (case-insensitive); an unknown one lists the valid reasons."""
    return match_reason(all_reasons(conn), name, field)


def match_reason(reasons: list[Any], name: str, field: str = "lost reason") -> Any:
    """The one rule of a lost reason (lose, import): one of `reasons` by name, ignoring case
    and accents; else InvalidData listing the valid ones."""
    from salescli.services.csv.types import invalid

    for reason in reasons:
        if fold(reason.name) == fold(name):
            return reason
    valid = ", ".join(r.name for r in reasons)
    raise invalid(field, name, f"is not in the list (valid reasons: {valid})")


def reason_record(conn: Connection, reason: Any) -> dict:
    used = conn.execute(
        sa.select(sa.func.count(DEAL.c.id)).where(DEAL.c.lost_reason_id == reason.id)
    ).scalar_one()
    return {"id": reason.id, "name": reason.name, "deals": int(used)}


def add_reason(conn: Connection, name: str) -> dict:
    """A new lost reason; its record."""
    clean = clean_name(name, "lost reason", REASON_MAX)
    for reason in all_reasons(conn):
        if fold(reason.name) == fold(clean):
            raise InvalidData(f"lost reason '{clean}' already exists")
    new_id = rows.insert(conn, LOSTREASON, {"name": clean})
    return {"id": new_id, "name": clean, "deals": 0}


def list_reasons(conn: Connection) -> list[dict]:
    """Each reason with the number of deals lost for it."""
    counts: dict[int, int] = dict(
        conn.execute(
            sa.select(DEAL.c.lost_reason_id, sa.func.count(DEAL.c.id))
            .where(DEAL.c.lost_reason_id.is_not(None))
            .group_by(DEAL.c.lost_reason_id)
        ).all()
    )
    return [
        {"id": r.id, "name": r.name, "deals": int(counts.get(r.id, 0))} for r in all_reasons(conn)
    ]


def remove_reason(conn: Connection, name: str) -> dict:
    """Remove a reason no lost deal uses; its record."""
    try:
        reason = get_reason(conn, name)
    except InvalidData as exc:
        raise NotFound(str(exc)) from None
    found = reason_record(conn, reason)
    if found["deals"]:
        raise InvalidData(
            f"lost reason '{reason.name}' is used by {found['deals']} lost deal(s) and cannot "
            "be removed"
        )
    rows.delete(conn, LOSTREASON, reason.id)
    return found
