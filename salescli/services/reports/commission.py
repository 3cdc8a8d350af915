"""Commission: the plan (settings `commission.*`) and `report commission`, the payout per rep
for a period, line by line so that a rep can check it.

The plan: a base rate per deal type (`commission.new` for new business, `commission.existing`
for existing customers), and an optional accelerator: the won revenue above
`commission.accelerator_above` of the rep's quota (1 = 100 % attainment) earns the base rate
times `commission.accelerator`. The deals won in the period count in close-date order; the
deal that crosses the line is split in two lines (below and above it). A rep with no revenue
quota for the period (services.quotas.targets) gets no accelerator, and the report says so.
Amounts are in the reporting currency (deals in other currencies at their close date's rate);
each line's commission is rounded to the cent, and the payout is the sum of the lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, UsageError
from salescli.services import config
from salescli.tables import DEAL, REP, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings


def _rate(value: str) -> str:
    """`10%` or `0.10` → "0.10" (a fraction from 0 to 1)."""
    text = value.strip()
    try:
        number = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except ArithmeticError:
        raise InvalidData(f"rate '{value}' is not a percentage (e.g. 10% or 0.10)") from None
    if not number.is_finite() or not 0 <= number <= 1:
        raise InvalidData(f"rate '{value}' is not between 0% and 100% (e.g. 10%)")
    return str(number.normalize()) if number else "0"


def _multiplier(value: str) -> str:
    text = value.strip().lower().removesuffix("x")
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise InvalidData(f"accelerator '{value}' is not a multiplier (e.g. 1.5x)") from None
    if not number.is_finite() or not 1 <= number <= 10:
        raise InvalidData(f"accelerator '{value}' is not from 1x to 10x (e.g. 1.5x)")
    return str(number.normalize())


def _threshold(value: str) -> str:
    text = value.strip()
    try:
        number = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except ArithmeticError:
        raise InvalidData(f"threshold '{value}' is not a percentage (e.g. 100%)") from None
    if not number.is_finite() or not 0 <= number <= 10:
        raise InvalidData(f"threshold '{value}' is not from 0% to 1000% (e.g. 100%)")
    return str(number.normalize()) if number else "0"


NEW = config.declare("commission.new", "0", "commission rate on new business (10% or 0.10)", _rate)
EXISTING = config.declare(
    "commission.existing", "0", "commission rate on deals with existing customers", _rate
)
ACCELERATOR = config.declare(
    "commission.accelerator", "1", "multiplier of the rate above the threshold (1.5x)", _multiplier
)
ABOVE = config.declare(
    "commission.accelerator_above",
    "1",
    "attainment above which the accelerator applies (100%)",
    _threshold,
)


def parse_accelerator(text: str) -> tuple[str, str]:
    """`1.5x-above-100%` (or `1.5x`) → (multiplier, threshold) as stored."""
    head, sep, tail = text.strip().lower().partition("-above-")
    multiplier = _multiplier(head)
    threshold = _threshold(tail) if sep else "1"
    if not sep and "above" in text:
        raise UsageError(f"--accelerator '{text}' is not MULTx-above-PCT% (e.g. 1.5x-above-100%)")
    return multiplier, threshold


def plan(settings: Settings) -> dict[str, Any]:
    return {
        "new": Decimal(settings.get(NEW.key) or "0"),
        "existing": Decimal(settings.get(EXISTING.key) or "0"),
        "accelerator": Decimal(settings.get(ACCELERATOR.key) or "1"),
        "accelerator_above": Decimal(settings.get(ABOVE.key) or "1"),
    }


def commission(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    period: Period,
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    from salescli.services.currency import Converter, round_money
    from salescli.services.quotas.targets import preload, quota_for
    from salescli.services.reports import fraction
    from salescli.services.scope import DealScope, deal_clauses

    terms = plan(settings)
    reporting = settings.currency
    scope = DealScope(owner=rep, team=team, state="won", period=(period.start, period.end))
    query = (
        sa.select(
            DEAL.c.id,
            DEAL.c.title,
            DEAL.c.owner_id,
            REP.c.name.label("rep"),
            DEAL.c.deal_type,
            DEAL.c.amount_minor,
            DEAL.c.currency,
            DEAL.c.close_date,
        )
        .select_from(
            DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id).join(REP, REP.c.id == DEAL.c.owner_id)
        )
        .where(*deal_clauses(conn, scope, settings, settings.timezone))
        .order_by(REP.c.name, DEAL.c.owner_id, DEAL.c.close_date, DEAL.c.id)
    )
    converter = Converter(conn, reporting, today)
    known = preload(conn, "revenue", period)  # every quota of the period in one query
    reps: dict[int, dict[str, Any]] = {}
    lines: list[dict[str, Any]] = []
    for deal in conn.execute(query).all():
        person = reps.get(deal.owner_id)
        if person is None:
            quota = quota_for(conn, rep_id=deal.owner_id, period=period, preloaded=known)
            if quota is not None and quota.currency not in (None, reporting):
                raise InvalidData(
                    f"{deal.rep}'s quota for {period.label} is in {quota.currency}, not the "
                    f"reporting currency {reporting}"
                )
            line_at = quota.amount * terms["accelerator_above"] if quota is not None else None
            person = reps[deal.owner_id] = {
                "rep": deal.rep,
                "rep_id": deal.owner_id,
                "quota": quota.amount if quota is not None else None,
                "won_amount": Decimal(0),
                "commission": Decimal(0),
                "_line": line_at,
                "unknown_amount": 0,
            }
        if deal.amount_minor is None:
            person["unknown_amount"] += 1
            continue
        amount = converter.convert(deal.amount_minor, deal.currency, deal.close_date)
        kind = deal.deal_type if deal.deal_type in ("new", "existing") else "new"
        rate = terms[kind]
        before = person["won_amount"]
        after = before + amount
        parts = [(amount, rate, False)]
        line_at = person["_line"]
        if line_at is not None and terms["accelerator"] != 1 and after > line_at:
            below = max(line_at - before, Decimal(0))
            above = amount - below
            parts = [(below, rate, False)] if below else []
            parts.append((above, rate * terms["accelerator"], True))
        for part, part_rate, accelerated in parts:
            paid = round_money(part * part_rate, reporting)
            lines.append(
                {
                    "rep": deal.rep,
                    "rep_id": deal.owner_id,
                    "deal_id": deal.id,
                    "deal": deal.title,
                    "close_date": deal.close_date,
                    "type": kind,
                    "amount": round_money(part, reporting),
                    "rate": part_rate,
                    "accelerated": accelerated,
                    "commission": paid,
                }
            )
            person["commission"] += paid
        person["won_amount"] = after
    rows = []
    for person in reps.values():
        person.pop("_line")
        rows.append(
            {
                **person,
                "won_amount": round_money(person["won_amount"], reporting),
                "attainment": fraction(person["won_amount"], person["quota"]),
                "currency": reporting,
            }
        )
    return {
        "report": "commission",
        "period": period.label,
        "from": period.start,
        "to": period.last,
        "currency": reporting,
        "plan": {k: float(v) for k, v in terms.items()},
        "rows": rows,
        "lines": lines,
        "total": {
            "commission": sum((r["commission"] for r in rows), round_money(Decimal(0), reporting)),
            "won_amount": sum((r["won_amount"] for r in rows), round_money(Decimal(0), reporting)),
        },
    }
