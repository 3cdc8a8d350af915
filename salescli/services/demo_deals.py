"""The demo's deals with their stage history through the pipeline (won, lost or open) and the
activities on them."""

from __future__ import annotations

import bisect
import heapq
import math
from types import SimpleNamespace
from typing import TYPE_CHECKING

from salescli.services import demo_activity
from salescli.services.demo_data import (
    ACTIVITY_KINDS,
    ACTIVITY_WEIGHTS,
    DAY,
    DEAL_WORDS,
    LOSE_PER_STEP,
    LOST_NOTES,
    REGIONS,
    SECOND_CURRENCY_REGIONS,
    STAGE_DWELL_DAYS,
    STUCK,
    WIN_AT_LAST,
)

if TYPE_CHECKING:
    from salescli.services.demo_context import Context


def deals(ctx: Context, conversions: list[SimpleNamespace]) -> None:
    from salescli.money import exponent
    from salescli.services.deals.records import clean_title
    from salescli.text import search_text

    rng, size = ctx.rng, ctx.size
    total = size.deals
    regular = total - len(conversions)
    span = ctx.now - ctx.start
    times = sorted(ctx.start + int(rng.random() * span) for _ in range(regular))
    merged = heapq.merge(
        ((at, -1) for at in times),
        ((conv.at, index) for index, conv in enumerate(conversions)),
    )
    per_deal = [0] * total
    spare = ctx.deal_activities
    if total:
        for _ in range(spare):
            per_deal[int(rng.random() * total)] += 1
    factor = {c: 10 ** exponent(c) for c in (ctx.reporting, ctx.second)}
    first_win: dict[int, int] = {}
    open_stages, won, lost = ctx.open, ctx.won, ctx.lost
    last_open = len(open_stages) - 1
    writer, storage = ctx.writer, ctx.instant
    for deal_id, (at, conv_index) in enumerate(merged, start=1):
        if conv_index >= 0:
            conv = conversions[conv_index]
            account, contact, owner = conv.account_id, conv.contact_id, conv.owner
            lead_id, source = conv.lead_id, conv.source
            title = f"{ctx.account_names[account]} – {conv.name}"
        else:
            account = 1 + int(rng.random() * ctx.regular_accounts)
            count = ctx.contact_count[account]
            contact = ctx.first_contact[account] + int(rng.random() * count)
            owner = ctx.account_owner[account]
            if owner is None or rng.random() < 0.2:
                owner = ctx.owner(ctx.account_region[account])
            lead_id = None
            source = rng.choice(("referral", "partner", "web", None, None))
            word = rng.choice(DEAL_WORDS)
            title = f"{ctx.account_names[account]} – {word}"
        raw_title, title = title, clean_title(title)
        if conv_index < 0 and title == raw_title:
            # search_text(title, account) without folding the account's name once per
            # deal: each part folds alone (checked against the full fold below).
            folded = ctx.folded_account(account)
            text = f"{folded} – {word} | {folded}"
            if deal_id <= 500:
                assert text == search_text(title, ctx.account_names[account]), title
        else:
            text = search_text(title, ctx.account_names[account])
        region = ctx.account_region[account]
        territory = REGIONS[region][1]
        currency = ctx.reporting
        if territory in SECOND_CURRENCY_REGIONS and rng.random() < 0.8:
            currency = ctx.second
        amount = min(5_000_000, max(500, 10 * round(math.exp(rng.gauss(9.4, 1.05)) / 10)))
        winner = first_win.get(account)
        deal_type = "existing" if winner is not None and winner <= at else "new"
        actor = ctx.rep_names.get(owner, "unknown") if owner else "unknown"
        # The stage history: enter the first open stage, move on, close when it happens.
        stuck = rng.random() < STUCK
        position, current, when = 0, open_stages[0], at
        writer.add("stagechange", (deal_id, None, current[0], current[1], storage(at), actor))
        changes = 1
        outcome = None
        while True:
            dwell = rng.expovariate(1 / (STAGE_DWELL_DAYS * (10 if stuck else 1)))
            nxt = when + int(dwell * DAY) + 3600
            if nxt > ctx.now:
                break
            if position == last_open:
                target = won if rng.random() < WIN_AT_LAST else lost
            elif rng.random() < LOSE_PER_STEP:
                target = lost
            else:
                position += 1
                target = open_stages[position]
            writer.add(
                "stagechange", (deal_id, current[0], target[0], target[1], storage(nxt), actor)
            )
            changes += 1
            current, when = target, nxt
            if target is won or target is lost:
                outcome = target
                break
        reason_id = note = None
        if outcome is won:
            close_date = ctx.day(when)
            ctx.counts["won"] += 1
            if winner is None or when < winner:
                first_win[account] = when
        elif outcome is lost:
            close_date = ctx.day(when)
            index = bisect.bisect_right(ctx.reason_weights, rng.random() * ctx.reason_weights[-1])
            reason_id = ctx.reasons[min(index, len(ctx.reasons) - 1)]
            note = rng.choice(LOST_NOTES)
            ctx.counts["lost"] += 1
        else:
            close_date = None
            if rng.random() < 0.9:
                close_date = ctx.day(max(when, ctx.now - 20 * DAY) + rng.randint(5, 90) * DAY)
            ctx.counts["open"] += 1
        end = when if outcome is not None else ctx.now
        ctx.deal_spans.append(at)
        ctx.deal_spans.append(end)
        ctx.deal_owner.append(owner or 0)
        if outcome is None and owner:
            ctx.open_deals.append((deal_id, owner, account, contact, at))
        last_activity = None
        for _ in range(per_deal[deal_id - 1]):
            moment = at + int(rng.random() * (end - at))
            demo_activity.add(ctx,
                rng.choices(ACTIVITY_KINDS, cum_weights=ACTIVITY_WEIGHTS)[0], moment, owner,
                deal_id=deal_id,
            )  # fmt: skip
            if last_activity is None or moment > last_activity:
                last_activity = moment
        if last_activity is not None:
            ctx.touch_account(account, last_activity)
        writer.add(
            "deal",
            (
                deal_id,
                title,
                account,
                contact,
                owner,
                lead_id,
                amount * factor[currency],
                currency,
                current[0],
                current[1],
                False,
                current[2],
                False,
                close_date,
                source,
                deal_type,
                reason_id,
                note,
                text,
                storage(at),
                storage(when),
                storage(when),
                storage(last_activity),
            ),
        )
        ctx.counts["stage_changes"] += changes
        writer.checkpoint()
    ctx.counts["deals"] = total
