"""The pipeline's stages and the lost-reason list: the vocabulary deals move through.

Stages are ordered by `position`; open stages come first, then the won and lost stages.
A deal keeps the probability and forecast category it got when it entered a stage, so editing
a stage's defaults here only affects later stage changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from salescli.errors import InvalidData, NotFound
from salescli.text import fold

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import LostReason, Stage

CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
OPEN_CATEGORIES = ("pipeline", "best_case", "commit", "omitted")


def clean_name(name: str, field: str = "name") -> str:
    value = " ".join(name.split())
    if not value:
        raise InvalidData(f"{field} '{name}' is empty (e.g. discovery)")
    if len(value) > 100:
        raise InvalidData(f"{field} '{value[:20]}...' is longer than 100 characters")
    return value


def check_probability(value: int) -> int:
    if not 0 <= value <= 100:
        raise InvalidData(f"probability '{value}' must be a percentage from 0 to 100 (e.g. 30)")
    return value


def check_category(value: str, *, open_stage: bool = True) -> str:
    allowed = OPEN_CATEGORIES if open_stage else CATEGORIES
    if value not in allowed:
        if value == "closed":
            raise InvalidData(
                "category 'closed' belongs to the won stage; open stages and deals use "
                "pipeline, best_case, commit or omitted"
            )
        raise InvalidData(f"category '{value}' is not one of {', '.join(allowed)} (e.g. commit)")
    return value


def check_stale_days(value: int) -> int:
    if value < 1:
        raise InvalidData(f"stale-days '{value}' must be at least 1 (e.g. 14)")
    return value


def all_stages(session: Session) -> list[Stage]:
    from sqlmodel import select

    from salescli.models import Stage

    return list(session.exec(select(Stage).order_by(Stage.position, Stage.id)).all())


def get(session: Session, name: str) -> Stage:
    """A stage by name (case-insensitive); NotFound lists the stages."""
    stages = all_stages(session)
    key = fold(name)
    for stage in stages:
        if fold(stage.name) == key:
            return stage
    names = ", ".join(s.name for s in stages)
    raise NotFound(f"stage '{name}' not found (stages: {names})")


def get_open(session: Session, name: str) -> Stage:
    stage = get(session, name)
    if stage.kind != "open":
        raise InvalidData(
            f"stage '{stage.name}' is the {stage.kind} stage: deals get there with "
            f"salescli deal {'win' if stage.kind == 'won' else 'lose'} ID"
        )
    return stage


def first_open(session: Session) -> Stage:
    for stage in all_stages(session):
        if stage.kind == "open":
            return stage
    raise InvalidData(
        "the pipeline has no open stage (add one: salescli deal stages add discovery)"
    )


def closed_stage(session: Session, kind: str) -> Stage:
    for stage in all_stages(session):
        if stage.kind == kind:
            return stage
    raise InvalidData(f"the pipeline has no {kind} stage")


def _renumber(stages: list[Stage]) -> None:
    for index, stage in enumerate(stages, start=1):
        stage.position = index


def _ordered(stages: list[Stage]) -> list[Stage]:
    """Open stages first (in their order), then won/lost."""
    return [s for s in stages if s.kind == "open"] + [s for s in stages if s.kind != "open"]


def list_stages(session: Session) -> list[dict]:
    """Every stage with its defaults and the number of open deals in it."""
    import sqlalchemy as sa

    from salescli.models import Deal

    counts = dict(
        session.execute(
            sa.select(Deal.stage_id, sa.func.count(Deal.id)).group_by(Deal.stage_id)
        ).all()
    )
    return [
        {
            **stage_record(stage),
            "open_deals": counts.get(stage.id, 0) if stage.kind == "open" else 0,
        }
        for stage in all_stages(session)
    ]


def stage_record(stage: Stage) -> dict:
    return {
        "id": stage.id,
        "name": stage.name,
        "position": stage.position,
        "probability": stage.probability,
        "forecast_category": stage.forecast_category,
        "stale_days": stage.stale_days,
        "kind": stage.kind,
    }


def _check_unique(stages: list[Stage], name: str, keep: Stage | None = None) -> None:
    for stage in stages:
        if stage is not keep and fold(stage.name) == fold(name):
            raise InvalidData(f"stage '{name}' already exists (position {stage.position})")


def add(
    session: Session,
    name: str,
    *,
    probability: int,
    category: str,
    stale_days: int = 14,
    after: str | None = None,
) -> Stage:
    """A new open stage, after `after` (default: after the last open stage)."""
    from salescli.models import Stage

    name = clean_name(name)
    check_probability(probability)
    check_category(category)
    check_stale_days(stale_days)
    stages = all_stages(session)
    _check_unique(stages, name)
    ordered = _ordered(stages)
    open_count = sum(1 for s in ordered if s.kind == "open")
    index = open_count if after is None else _after_index(session, ordered, after)
    stage = Stage(
        name=name,
        position=0,
        probability=probability,
        forecast_category=category,
        stale_days=stale_days,
        kind="open",
    )
    ordered.insert(index, stage)
    _renumber(ordered)
    session.add(stage)
    session.flush()
    return stage


def _after_index(session: Session, ordered: list[Stage], after: str) -> int:
    anchor = get(session, after)
    if anchor.kind != "open":
        raise InvalidData(
            f"stage '{anchor.name}' is the {anchor.kind} stage: open stages come before won "
            "and lost (use --after an open stage, or --first)"
        )
    return ordered.index(anchor) + 1


def edit(
    session: Session,
    name: str,
    *,
    new_name: str | None = None,
    probability: int | None = None,
    category: str | None = None,
    stale_days: int | None = None,
) -> Stage:
    """Change a stage's name or defaults; deals already in it keep their stored values."""
    stage = get(session, name)
    if stage.kind != "open" and (probability is not None or category is not None):
        raise InvalidData(
            f"stage '{stage.name}' is the {stage.kind} stage: its probability and category "
            "are fixed (you may change its name and stale days)"
        )
    if new_name is not None:
        clean = clean_name(new_name, "new name")
        _check_unique(all_stages(session), clean, keep=stage)
        stage.name = clean
    if probability is not None:
        stage.probability = check_probability(probability)
    if category is not None:
        stage.forecast_category = check_category(category)
    if stale_days is not None:
        stage.stale_days = check_stale_days(stale_days)
    session.add(stage)
    session.flush()
    return stage


