"""The demo's leads: statuses, contact details, sources, tags, scores, assignment history and
their activities; the ones to convert are handed to demo_accounts."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import TYPE_CHECKING

from salescli.services import demo_activity
from salescli.services.demo_context import chooser
from salescli.services.demo_data import (
    DAY,
    LEAD_TAGS,
    LOST_LEAD_REASONS,
    SOURCES_NAMES,
    SOURCES_WEIGHTS,
    UNQUALIFIED_REASONS,
    base36,
)

if TYPE_CHECKING:
    from salescli.services.demo_context import Context


def lead_times(ctx: Context, count: int) -> list[int]:
    rng, span = ctx.rng, ctx.now - ctx.start
    return sorted(ctx.start + int(rng.random() * span) for _ in range(count))


def leads(ctx: Context) -> list[SimpleNamespace]:
    from salescli.services.leads import scoring as scoring
    from salescli.services.leads.dedupe_keys import segment_keys
    from salescli.services.leads.io import clean_email, lead_search_text
    from salescli.text import email_key, phone_key

    rng, size = ctx.rng, ctx.size
    choice = chooser(rng)  # rng.choice, the same draws
    total = size.leads
    created = lead_times(ctx, total)
    # Statuses first (activities go to worked leads, conversions to older ones).
    statuses = []
    for at in created:
        age = (ctx.now - at) / DAY
        if age < 14:
            statuses.append("new" if rng.random() < 0.5 else "contacted")
        else:
            statuses.append(
                rng.choices(
                    ("new", "contacted", "qualified", "nurturing", "unqualified", "lost"),
                    (8, 25, 12, 17, 24, 14),
                )[0]
            )
    eligible = [i for i, at in enumerate(created) if ctx.now - at > 10 * DAY]
    converting = min(len(eligible), round(total * 0.12), size.deals // 3)
    for index in rng.sample(eligible, converting):
        statuses[index] = "converted"
    worked = [i for i, status in enumerate(statuses) if status != "new"]
    lead_activities = (
        size.activities if not size.deals else min(size.activities // 5, 4 * len(worked))
    )
    if not worked:
        lead_activities = 0
    ctx.deal_activities = size.activities - lead_activities
    per_lead = [0] * total
    for index in worked[:lead_activities]:
        per_lead[index] = 1
    for _ in range(lead_activities - min(lead_activities, len(worked))):
        per_lead[worked[int(rng.random() * len(worked))]] += 1

    conversions: list[SimpleNamespace] = []
    now = dt.datetime.fromtimestamp(ctx.now, ctx._utc)
    storage = ctx.instants()
    writer = ctx.writer
    add_activity, activity_kind = demo_activity.adder(ctx), demo_activity.kind_picker(ctx)
    for index in range(total):
        lead_id = index + 1
        at = created[index]
        status = statuses[index]
        region = ctx.region()
        locale = ctx.locales[region]
        name = locale.person(rng)
        email = phone = company = title = None
        if rng.random() < 0.9:
            email = clean_email(
                f"{choice(locale.users)}.{base36(lead_id)}@{choice(locale.domains)}"
            )
        if rng.random() < 0.6:
            phone = ctx.phone(locale, lead_id, 17)
        if status == "converted" or rng.random() < 0.7:
            company = choice(locale.companies)
        if rng.random() < 0.6:
            title = choice(locale.jobs)
        source = rng.choices(SOURCES_NAMES, cum_weights=SOURCES_WEIGHTS)[0]
        owner = None
        if status == "converted" or rng.random() < 0.9:
            owner = ctx.owner(region)
        if owner is not None and status in ("new", "contacted"):
            ctx.open_leads.append((lead_id, owner, at))
        converted_at = None
        end = ctx.now
        if status == "converted":
            converted_at = at + int(DAY * (1 + rng.random() * 9))
            converted_at = min(converted_at, ctx.now)
            end = converted_at
        last_contact = None
        for _ in range(per_lead[index]):
            when = at + int(rng.random() * (end - at))
            add_activity(activity_kind(), when, owner, lead_id, None)
            if last_contact is None or when > last_contact:
                last_contact = when
        reason = None
        if status == "unqualified":
            reason = choice(UNQUALIFIED_REASONS)
        elif status == "lost":
            reason = choice(LOST_LEAD_REASONS)
        tags = [tag for tag, share in LEAD_TAGS if rng.random() < share]
        fields = {
            "name": name,
            "email": email,
            "phone": phone,
            "company": company,
            "title": title,
            "source": source,
            "created_at": dt.datetime.fromtimestamp(at, ctx._utc),
            "last_contact_at": None
            if last_contact is None
            else dt.datetime.fromtimestamp(last_contact, ctx._utc),
        }
        score = scoring.score_value(fields, tags, now, ctx.rules)
        territory = locale.territory
        updated = max(x for x in (at, last_contact, converted_at) if x is not None)
        writer.add(
            "lead",
            (
                lead_id,
                name,
                email,
                email_key(email),
                phone,
                phone_key(phone),
                company,
                title,
                source,
                status,
                reason,
                territory,
                owner,
                score,
                lead_search_text(fields),
                False,
                storage(at),
                storage(updated),
                storage(last_contact),
                storage(converted_at),
            ),
        )
        # The near-identical search's keys, as `dedupe.add_keys` writes them (lead id order).
        for key in segment_keys(name, company):
            writer.add("leadkey", (lead_id, key))
        for tag in tags:
            writer.add("leadtag", (lead_id, tag, tag))  # keys of LEAD_TAGS are folded
        if owner is not None:
            local = ctx.rep_region[owner] == region
            writer.add(
                "leadassignment",
                (
                    lead_id,
                    owner,
                    None,
                    "territory" if local else "manual",
                    f"territory {territory}" if local else "lead add --owner",
                    None,
                    storage(at),
                ),
            )
        writer.checkpoint()
        if status == "converted":
            conversions.append(
                SimpleNamespace(
                    lead_id=lead_id,
                    at=converted_at,
                    name=name,
                    email=email,
                    phone=phone,
                    title=title,
                    company=company,
                    territory=territory,
                    region=region,
                    source=source,
                    owner=owner,
                    last_contact=last_contact,
                )
            )
    ctx.counts["leads"] = total
    ctx.counts["converted_leads"] = len(conversions)
    # In the order they happened: an account a conversion creates exists for the later
    # ones, and the deals they make merge into the deals' time order.
    conversions.sort(key=lambda conv: (conv.at, conv.lead_id))
    return conversions
