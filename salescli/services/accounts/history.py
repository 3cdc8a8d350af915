"""`account show`'s history: the account's contacts and deals, and one timeline of what
happened on it (its leads' conversion, deals, stage changes, activities, tasks), oldest first.
SQLAlchemy Core over a `Connection`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.tables import ACTIVITY, CONTACT, DEAL, LEAD, LOSTREASON, STAGE, STAGECHANGE, TASK

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def history(conn: Connection, account_id: int) -> dict:
    """The sections `account show` adds to the record: contacts, deals and the timeline."""
    from salescli.money import from_minor
    from salescli.services.accounts.records import rep_names

    contacts = list(
        conn.execute(
            sa.select(CONTACT).where(CONTACT.c.account_id == account_id).order_by(CONTACT.c.id)
        ).mappings()
    )
    deals = list(
        conn.execute(
            sa.select(DEAL).where(DEAL.c.account_id == account_id).order_by(DEAL.c.id)
        ).mappings()
    )
    stages = {s["id"]: s for s in conn.execute(sa.select(STAGE)).mappings()}
    names = rep_names(conn, {d["owner_id"] for d in deals})
    return {
        "contacts": [
            {
                "id": c["id"],
                "name": c["name"],
                "title": c["title"],
                "email": c["email"],
                "phone": c["phone"],
                "last_contact_at": c["last_contact_at"],
            }
            for c in contacts
        ],
        "deals": [
            {
                "id": d["id"],
                "title": d["title"],
                "stage": stages[d["stage_id"]]["name"] if d["stage_id"] in stages else None,
                "amount": from_minor(d["amount_minor"], d["currency"]),
                "currency": d["currency"],
                "close_date": d["close_date"],
                "owner": names.get(d["owner_id"]) if d["owner_id"] else None,
                "owner_id": d["owner_id"],
            }
            for d in deals
        ],
        "timeline": timeline(conn, account_id, contacts, deals, stages),
    }


# Order of simultaneous events: a conversion creates lead→contact→deal at one instant.
_RANK = {
    "lead created": 0,
    "lead converted": 1,
    "deal created": 2,
    "stage change": 3,
    "deal won": 3,
    "deal lost": 3,
    "activity": 4,
    "task created": 5,
    "task due": 6,
    "task done": 7,
}


def timeline(
    conn: Connection, account_id: int, contacts: list, deals: list, stages: dict
) -> list[dict]:
    """Leads (by conversion), deals, stage changes, activities and tasks, oldest first.

    Covers the account itself, its contacts, its deals and the leads they were converted from.
    """
    from salescli.money import format_money
    from salescli.services.accounts.records import record_ref, rep_names

    contact_ids = [c["id"] for c in contacts]
    deal_ids = [d["id"] for d in deals]
    lead_ids = sorted({x["lead_id"] for x in [*contacts, *deals] if x["lead_id"] is not None})
    items: list[tuple[dt.datetime, int, int, dict]] = []

    def add(at: dt.datetime | None, kind: str, what: str, ref: str, order: int) -> None:
        if at is not None:
            rank = _RANK.get(kind, _RANK["activity"])
            items.append((at, rank, order, {"at": at, "kind": kind, "what": what, "ref": ref}))

    def select(table: Any, where: Any, *order: Any) -> list:
        return list(conn.execute(sa.select(table).where(where).order_by(*order)).mappings())

    for lead in select(LEAD, LEAD.c.id.in_(lead_ids), LEAD.c.id):
        source = f" from {lead['source']}" if lead["source"] else ""
        ref = f"lead {lead['id']}"
        add(lead["created_at"], "lead created", f"{lead['name']}{source}", ref, lead["id"])
        add(lead["converted_at"], "lead converted", lead["name"], ref, lead["id"])

    changes = select(
        STAGECHANGE,
        STAGECHANGE.c.deal_id.in_(deal_ids),
        STAGECHANGE.c.changed_at,
        STAGECHANGE.c.id,
    )
    first_stage = {c["deal_id"]: c["to_stage_id"] for c in reversed(changes)}
    first_stage.update(
        {c["deal_id"]: c["to_stage_id"] for c in changes if c["from_stage_id"] is None}
    )
    reasons = {r.id: r.name for r in conn.execute(sa.select(LOSTREASON.c.id, LOSTREASON.c.name))}

    def stage_name(stage_id: int | None) -> str:
        return stages[stage_id]["name"] if stage_id in stages else "?"

    by_id = {d["id"]: d for d in deals}
    created = {c["deal_id"]: c for c in reversed(changes)}
    created.update({c["deal_id"]: c for c in changes if c["from_stage_id"] is None})

    def amount_then(change: Any, deal: Any) -> str:
        """The amount an event had: recorded with the change (rows of a demo or written
        before revision 0004 may lack it: then the deal's amount)."""
        if change is not None and change["currency"] is not None:
            return format_money(change["amount_minor"], change["currency"]) or "amount unknown"
        return format_money(deal["amount_minor"], deal["currency"]) or "amount unknown"

    for deal in deals:
        amount = amount_then(created.get(deal["id"]), deal)
        stage = stage_name(first_stage.get(deal["id"], deal["stage_id"]))
        what = f"{deal['title']} ({amount}, {stage})"
        add(deal["created_at"], "deal created", what, f"deal {deal['id']}", deal["id"])
    for change in changes:
        if change["from_stage_id"] is None:
            continue
        deal = by_id[change["deal_id"]]
        to = change["to_stage_id"]
        to_kind = stages[to]["kind"] if to in stages else "open"
        kind = {"won": "deal won", "lost": "deal lost"}.get(to_kind, "stage change")
        what = f"{deal['title']}: {stage_name(change['from_stage_id'])} → {stage_name(to)}"
        if kind != "stage change":
            # Won or lost at the amount the deal had then (its amount today may differ).
            detail = [amount_then(change, deal)]
            if kind == "deal lost" and deal["lost_reason_id"] in reasons:
                detail.append(f"reason: {reasons[deal['lost_reason_id']]}")
            what += f" ({', '.join(detail)})"
        add(change["changed_at"], kind, what, f"deal {deal['id']}", change["id"])

    def on_history(table: Any) -> Any:
        return sa.or_(
            table.c.account_id == account_id,
            table.c.contact_id.in_(contact_ids),
            table.c.deal_id.in_(deal_ids),
            table.c.lead_id.in_(lead_ids),
        )

    activities = select(ACTIVITY, on_history(ACTIVITY), ACTIVITY.c.id)
    names = rep_names(conn, {a["rep_id"] for a in activities})
    for act in activities:
        who = f" by {names[act['rep_id']]}" if act["rep_id"] in names else ""
        outcome = f" [{act['outcome']}]" if act["outcome"] else ""
        what = f"{act['text']}{outcome}{who}".strip()
        add(act["occurred_at"], act["kind"], what, record_ref(act), act["id"])

    for task in select(TASK, on_history(TASK), TASK.c.id):
        ref = f"task {task['id']}"
        add(task["created_at"], "task created", task["title"], ref, task["id"])
        add(task["due_at"], "task due", task["title"], ref, task["id"])
        add(task["done_at"], "task done", task["title"], ref, task["id"])
    items.sort(key=lambda item: (item[0], item[1], item[2]))
    return [item[3] for item in items]
