"""Lead routing: assign leads to reps by hand or by a strategy, recording every assignment.

Strategies (`lead assign --auto --strategy ...`):
- round-robin: active reps in id order, continuing after the rep that got the last
  round-robin lead (kept in the `setting` row `routing.round_robin.last_rep_id`);
- territory: a rep whose territory equals the lead's (folded), fewest open leads first;
- skill: most lead tags among the rep's skills, then fewest open leads;
- load: fewest open leads (status not converted/lost/unqualified), then lowest rep id.
territory and skill fall back to load when no rep matches; the reason says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.services import config
from salescli.services.leads.statuses import CLOSED_STATUSES
from salescli.tables import LEAD, REP
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from salescli.services.config import Settings

LAST_RR_KEY = "routing.round_robin.last_rep_id"
STRATEGY_KEY = "routing.strategy"
ROUTING_STRATEGIES = ("round-robin", "territory", "skill", "load")


def check_strategy(value: str, field: str = "--strategy") -> str:
    """The one check of a strategy name (`--strategy`, `config set routing.strategy`): a
    usage error (exit 2) naming `field` for anything but ROUTING_STRATEGIES."""
    return config.choice(field, ROUTING_STRATEGIES, "a strategy")(value)


# The routing settings (`config get|set|list`).
config.declare(
    STRATEGY_KEY,
    "round-robin",
    "default strategy of lead assign --auto: " + ", ".join(ROUTING_STRATEGIES),
    lambda value: check_strategy(value, STRATEGY_KEY),
)
config.declare_whole(
    LAST_RR_KEY,
    None,
    "rep who got the last round-robin lead (kept by lead assign --auto)",
    1,
)


@dataclass
class _Candidate:
    id: int
    name: str
    territory: str
    skills: frozenset[str]
    open: int = 0
    matched: list[str] = field(default_factory=list)


def _row(lead: Mapping[Any, Any], rep_id: int, rep_name: str, strategy: str, reason: str) -> dict:
    return {
        "lead_id": lead["id"],
        "lead": lead["name"],
        "rep": rep_name,
        "rep_id": rep_id,
        "strategy": strategy,
        "reason": reason,
    }


def get_lead(conn: Connection, lead_id: int) -> RowMapping:
    """The lead, not forgotten; NotFound (exit 3) otherwise."""
    from salescli.services import rows

    lead = rows.get(conn, LEAD, lead_id)
    if lead is None or lead["forgotten"]:
        raise NotFound(f"lead {lead_id} not found (see: salescli lead list)")
    return lead


def _record(
    conn: Connection,
    lead: Mapping[Any, Any],
    rep_id: int,
    strategy: str,
    reason: str,
    me: str | None,
    now: dt.datetime,
) -> None:
    """Record the assignment (leads.record_assignment) and give the lead its new owner."""
    from salescli.services.leads.records import record_assignment

    record_assignment(
        conn, lead["id"], rep_id, previous_rep_id=lead["owner_id"], strategy=strategy,
        reason=reason, assigned_by=me, now=now,
    )  # fmt: skip
    conn.execute(
        sa.update(LEAD).where(LEAD.c.id == lead["id"]).values(owner_id=rep_id, updated_at=now)
    )


def assign(
    conn: Connection, lead_id: int, rep_ref: str, *, settings: Settings, now: dt.datetime
) -> dict:
    """Assign one lead to a rep (id, name or `me`) by hand (strategy "manual"); an inactive
    rep is refused."""
    from salescli.services import scope
    from salescli.services.leads import records as leads

    lead = get_lead(conn, lead_id)
    rep_id = scope.rep_id(conn, rep_ref, settings)
    rep = conn.execute(sa.select(REP.c.name, REP.c.active).where(REP.c.id == rep_id)).one()
    if not rep.active:
        raise InvalidData(
            f"rep '{rep.name}' is inactive: leads go to active reps only "
            f"(reactivate with: salescli rep activate '{rep.name}')"
        )
    if lead["owner_id"] == rep_id:
        row = _row(lead, rep_id, rep.name, "manual", "already assigned")
        row["changed"] = False
        return row
    _record(conn, lead, rep_id, "manual", "by hand", leads.actor(conn, settings), now)
    return {**_row(lead, rep_id, rep.name, "manual", "by hand"), "changed": True}


def default_strategy(conn: Connection) -> str:
    from salescli.services import config

    value = config.load(conn).values.get(STRATEGY_KEY)
    return value if value in ROUTING_STRATEGIES else "round-robin"


def _active_reps(conn: Connection) -> list[_Candidate]:
    from salescli.services.reps.records import open_leads_query

    open_leads = open_leads_query().subquery()
    query = (
        sa.select(REP.c.id, REP.c.name, REP.c.territory, REP.c.skills, open_leads.c.n)
        .outerjoin(open_leads, open_leads.c.owner_id == REP.c.id)
        .where(REP.c.active.is_(True))
        .order_by(REP.c.id)
    )
    return [
        _Candidate(
            id=rep_id,
            name=name,
            territory=fold(territory),
            skills=frozenset(fold(s) for s in (skills or "").split(",") if fold(s)),
            open=int(n or 0),
        )
        for rep_id, name, territory, skills, n in conn.execute(query)
    ]


def _least_loaded(candidates: list[_Candidate]) -> _Candidate:
    return min(candidates, key=lambda c: (c.open, c.id))


def _pick(
    strategy: str, lead: Mapping[Any, Any], tags: list[str], reps: list[_Candidate], state: dict
) -> tuple[_Candidate, str]:
    if strategy == "round-robin":
        last = state["last"]
        rep = next((r for r in reps if last is None or r.id > last), reps[0])
        state["last"] = rep.id
        return rep, "round-robin"
    if strategy == "territory":
        territory = fold(lead["territory"])
        if not territory:
            rep = _least_loaded(reps)
            return rep, "fallback load: lead has no territory"
        matches = [r for r in reps if r.territory == territory]
        if matches:
            return _least_loaded(matches), f"territory {lead['territory']}"
        rep = _least_loaded(reps)
        return rep, f"fallback load: no rep with territory {lead['territory']}"
    if strategy == "skill":
        wanted = sorted({fold(t) for t in tags if fold(t)})
        if not wanted:
            rep = _least_loaded(reps)
            return rep, "fallback load: lead has no tags"
        scored = [(len(r.skills.intersection(wanted)), r) for r in reps]
        best = max(n for n, _ in scored)
        if best:
            rep = _least_loaded([r for n, r in scored if n == best])
            return rep, "skill " + ", ".join(sorted(rep.skills.intersection(wanted)))
        rep = _least_loaded(reps)
        return rep, "fallback load: no rep with skill " + ", ".join(wanted)
    rep = _least_loaded(reps)
    return rep, f"load: {rep.open} open lead{'' if rep.open == 1 else 's'}"


def auto_assign(
    conn: Connection,
    *,
    strategy: str,
    status: str,
    me: str | None,
    now: dt.datetime,
    dry_run: bool = False,
) -> list[dict]:
    """Assign every unowned lead with `status` (a lead status) by `strategy`; with dry_run
    nothing is written."""
    from salescli.tables import LEADTAG, SETTING

    strategy = check_strategy(strategy)
    reps = _active_reps(conn)
    if not reps:
        raise InvalidData("no active reps to assign leads to (add one: salescli rep add NAME)")
    wanted = sa.and_(
        LEAD.c.owner_id.is_(None), LEAD.c.status == status, LEAD.c.forgotten.is_(False)
    )
    # FOR UPDATE (PostgreSQL): a concurrent run waits, then skips the leads this one took.
    query = sa.select(LEAD).where(wanted).order_by(LEAD.c.id)
    leads = list(conn.execute(query if dry_run else query.with_for_update()).mappings())
    tags: dict[int, list[str]] = {}
    if strategy == "skill" and leads:
        tag_query = sa.select(LEADTAG.c.lead_id, LEADTAG.c.tag).join(
            LEAD, LEAD.c.id == LEADTAG.c.lead_id
        )
        for lead_id, tag in conn.execute(tag_query.where(wanted)):
            tags.setdefault(lead_id, []).append(tag)
    setting_query = sa.select(SETTING.c.value).where(SETTING.c.key == LAST_RR_KEY)
    if not dry_run:
        setting_query = setting_query.with_for_update()
    setting = conn.execute(setting_query).scalar()
    state = {"last": int(setting) if setting and setting.isdigit() else None}
    rows = []
    for lead in leads:
        rep, reason = _pick(strategy, lead, tags.get(lead["id"], []), reps, state)
        rows.append(_row(lead, rep.id, rep.name, strategy, reason))
        if lead["status"] not in CLOSED_STATUSES:
            rep.open += 1
        if not dry_run:
            _record(conn, lead, rep.id, strategy, reason, me, now)
    if strategy == "round-robin" and rows and not dry_run:
        if setting is None:
            conn.execute(sa.insert(SETTING).values(key=LAST_RR_KEY, value=str(state["last"])))
        else:
            conn.execute(
                sa.update(SETTING)
                .where(SETTING.c.key == LAST_RR_KEY)
                .values(value=str(state["last"]))
            )
    return rows
