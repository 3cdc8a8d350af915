"""The demo's deals with their stage history through the pipeline (won, lost or open) and the
activities on them."""

from __future__ import annotations

import bisect
import heapq
import math
from types import SimpleNamespace
from typing import TYPE_CHECKING

from salescli.services import demo_activity
from salescli.services.demo_context import chooser
from salescli.services.demo_data import (
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
    from salescli.services.deals.rules import clean_title
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
    writer, storage = ctx.writer, ctx.instants()
    add_stage, add_deal = writer.appender("stagechange"), writer.appender("deal")
    add_activity, activity_kind = demo_activity.adder(ctx), demo_activity.kind_picker(ctx)
    random, choice, gauss, log = rng.random, chooser(rng), rng.gauss, math.log
    # expovariate(rate) is -log(1 - random()) / rate: the same draw, without the call.
    rates = (1 / (STAGE_DWELL_DAYS * 1), 1 / (STAGE_DWELL_DAYS * 10))
    now, day, account_names, rep_names = ctx.now, ctx.day, ctx.account_names, ctx.rep_names
    won_count = lost_count = open_count = stage_changes = 0
    for deal_id, (at, conv_index) in enumerate(merged, start=1):
        if conv_index >= 0:
            conv = conversions[conv_index]
            account, contact, owner = conv.account_id, conv.contact_id, conv.owner
            lead_id, source = conv.lead_id, conv.source
            title = f"{account_names[account]} – {conv.name}"
        else:
            account = 1 + int(random() * ctx.regular_accounts)
            count = ctx.contact_count[account]
            contact = ctx.first_contact[account] + int(random() * count)
            owner = ctx.account_owner[account]
            if owner is None or random() < 0.2:
                owner = ctx.owner(ctx.account_region[account])
            lead_id = None
            source = choice(("referral", "partner", "web", None, None))
            word = choice(DEAL_WORDS)
            title = f"{account_names[account]} – {word}"
        raw_title, title = title, clean_title(title)
        if conv_index < 0 and title == raw_title:
            # search_text(title, account) without folding the account's name once per
            # deal: each part folds alone (checked against the full fold below).
            folded = ctx.folded_account(account)
            text = f"{folded} – {word} | {folded}"
            if deal_id <= 500:
                assert text == search_text(title, account_names[account]), title
        else:
            text = search_text(title, account_names[account])
        region = ctx.account_region[account]
        territory = REGIONS[region][1]
        currency = ctx.reporting
        if territory in SECOND_CURRENCY_REGIONS and random() < 0.8:
            currency = ctx.second
        amount = min(5_000_000, max(500, 10 * round(math.exp(gauss(9.4, 1.05)) / 10)))
        winner = first_win.get(account)
        deal_type = "existing" if winner is not None and winner <= at else "new"
        actor = rep_names.get(owner, "unknown") if owner else "unknown"
        # The stage history: enter the first open stage, move on, close when it happens.
        stuck = random() < STUCK
        rate = rates[stuck]
        position, current, when = 0, open_stages[0], at
        add_stage((deal_id, None, current[0], current[1], storage(at), actor))
        changes = 1
        outcome = None
        while True:
            dwell = -log(1.0 - random()) / rate
            nxt = when + int(dwell * DAY) + 3600
            if nxt > now:
                break
            if position == last_open:
                target = won if random() < WIN_AT_LAST else lost
            elif random() < LOSE_PER_STEP:
                target = lost
            else:
                position += 1
                target = open_stages[position]
            add_stage((deal_id, current[0], target[0], target[1], storage(nxt), actor))
            changes += 1
            current, when = target, nxt
            if target is won or target is lost:
                outcome = target
                break
        reason_id = note = None
        if outcome is won:
            close_date = day(when)
            won_count += 1
            if winner is None or when < winner:
                first_win[account] = when
        elif outcome is lost:
            close_date = day(when)
            index = bisect.bisect_right(ctx.reason_weights, random() * ctx.reason_weights[-1])
            reason_id = ctx.reasons[min(index, len(ctx.reasons) - 1)]
            note = choice(LOST_NOTES)
            lost_count += 1
        else:
            close_date = None
            if random() < 0.9:
                close_date = day(max(when, now - 20 * DAY) + rng.randint(5, 90) * DAY)
            open_count += 1
        end = when if outcome is not None else now
        ctx.deal_spans.append(at)
        ctx.deal_spans.append(end)
        ctx.deal_owner.append(owner or 0)
        if outcome is None and owner:
            ctx.open_deals.append((deal_id, owner, account, contact, at))
        last_activity = None
        for _ in range(per_deal[deal_id - 1]):
            moment = at + int(random() * (end - at))
            add_activity(activity_kind(), moment, owner, None, deal_id)
            if last_activity is None or moment > last_activity:
                last_activity = moment
        if last_activity is not None:
            ctx.touch_account(account, last_activity)
        add_deal(
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
        stage_changes += changes
        writer.checkpoint()
    counts = ctx.counts
    counts["won"] += won_count
    counts["lost"] += lost_count
    counts["open"] += open_count
    counts["stage_changes"] += stage_changes
    counts["deals"] = total