def usage(session: Session, stage_id: int) -> tuple[int, int]:
    """(deals now in the stage, deals whose history passes through it)."""
    import sqlalchemy as sa

    from salescli.models import Deal, StageChange

    current = session.execute(
        sa.select(sa.func.count(Deal.id)).where(Deal.stage_id == stage_id)
    ).scalar_one()
    history = session.execute(
        sa.select(sa.func.count(sa.distinct(StageChange.deal_id))).where(
            sa.or_(StageChange.to_stage_id == stage_id, StageChange.from_stage_id == stage_id)
        )
    ).scalar_one()
    return int(current), int(history)


def remove(session: Session, name: str) -> Stage:
    """Delete an open stage that no deal is in or has ever been in."""
    stage = get(session, name)
    if stage.kind != "open":
        raise InvalidData(f"stage '{stage.name}' is the {stage.kind} stage and cannot be removed")
    current, history = usage(session, stage.id)  # type: ignore[arg-type]
    if current or history:
        raise InvalidData(
            f"stage '{stage.name}' is in use: {current} deal(s) in it now, {history} deal(s) "
            "with it in their stage history; it cannot be removed (rename it instead: "
            f"salescli deal stages edit {stage.name} --name NEW)"
        )
    session.delete(stage)
    session.flush()
    _renumber(_ordered([s for s in all_stages(session) if s.id != stage.id]))
    session.flush()
    return stage


def move(session: Session, name: str, *, after: str | None, first: bool) -> Stage:
    """Reorder an open stage: after another open stage, or first."""
    stage = get(session, name)
    if stage.kind != "open":
        raise InvalidData(f"stage '{stage.name}' is the {stage.kind} stage: it stays at the end")
    if first == (after is not None):
        raise InvalidData("say where to: --after STAGE or --first (e.g. --after qualification)")
    ordered = [s for s in _ordered(all_stages(session)) if s is not stage]
    if first:
        index = 0
    else:
        assert after is not None
        if fold(after) == fold(stage.name):
            raise InvalidData(f"stage '{stage.name}' cannot be moved after itself")
        index = _after_index(session, ordered, after)
    ordered.insert(index, stage)
    _renumber(ordered)
    session.flush()
    return stage


# ---- lost reasons -------------------------------------------------------------------------


def all_reasons(session: Session) -> list[LostReason]:
    from sqlmodel import select

    from salescli.models import LostReason

    return list(session.exec(select(LostReason).order_by(LostReason.id)).all())


def get_reason(session: Session, name: str) -> LostReason:
    """A lost reason by name (case-insensitive); an unknown one lists the valid reasons."""
    reasons = all_reasons(session)
    for reason in reasons:
        if fold(reason.name) == fold(name):
            return reason
    valid = ", ".join(r.name for r in reasons)
    raise InvalidData(f"lost reason '{name}' is not in the list (valid reasons: {valid})")


def add_reason(session: Session, name: str) -> LostReason:
    from salescli.models import LostReason

    clean = clean_name(name, "lost reason")
    for reason in all_reasons(session):
        if fold(reason.name) == fold(clean):
            raise InvalidData(f"lost reason '{clean}' already exists")
    reason = LostReason(name=clean)
    session.add(reason)
    session.flush()
    return reason


def list_reasons(session: Session) -> list[dict]:
    """Each reason with the number of deals lost for it."""
    import sqlalchemy as sa

    from salescli.models import Deal

    counts = dict(
        session.execute(
            sa.select(Deal.lost_reason_id, sa.func.count(Deal.id))
            .where(Deal.lost_reason_id.is_not(None))  # type: ignore[union-attr]
            .group_by(Deal.lost_reason_id)
        ).all()
    )
    return [
        {"id": r.id, "name": r.name, "deals": int(counts.get(r.id, 0))}
        for r in all_reasons(session)
    ]


def remove_reason(session: Session, name: str) -> LostReason:
    import sqlalchemy as sa

    from salescli.models import Deal

    try:
        reason = get_reason(session, name)
    except InvalidData as exc:
        raise NotFound(str(exc)) from None
    used = session.execute(
        sa.select(sa.func.count(Deal.id)).where(Deal.lost_reason_id == reason.id)
    ).scalar_one()
    if used:
        raise InvalidData(
            f"lost reason '{reason.name}' is used by {used} lost deal(s) and cannot be removed"
        )
    session.delete(reason)
    session.flush()
    return reason
