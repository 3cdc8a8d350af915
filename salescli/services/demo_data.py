"""The demo's static data: regions and their Faker locales, pools of names, sources,
reasons, words and the shape of the pipeline it simulates, and what reps write in tasks."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from salescli.errors import InvalidData

DAY = 86_400

# (Faker locale, territory, team, language skill, country, phone prefix, weight)
REGIONS = (
    ("en_US", "North America", "Americas", "english", "United States", "1", 30),
    ("de_DE", "DACH", "EMEA", "german", "Germany", "49", 20),
    ("pt_BR", "Brazil", "Americas", "portuguese", "Brazil", "55", 14),
    ("zh_CN", "Greater China", "APAC", "chinese", "China", "86", 14),
    ("tr_TR", "Türkiye", "EMEA", "turkish", "Türkiye", "90", 11),
    ("ru_RU", "CIS", "EMEA", "russian", "Russia", "7", 11),
)
# Regions that mostly quote in the second currency (EUR, or USD when EUR is the reporting one).
SECOND_CURRENCY_REGIONS = ("DACH", "Türkiye", "CIS")
SEGMENTS = ("smb", "mid-market", "enterprise")
INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Retail",
    "Logistics",
    "Healthcare",
    "Finance",
    "Energy",
    "Education",
    "Telecom",
    "Hospitality",
    "Construction",
    "Media",
)
SOURCES: tuple[tuple[str, int], ...] = (
    ("web", 30),
    ("referral", 14),
    ("event", 14),
    ("campaign", 16),
    ("partner", 10),
    ("cold-call", 16),
)
LEAD_TAGS = (("hot", 0.10), ("enterprise", 0.08), ("price-objection", 0.05), ("webinar", 0.12))
UNQUALIFIED_REASONS = ("too small", "wrong country", "student", "no project", "duplicate contact")
LOST_LEAD_REASONS = ("went with a competitor", "no budget this year", "not reachable")
LOST_WEIGHTS = {"price": 25, "competitor": 25, "no-budget": 15, "no-decision": 15, "timing": 10}
LOST_NOTES = ("cheaper offer from a local vendor", "project postponed", "champion left", None)
DEAL_WORDS = (
    "10 seats",
    "25 seats",
    "50 seats",
    "100 seats",
    "annual licence",
    "renewal",
    "pilot",
    "upgrade",
    "support plan",
    "rollout phase 2",
    "site licence",
    "onboarding",
)
ACTIVITY_KINDS = ("call", "email", "meeting", "note")
ACTIVITY_WEIGHTS = tuple(itertools.accumulate((35, 35, 15, 15)))  # cumulative
CALL_OUTCOMES = ("connected", "left voicemail", "no answer", "call back later")
TEXTS = {
    "call": ("Discussed requirements", "Walked through pricing", "Checked the timeline", ""),
    "email": ("Sent the proposal", "Sent a case study", "Followed up on the quote"),
    "meeting": ("Demo with the team", "Kick-off with procurement", "On-site workshop"),
    "note": ("Budget confirmed", "Decision maker is the CFO", "Competitor is in the running"),
}
STAGE_DWELL_DAYS = 12.0  # mean time in an open stage
LOSE_PER_STEP = 0.22  # chance a deal is lost on leaving an open stage before the last
WIN_AT_LAST = 0.55  # chance a deal in the last open stage is won
STUCK = 0.08  # deals that stall (mean dwell 10x longer): the stale ones


# ----------------------------------------------------------------------------- names


@dataclass
class Locale:
    code: str
    territory: str
    team: str
    language: str
    country: str
    prefix: str
    male: list[tuple[str, str]]
    female: list[tuple[str, str]]
    companies: list[str]
    jobs: list[str]
    cities: list[str]
    domains: list[str]
    users: list[str]

    def person(self, rng: random.Random) -> str:
        first, last = rng.choice(self.male if rng.random() < 0.5 else self.female)
        if self.code == "zh_CN":
            return last + first  # family name first, no space
        return f"{first} {last}"


def pools(seed: int) -> list[Locale]:
    from faker import Faker

    from salescli.services.leads.io import clean_email

    pools = []
    for index, (code, territory, team, language, country, prefix, _) in enumerate(REGIONS):
        fake = Faker(code)
        fake.seed_instance(seed * 1009 + index)

        def names(first: Callable[[], str], last: Callable[[], str]) -> list[tuple[str, str]]:
            return [(first(), last()) for _ in range(150)]

        male_last = getattr(fake, "last_name_male", fake.last_name)
        female_last = getattr(fake, "last_name_female", fake.last_name)
        users, domains = [], []
        for _ in range(200):
            user, domain = fake.user_name(), fake.domain_name()
            try:  # keep only what passes the email rules of `lead add`
                clean_email(f"{user}.x1@{domain}")
            except InvalidData:
                continue
            users.append(user)
            domains.append(domain.lower())
        pools.append(
            Locale(
                code,
                territory,
                team,
                language,
                country,
                prefix,
                names(fake.first_name_male, male_last),
                names(fake.first_name_female, female_last),
                unique(fake.company() for _ in range(400)),
                unique(fake.job()[:200] for _ in range(120)),
                unique(fake.city() for _ in range(120)),
                domains,
                users,
            )
        )
    return pools


def unique(values: Any) -> list[str]:
    return list(dict.fromkeys(" ".join(v.split()) for v in values if v.strip()))


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


# ----------------------------------------------------------------------------- the generator


# Tasks: what reps write down (services/tasks: due at 23:59:59 local unless timed).
TASK_END_OF_DAY = dt.time(23, 59, 59)
TASK_PRIORITIES = ("high", "normal", "low")
TASK_PRIORITY_WEIGHTS = tuple(itertools.accumulate((15, 65, 20)))
DEAL_TASKS = (
    "Call back about pricing",
    "Send proposal",
    "Follow up on the quote",
    "Schedule a demo",
    "Confirm budget with finance",
    "Send contract for signature",
    "Book the kickoff meeting",
    "Check in after the trial",
)
LEAD_TASKS = (
    "First call",
    "Qualify: budget and timeline",
    "Send the product overview",
    "Call back",
    "Follow up after the webinar",
)
ACCOUNT_TASKS = ("Quarterly business review", "Renewal check-in", "Introduce the new contact")
ROUTINES = (
    ("Weekly pipeline review", "1w"),
    ("Update the forecast", "1w"),
    ("Clean up old leads", "1m"),
)
TASK_NOTES = (
    "asked for a discount",
    "decision maker is the CFO",
    "prefers e-mail",
    "call after 3 pm",
)

# "MM:SS.000000" for every second of an hour: the tail of an instant in SQLite's storage form.
MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}.000000" for m in range(60) for s in range(60))
SOURCES_NAMES = tuple(name for name, _ in SOURCES)
SOURCES_WEIGHTS = tuple(itertools.accumulate(weight for _, weight in SOURCES))
