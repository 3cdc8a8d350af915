"""The demo's reps: managers and reps per region, their teams, territories and skills, and
the skewed weights by which the later phases pick an owner (Context.owner)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from salescli.services.demo_data import (
    DAY,
    REGIONS,
    SEGMENTS,
)

if TYPE_CHECKING:
    from salescli.services.demo_context import Context


def reps(ctx: Context) -> None:
    from salescli.services.leads.io import clean_email
    from salescli.services.reps import records as rep_rules

    rng, n = ctx.rng, ctx.size.reps
    managers = max(1, n // 5) if n >= 3 else 0
    created = ctx.start - 30 * DAY
    keys: set[str] = set()
    ctx.rep_names = {}
    ctx.rep_region = {}
    team_managers: dict[str, list[int]] = {}
    owners: list[int] = []
    for rep_id in range(1, n + 1):
        is_manager = rep_id <= managers
        region = (rep_id - 1) % len(REGIONS) if not is_manager else ctx.region()
        locale = ctx.locales[region]
        name = locale.person(rng)
        tries = 0
        while rep_rules.name_key(name) in keys:
            tries += 1  # a region's names run out past a few hundred reps: number them
            name = locale.person(rng) if tries < 50 else f"{locale.person(rng)} {tries}"
        name = rep_rules.check_name(name)
        keys.add(rep_rules.name_key(name))
        team = locale.team
        if is_manager:
            team = ("EMEA", "Americas", "APAC")[(rep_id - 1) % 3]
            team_managers.setdefault(team, []).append(rep_id)
            manager = None
        else:
            bosses = team_managers.get(team) or [m for ids in team_managers.values() for m in ids]
            manager = rng.choice(bosses) if bosses else None
            owners.append(rep_id)
        segment = "enterprise" if is_manager else rng.choice(SEGMENTS)
        skills = rep_rules.parse_skills([locale.language, segment])
        if rng.random() < 0.3:
            other = ctx.locales[ctx.region()].language
            skills = rep_rules.parse_skills([*skills, other])
        email = clean_email(f"{rng.choice(locale.users)}.{rep_id}@example.com")
        ctx.writer.add(
            "rep",
            (
                rep_id,
                name,
                rep_rules.name_key(name),
                email,
                manager,
                team,
                locale.territory,
                ",".join(skills),
                True,
                ctx.instant(created),
            ),
        )
        ctx.rep_names[rep_id] = name
        ctx.rep_region[rep_id] = region
    ctx.counts["reps"] = n
    ctx.counts["managers"] = managers
    owners = owners or list(range(1, n + 1))
    # Skewed load: weights fall with a random rank (a few reps carry most of the work).
    ranks = list(range(1, len(owners) + 1))
    rng.shuffle(ranks)
    weight = {rep: 1 / rank**0.9 for rep, rank in zip(owners, ranks, strict=True)}
    for manager in range(1, managers + 1):
        weight[manager] = 0.05
    ctx.by_region = []
    everyone = list(weight)
    for region in range(len(REGIONS)):
        local = [r for r in everyone if ctx.rep_region[r] == region and r in owners]
        local = local or owners
        ctx.by_region.append((local, list(itertools.accumulate(weight[r] for r in local))))
    ctx.anyone = (everyone, list(itertools.accumulate(weight[r] for r in everyone)))
