"""`salescli demo`: a realistic, seeded sales team in an empty database (newcomers, benchmarks).

`generate()` writes, in the caller's one transaction (all or nothing):

- reps: managers and reps in six regions (names from Faker's pt_BR, de_DE, ru_RU, tr_TR,
  zh_CN and en_US locales), each with a territory, a team and skills; the load is skewed
  (a few reps own most of the work);
- accounts with contacts; leads from several sources with tags, scores and assignment
  history, some converted into an account, a contact and a deal exactly as `lead convert`
  leaves them;
- deals over the history (lognormal amounts in the reporting currency and a second one with
  monthly rates), each with a stage history through the open stages of the pipeline, won or
  lost (with a reason) when old enough, open otherwise;
- activities (call, email, meeting, note) on leads and deals, with the last-contact and
  last-activity times they imply;
- tasks of the reps (`_tasks`): done ones over the deals' history, open ones on open deals,
  leads and accounts (overdue, due today, ahead; some repeating), from their own seeded
  stream so that the rows before them do not change;
- quarterly quotas and forecast snapshots, from what the deals became (demo_targets.py).

The static data is in demo_data.py, the bulk path (executemany, COPY) in demo_writer.py.

Everything derives from a private `random.Random(seed)`, Faker instances seeded from it and
`now` (SALESCLI_NOW), so the same seed and size give the same rows (with the same Faker
version). Rows are validated and normalised by the services' own helpers (emails, phones,
folded keys, search text, scores) and go to the database through the bulk path: executemany
of row tuples on SQLite, COPY on PostgreSQL.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, UsageError
from salescli.services import demo_targets
from salescli.services.demo_data import (
    ACCOUNT_TASKS,
    ACTIVITY_KINDS,
    ACTIVITY_WEIGHTS,
    CALL_OUTCOMES,
    DAY,
    DEAL_TASKS,
    DEAL_WORDS,
    INDUSTRIES,
    LEAD_TAGS,
    LEAD_TASKS,
    LOSE_PER_STEP,
    LOST_LEAD_REASONS,
    LOST_NOTES,
    LOST_WEIGHTS,
    MINUTES_SECONDS,
    REGIONS,
    ROUTINES,
    SECOND_CURRENCY_REGIONS,
    SEGMENTS,
    SOURCES_NAMES,
    SOURCES_WEIGHTS,
    STAGE_DWELL_DAYS,
    STUCK,
    TASK_END_OF_DAY,
    TASK_NOTES,
    TASK_PRIORITIES,
    TASK_PRIORITY_WEIGHTS,
    TEXTS,
    UNQUALIFIED_REASONS,
    WIN_AT_LAST,
    Locale,
    base36,
    pools,
)  # fmt: skip
from salescli.services.demo_writer import COLUMNS, Writer, light_table
from salescli.services.leads import dedupe_keys as lead_keys

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Size:
    reps: int
    leads: int
    deals: int
    activities: int
    days: int  # of history before now


SIZES: dict[str, Size] = {
    "small": Size(reps=10, leads=150, deals=200, activities=800, days=365),
    "medium": Size(reps=40, leads=20_000, deals=50_000, activities=100_000, days=3 * 365),
    "large": Size(reps=120, leads=200_000, deals=1_000_000, activities=2_000_000, days=3 * 365),
}

# The tables a demo refuses to mix into (stages, lost reasons and settings may be set up).
DATA_TABLES = (
    "rep",
    "account",
    "contact",
    "lead",
    "deal",
    "activity",
    "product",
    "task",
    "currencyrate",
    "importbatch",
    "quota",
    "forecastsnapshot",
)

# The most a demo makes of each (`--reps`, `--leads`...): a few times the `large` size, what the
# generator holds in memory comfortably; beyond it the command refuses (exit 2) before writing.
MAXIMA = {"reps": 1_000, "leads": 1_000_000, "deals": 2_000_000, "activities": 5_000_000}


def resolve_size(
    size: str,
    *,
    reps: int | None = None,
    leads: int | None = None,
    deals: int | None = None,
    activities: int | None = None,
) -> Size:
    """The named size with any explicit counts replacing its own; UsageError (exit 2) if bad."""
    if size not in SIZES:
        raise UsageError(f"--size '{size}' is not one of {', '.join(SIZES)} (e.g. --size small)")
    chosen = SIZES[size]
    given = {"reps": reps, "leads": leads, "deals": deals, "activities": activities}
    for name, value in given.items():
        if value is not None and value < 0:
            raise UsageError(f"--{name} '{value}' must be 0 or more (e.g. --{name} 1000)")
        if value is not None and value > MAXIMA[name]:
            raise UsageError(
                f"--{name} '{value}' is more than a demo makes (at most {MAXIMA[name]:,}) "
                f"(e.g. --{name} {MAXIMA[name] // 10})"
            )
    chosen = replace(chosen, **{k: v for k, v in given.items() if v is not None})
    if chosen.reps < 1:
        raise UsageError("--reps '0' must be at least 1: someone owns the work (e.g. --reps 10)")
    if chosen.activities and not (chosen.leads or chosen.deals):
        raise UsageError(
            "--activities needs leads or deals to log them on (e.g. --leads 100 --deals 100)"
        )
    return chosen


def existing_data(conn: Connection) -> dict[str, int]:
    """Rows already in the tables a demo would fill (empty dict: the database is empty)."""
    import sqlalchemy as sa

    found: dict[str, int] = {}
    for name in DATA_TABLES:
        table = light_table(name)
        count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if count:
            found[name] = int(count)
    return found


def refuse_if_not_empty(conn: Connection, where: str) -> None:
    found = existing_data(conn)
    if found:
        held = ", ".join(f"{table}: {count}" for table, count in found.items())
        raise InvalidData(
            f"the database {where} already holds data ({held}); salescli demo fills only an "
            "empty database (e.g. salescli --db demo.db demo)"
        )


class _Demo:
    def __init__(
        self,
        conn: Connection,
        size: Size,
        *,
        seed: int,
        now: dt.datetime,
        tz: str,
        reporting: str,
        progress: Callable[[str], None] | None,
    ) -> None:
        from zoneinfo import ZoneInfo

        from salescli.instants import storage_instant
        from salescli.services.leads import scoring as scoring

        self.conn = conn
        self.size = size
        self.rng = random.Random(seed)
        self.seed, self.tz, self.now_at = seed, tz, now
        # Tasks draw from their own stream: the rows before them stay those of earlier demos.
        self.task_rng = random.Random(f"{seed}:tasks")
        self.now = int(now.timestamp())
        self.start = self.now - size.days * DAY
        self.zone = ZoneInfo(tz)
        self.reporting = reporting
        self.second = "EUR" if reporting != "EUR" else "USD"
        self.progress = progress or (lambda _text: None)
        self.writer = Writer(conn, COLUMNS)
        self.dialect = conn.dialect.name
        self.rules = scoring.load_rules(conn)
        self.locales = pools(seed)
        self.region_weights = list(itertools.accumulate(r[-1] for r in REGIONS))
        self.counts: dict[str, int] = dict.fromkeys(
            (
                "reps",
                "managers",
                "accounts",
                "contacts",
                "leads",
                "converted_leads",
                "deals",
                "won",
                "lost",
                "open",
                "stage_changes",
                "activities",
                "currency_rates",
                "tasks",
                "open_tasks",
                "overdue_tasks",
                "tasks_due_today",
                "repeating_tasks",
            ),
            0,
        )
        self.open_leads: list[tuple[int, int, int]] = []  # (lead id, owner, created)
        self.open_deals: list[tuple[int, int, int, int, int]] = []  # id, owner, account...
        self.deal_spans = array.array("q")  # per deal: created, closed or now (flat pairs)
        self.deal_owner = array.array("l")  # per deal: owner id or 0
        self._storage = storage_instant
        self._utc = dt.UTC
        self.sqlite = self.dialect == "sqlite"
        self._hours: dict[int, str] = {}
        probe = self.now - 12_345
        expected = storage_instant(dt.datetime.fromtimestamp(probe, dt.UTC), self.dialect)
        assert self.instant(probe) == expected, "storage form of instants changed"
        self.account_contact: dict[int, int] = {}  # account id -> latest contact instant
        self._account_folds: dict[int, str] = {}

    # -- values in storage form ---------------------------------------------------------------

    def instant(self, seconds: int | None) -> Any:
        """What `storage_instant` stores for this instant (whole seconds since the epoch).

        On SQLite that is text; the hour's prefix is cached (millions of instants).
        """
        if seconds is None:
            return None
        if not self.sqlite:
            return dt.datetime.fromtimestamp(seconds, self._utc)
        hour, rest = divmod(seconds, 3600)
        prefix = self._hours.get(hour)
        if prefix is None:
            stored = self._storage(dt.datetime.fromtimestamp(hour * 3600, self._utc), "sqlite")
            prefix = self._hours[hour] = stored[:14]
        return prefix + MINUTES_SECONDS[rest]

    def day(self, seconds: int) -> Any:
        """The business date of an instant in the team's time zone."""
        day = dt.datetime.fromtimestamp(seconds, self.zone).date()
        return day.isoformat() if self.dialect == "sqlite" else day

    def region(self) -> int:
        return bisect.bisect_right(self.region_weights, self.rng.random() * self.region_weights[-1])

    # -- the phases -------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self._load_pipeline()
        self._rates()
        self.writer.drop_indexes()
        self.progress("reps")
        self._reps()
        self.progress("leads")
        conversions = self._leads()
        self.progress("accounts and contacts")
        self._accounts(conversions)
        self.progress("deals")
        self._deals(conversions)
        self.writer.flush()
        self.progress("tasks")
        self._tasks()
        self.writer.flush()
        self.progress("indexes")
        self.writer.restore_indexes()
        lead_keys.refresh_all_keys(self.conn)  # the near-identical search's keys
        self._last_contacts()
        self.writer.reset_sequences(("rep", "account", "contact", "lead", "deal", "task"))
        self.progress("quotas and forecast snapshots")
        first_day = dt.datetime.fromtimestamp(self.start, self.zone).date()
        self.counts.update(
            demo_targets.write(
                self.conn, seed=self.seed, first_day=first_day, now=self.now_at, tz=self.tz
            )
        )
        return self.counts

    def _load_pipeline(self) -> None:
        import sqlalchemy as sa

        from salescli.tables import LOSTREASON, STAGE

        stages = self.conn.execute(
            sa.select(
                STAGE.c.id, STAGE.c.probability, STAGE.c.forecast_category, STAGE.c.kind
            ).order_by(STAGE.c.position, STAGE.c.id)
        ).all()
        self.open = [tuple(s) for s in stages if s.kind == "open"]
        won = [tuple(s) for s in stages if s.kind == "won"]
        lost = [tuple(s) for s in stages if s.kind == "lost"]
        if not self.open or not won or not lost:
            raise InvalidData(
                "the pipeline needs open stages, a won and a lost stage for a demo "
                "(see: salescli deal stages list)"
            )
        self.won, self.lost = won[0], lost[0]
        reasons = self.conn.execute(
            sa.select(LOSTREASON.c.id, LOSTREASON.c.name).order_by(LOSTREASON.c.id)
        ).all()
        self.reasons = [r.id for r in reasons] or [None]
        self.reason_weights = list(
            itertools.accumulate(LOST_WEIGHTS.get(r.name, 10) for r in reasons)
        ) or [1]

    def _rates(self) -> None:
        """Monthly rates of the second currency over the history (a gentle random walk)."""
        from decimal import Decimal

        from salescli.services import currency

        base = {("EUR", "USD"): 1.08, ("USD", "EUR"): 0.93}.get((self.second, self.reporting), 1)
        first = dt.datetime.fromtimestamp(self.start, self.zone).date().replace(day=1)
        last = dt.datetime.fromtimestamp(self.now, self.zone).date()
        rate, day = float(base), first
        while day <= last:
            text = str(Decimal(str(rate)).quantize(Decimal("0.0001")))
            currency.set_rate(self.conn, self.second, text, day, self.reporting)
            self.counts["currency_rates"] += 1
            rate *= 1 + self.rng.gauss(0, 0.015)
            day = (day + dt.timedelta(days=32)).replace(day=1)

    def _reps(self) -> None:
        from salescli.services.leads.io import clean_email
        from salescli.services.reps import records as rep_rules

        rng, n = self.rng, self.size.reps
        managers = max(1, n // 5) if n >= 3 else 0
        created = self.start - 30 * DAY
        keys: set[str] = set()
        self.rep_names: dict[int, str] = {}
        self.rep_region: dict[int, int] = {}
        team_managers: dict[str, list[int]] = {}
        owners: list[int] = []
        for rep_id in range(1, n + 1):
            is_manager = rep_id <= managers
            region = (rep_id - 1) % len(REGIONS) if not is_manager else self.region()
            locale = self.locales[region]
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
                bosses = team_managers.get(team) or [
                    m for ids in team_managers.values() for m in ids
                ]
                manager = rng.choice(bosses) if bosses else None
                owners.append(rep_id)
            segment = "enterprise" if is_manager else rng.choice(SEGMENTS)
            skills = rep_rules.parse_skills([locale.language, segment])
            if rng.random() < 0.3:
                other = self.locales[self.region()].language
                skills = rep_rules.parse_skills([*skills, other])
            email = clean_email(f"{rng.choice(locale.users)}.{rep_id}@example.com")
            self.writer.add(
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
                    self.instant(created),
                ),
            )
            self.rep_names[rep_id] = name
            self.rep_region[rep_id] = region
        self.counts["reps"] = n
        self.counts["managers"] = managers
        owners = owners or list(range(1, n + 1))
        # Skewed load: weights fall with a random rank (a few reps carry most of the work).
        ranks = list(range(1, len(owners) + 1))
        rng.shuffle(ranks)
        weight = {rep: 1 / rank**0.9 for rep, rank in zip(owners, ranks, strict=True)}
        for manager in range(1, managers + 1):
            weight[manager] = 0.05
        self.by_region: list[tuple[list[int], list[float]]] = []
        everyone = list(weight)
        for region in range(len(REGIONS)):
            local = [r for r in everyone if self.rep_region[r] == region and r in owners]
            local = local or owners
            self.by_region.append((local, list(itertools.accumulate(weight[r] for r in local))))
        self.anyone = (everyone, list(itertools.accumulate(weight[r] for r in everyone)))

    def owner(self, region: int, local: float = 0.9) -> int:
        ids, cum = self.by_region[region] if self.rng.random() < local else self.anyone
        return ids[bisect.bisect_right(cum, self.rng.random() * cum[-1])]

    def phone(self, locale: Locale, number: int, salt: int) -> str:
        digits = (number * 7919 + salt) % 10_000_000
        return f"+{locale.prefix} {10 + number % 89} {digits:07d}"

    # -- leads --------------------------------------------------------------------------------

    def _lead_times(self, count: int) -> list[int]:
        rng, span = self.rng, self.now - self.start
        return sorted(self.start + int(rng.random() * span) for _ in range(count))

    def _leads(self) -> list[SimpleNamespace]:
        from salescli.services.leads import scoring as scoring
        from salescli.services.leads.io import clean_email, lead_search_text
        from salescli.text import email_key, phone_key

        rng, size = self.rng, self.size
        total = size.leads
        created = self._lead_times(total)
        # Statuses first (activities go to worked leads, conversions to older ones).
        statuses = []
        for at in created:
            age = (self.now - at) / DAY
            if age < 14:
                statuses.append("new" if rng.random() < 0.5 else "contacted")
            else:
                statuses.append(
                    rng.choices(
                        ("new", "contacted", "qualified", "nurturing", "unqualified", "lost"),
                        (8, 25, 12, 17, 24, 14),
                    )[0]
                )
        eligible = [i for i, at in enumerate(created) if self.now - at > 10 * DAY]
        converting = min(len(eligible), round(total * 0.12), size.deals // 3)
        for index in rng.sample(eligible, converting):
            statuses[index] = "converted"
        worked = [i for i, status in enumerate(statuses) if status != "new"]
        lead_activities = (
            size.activities if not size.deals else min(size.activities // 5, 4 * len(worked))
        )
        if not worked:
            lead_activities = 0
        self.deal_activities = size.activities - lead_activities
        per_lead = [0] * total
        for index in worked[:lead_activities]:
            per_lead[index] = 1
        for _ in range(lead_activities - min(lead_activities, len(worked))):
            per_lead[worked[int(rng.random() * len(worked))]] += 1

        conversions: list[SimpleNamespace] = []
        now = dt.datetime.fromtimestamp(self.now, self._utc)
        storage = self.instant
        writer = self.writer
        for index in range(total):
            lead_id = index + 1
            at = created[index]
            status = statuses[index]
            region = self.region()
            locale = self.locales[region]
            name = locale.person(rng)
            email = phone = company = title = None
            if rng.random() < 0.9:
                email = clean_email(
                    f"{rng.choice(locale.users)}.{base36(lead_id)}@{rng.choice(locale.domains)}"
                )
            if rng.random() < 0.6:
                phone = self.phone(locale, lead_id, 17)
            if status == "converted" or rng.random() < 0.7:
                company = rng.choice(locale.companies)
            if rng.random() < 0.6:
                title = rng.choice(locale.jobs)
            source = rng.choices(SOURCES_NAMES, cum_weights=SOURCES_WEIGHTS)[0]
            owner = None
            if status == "converted" or rng.random() < 0.9:
                owner = self.owner(region)
            if owner is not None and status in ("new", "contacted"):
                self.open_leads.append((lead_id, owner, at))
            converted_at = None
            end = self.now
            if status == "converted":
                converted_at = at + int(DAY * (1 + rng.random() * 9))
                converted_at = min(converted_at, self.now)
                end = converted_at
            last_contact = None
            for _ in range(per_lead[index]):
                when = at + int(rng.random() * (end - at))
                kind = rng.choices(ACTIVITY_KINDS, cum_weights=ACTIVITY_WEIGHTS)[0]
                self._activity(kind, when, owner, lead_id=lead_id)
                if last_contact is None or when > last_contact:
                    last_contact = when
            reason = None
            if status == "unqualified":
                reason = rng.choice(UNQUALIFIED_REASONS)
            elif status == "lost":
                reason = rng.choice(LOST_LEAD_REASONS)
            tags = [tag for tag, share in LEAD_TAGS if rng.random() < share]
            fields = {
                "name": name,
                "email": email,
                "phone": phone,
                "company": company,
                "title": title,
                "source": source,
                "created_at": dt.datetime.fromtimestamp(at, self._utc),
                "last_contact_at": None
                if last_contact is None
                else dt.datetime.fromtimestamp(last_contact, self._utc),
            }
            score = scoring.score_value(fields, tags, now, self.rules)
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
            for tag in tags:
                writer.add("leadtag", (lead_id, tag, tag))  # keys of LEAD_TAGS are folded
            if owner is not None:
                local = self.rep_region[owner] == region
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
        self.counts["leads"] = total
        self.counts["converted_leads"] = len(conversions)
        # In the order they happened: an account a conversion creates exists for the later
        # ones, and the deals they make merge into the deals' time order.
        conversions.sort(key=lambda conv: (conv.at, conv.lead_id))
        return conversions

    def _activity(
        self,
        kind: str,
        when: int,
        rep: int | None,
        *,
        lead_id: int | None = None,
        deal_id: int | None = None,
    ) -> None:
        rng = self.rng
        outcome = rng.choice(CALL_OUTCOMES) if kind == "call" else None
        text = rng.choice(TEXTS[kind])
        if not text and outcome is None:
            text = "Checked in"
        stored = self.instant(when)
        self.writer.add("activity", (kind, lead_id, deal_id, rep, stored, outcome, text, stored))
        self.counts["activities"] += 1

    # -- accounts and contacts ---------------------------------------------------------------

    def _accounts(self, conversions: list[SimpleNamespace]) -> None:
        from salescli.services.accounts import rules as account_rules
        from salescli.services.accounts.rules import search_text_of as account_search_text
        from salescli.services.contacts import records as contact_rules
        from salescli.services.leads.io import clean_email
        from salescli.text import email_key

        rng, writer = self.rng, self.writer
        regular = max(1, (self.size.deals - len(conversions)) // 5) if self.size.deals else 0
        keys: dict[str, int] = {}
        self.account_names: list[str] = [""]
        self.account_region: list[int] = [0]
        self.account_owner: list[int | None] = [None]
        self.account_created: list[int] = [0]
        self.account_domain: list[str] = [""]
        self.regular_accounts = regular
        for account_id in range(1, regular + 1):
            region = self.region()
            locale = self.locales[region]
            base = rng.choice(locale.companies)
            name = base
            while account_rules.name_key(name) in keys:
                name = f"{base} {rng.choice(locale.cities)}"
                if account_rules.name_key(name) in keys:
                    name = f"{name} {rng.randint(2, 99)}"
            name = account_rules.clean_name(name)
            key = account_rules.name_key(name)
            keys[key] = account_id
            owner = self.owner(region)
            created = self.start - int(rng.random() * 365 * DAY)
            domain = rng.choice(locale.domains)
            values = {
                "name": name,
                "industry": rng.choice(INDUSTRIES),
                "website": f"https://www.{domain}",
                "country": locale.country,
                "territory": locale.territory,
            }
            writer.add(
                "account",
                (
                    account_id,
                    name,
                    key,
                    values["industry"],
                    values["website"],
                    self.phone(locale, account_id, 29),
                    values["country"],
                    values["territory"],
                    max(2, int(math.exp(rng.gauss(4.5, 1.4)))),
                    owner,
                    account_search_text(values),
                    self.instant(created),
                    self.instant(created),
                ),
            )
            self._remember_account(name, region, owner, created, domain)
            writer.checkpoint()
        # Contacts of the regular accounts: ids contiguous per account.
        contact_id = 0
        self.first_contact = [0] * (regular + 1)
        self.contact_count = [0] * (regular + 1)
        for account_id in range(1, regular + 1):
            locale = self.locales[self.account_region[account_id]]
            many = 1 + (rng.random() < 0.6) + (rng.random() < 0.2)
            self.first_contact[account_id] = contact_id + 1
            self.contact_count[account_id] = many
            for _ in range(many):
                contact_id += 1
                name = locale.person(rng)
                email = clean_email(
                    f"{rng.choice(locale.users)}.c{base36(contact_id)}@"
                    f"{self.account_domain[account_id]}"
                )
                phone = self.phone(locale, contact_id, 41)
                title = rng.choice(locale.jobs)
                created = self.account_created[account_id]
                record = SimpleNamespace(name=name, email=email, title=title, phone=phone)
                writer.add(
                    "contact",
                    (
                        contact_id,
                        contact_rules.clean_name(name),
                        email,
                        email_key(email),
                        phone,
                        title,
                        account_id,
                        self.account_owner[account_id],
                        None,
                        contact_rules.search_text_of(record, self.account_names[account_id]),
                        self.instant(created),
                        self.instant(created),
                        None,
                    ),
                )
            writer.checkpoint()
        # Conversions: reuse an account of the lead's company (by name) or create it, as
        # `lead convert` does, then the contact copied from the lead.
        account_id = regular
        for conv in conversions:
            key = account_rules.name_key(account_rules.clean_name(conv.company))
            found = keys.get(key)
            if found is not None:  # regular accounts predate the history: reused by name
                conv.account_id = found
            else:
                name = account_rules.clean_name(conv.company)
                account_id += 1
                keys[key] = account_id
                writer.add(
                    "account",
                    (
                        account_id,
                        name,
                        key,
                        None,
                        None,
                        None,
                        None,
                        conv.territory,
                        None,
                        conv.owner,
                        account_search_text({"name": name, "territory": conv.territory}),
                        self.instant(conv.at),
                        self.instant(conv.at),
                    ),
                )
                self._remember_account(name, conv.region, conv.owner, conv.at, "")
                conv.account_id = account_id
            contact_id += 1
            conv.contact_id = contact_id
            record = SimpleNamespace(
                name=conv.name, email=conv.email, title=conv.title, phone=conv.phone
            )
            writer.add(
                "contact",
                (
                    contact_id,
                    contact_rules.clean_name(conv.name),
                    conv.email,
                    email_key(conv.email),
                    conv.phone,
                    conv.title,
                    conv.account_id,
                    conv.owner,
                    conv.lead_id,
                    contact_rules.search_text_of(record, self.account_names[conv.account_id]),
                    self.instant(conv.at),
                    self.instant(conv.at),
                    self.instant(conv.last_contact),
                ),
            )
            if conv.last_contact is not None:
                self._touch_account(conv.account_id, conv.last_contact)
        self.counts["accounts"] = account_id
        self.counts["contacts"] = contact_id

    def _remember_account(
        self, name: str, region: int, owner: int | None, created: int, domain: str
    ) -> None:
        self.account_names.append(name)
        self.account_region.append(region)
        self.account_owner.append(owner)
        self.account_created.append(created)
        self.account_domain.append(domain or self.locales[region].domains[0])

    def _folded_account(self, account_id: int) -> str:
        folded = self._account_folds.get(account_id)
        if folded is None:
            from salescli.text import fold

            folded = self._account_folds[account_id] = fold(self.account_names[account_id])
        return folded

    def _touch_account(self, account_id: int, when: int) -> None:
        current = self.account_contact.get(account_id)
        if current is None or when > current:
            self.account_contact[account_id] = when

    # -- deals --------------------------------------------------------------------------------

    def _deals(self, conversions: list[SimpleNamespace]) -> None:
        from salescli.money import exponent
        from salescli.services.deals.rules import clean_title
        from salescli.text import search_text

        rng, size = self.rng, self.size
        total = size.deals
        regular = total - len(conversions)
        span = self.now - self.start
        times = sorted(self.start + int(rng.random() * span) for _ in range(regular))
        merged = heapq.merge(
            ((at, -1) for at in times),
            ((conv.at, index) for index, conv in enumerate(conversions)),
        )
        per_deal = [0] * total
        spare = self.deal_activities
        if total:
            for _ in range(spare):
                per_deal[int(rng.random() * total)] += 1
        factor = {c: 10 ** exponent(c) for c in (self.reporting, self.second)}
        first_win: dict[int, int] = {}
        open_stages, won, lost = self.open, self.won, self.lost
        last_open = len(open_stages) - 1
        writer, storage = self.writer, self.instant
        for deal_id, (at, conv_index) in enumerate(merged, start=1):
            if conv_index >= 0:
                conv = conversions[conv_index]
                account, contact, owner = conv.account_id, conv.contact_id, conv.owner
                lead_id, source = conv.lead_id, conv.source
                title = f"{self.account_names[account]} – {conv.name}"
            else:
                account = 1 + int(rng.random() * self.regular_accounts)
                count = self.contact_count[account]
                contact = self.first_contact[account] + int(rng.random() * count)
                owner = self.account_owner[account]
                if owner is None or rng.random() < 0.2:
                    owner = self.owner(self.account_region[account])
                lead_id = None
                source = rng.choice(("referral", "partner", "web", None, None))
                word = rng.choice(DEAL_WORDS)
                title = f"{self.account_names[account]} – {word}"
            raw_title, title = title, clean_title(title)
            if conv_index < 0 and title == raw_title:
                # search_text(title, account) without folding the account's name once per
                # deal: each part folds alone (checked against the full fold below).
                folded = self._folded_account(account)
                text = f"{folded} – {word} | {folded}"
                if deal_id <= 500:
                    assert text == search_text(title, self.account_names[account]), title
            else:
                text = search_text(title, self.account_names[account])
            region = self.account_region[account]
            territory = REGIONS[region][1]
            currency = self.reporting
            if territory in SECOND_CURRENCY_REGIONS and rng.random() < 0.8:
                currency = self.second
            amount = min(5_000_000, max(500, 10 * round(math.exp(rng.gauss(9.4, 1.05)) / 10)))
            winner = first_win.get(account)
            deal_type = "existing" if winner is not None and winner <= at else "new"
            actor = self.rep_names.get(owner, "unknown") if owner else "unknown"
            # The stage history: enter the first open stage, move on, close when it happens.
            stuck = rng.random() < STUCK
            position, current, when = 0, open_stages[0], at
            writer.add("stagechange", (deal_id, None, current[0], current[1], storage(at), actor))
            changes = 1
            outcome = None
            while True:
                dwell = rng.expovariate(1 / (STAGE_DWELL_DAYS * (10 if stuck else 1)))
                nxt = when + int(dwell * DAY) + 3600
                if nxt > self.now:
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
                close_date = self.day(when)
                self.counts["won"] += 1
                if winner is None or when < winner:
                    first_win[account] = when
            elif outcome is lost:
                close_date = self.day(when)
                index = bisect.bisect_right(
                    self.reason_weights, rng.random() * self.reason_weights[-1]
                )
                reason_id = self.reasons[min(index, len(self.reasons) - 1)]
                note = rng.choice(LOST_NOTES)
                self.counts["lost"] += 1
            else:
                close_date = None
                if rng.random() < 0.9:
                    close_date = self.day(max(when, self.now - 20 * DAY) + rng.randint(5, 90) * DAY)
                self.counts["open"] += 1
            end = when if outcome is not None else self.now
            self.deal_spans.append(at)
            self.deal_spans.append(end)
            self.deal_owner.append(owner or 0)
            if outcome is None and owner:
                self.open_deals.append((deal_id, owner, account, contact, at))
            last_activity = None
            for _ in range(per_deal[deal_id - 1]):
                moment = at + int(rng.random() * (end - at))
                self._activity(
                    rng.choices(ACTIVITY_KINDS, cum_weights=ACTIVITY_WEIGHTS)[0], moment, owner,
                    deal_id=deal_id,
                )  # fmt: skip
                if last_activity is None or moment > last_activity:
                    last_activity = moment
            if last_activity is not None:
                self._touch_account(account, last_activity)
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
            self.counts["stage_changes"] += changes
            writer.checkpoint()
        self.counts["deals"] = total

    def _tasks(self) -> None:
        """Tasks of the reps: done ones over the history (on deals, within each deal's life)
        and open ones on open deals, open leads and their accounts, some overdue, some due
        today, some repeating (`every` 1w / 1m, personal routines and account check-ins),
        a third at a time of day, the others due at the end of their local day. About one
        task for every 12 leads and deals (large: 100,000), at least 4 per rep."""
        rng, size, writer, storage = self.task_rng, self.size, self.writer, self.instant
        if not (size.leads or size.deals):
            return
        total = max(4 * size.reps, (size.leads + size.deals) // 12)
        deals = len(self.deal_owner)
        done_count = int(total * 0.55) if deals else 0
        reps = sorted(self.rep_names)
        zone, now = self.zone, self.now
        today = dt.datetime.fromtimestamp(now, zone).date()
        end_of_today = int(dt.datetime.combine(today, TASK_END_OF_DAY, tzinfo=zone).timestamp())

        def due(day: dt.date, timed: bool) -> tuple[int, bool]:
            if timed:
                clock = dt.time(rng.randint(8, 17), rng.choice((0, 15, 30, 45)))
                return int(dt.datetime.combine(day, clock, tzinfo=zone).timestamp()), True
            return int(dt.datetime.combine(day, TASK_END_OF_DAY, tzinfo=zone).timestamp()), False

        def priority() -> str:
            return rng.choices(TASK_PRIORITIES, cum_weights=TASK_PRIORITY_WEIGHTS)[0]

        def note() -> str | None:
            return rng.choice(TASK_NOTES) if rng.random() < 0.15 else None

        task_id = 0
        spans, owners = self.deal_spans, self.deal_owner
        for _ in range(done_count):  # the history: done, on deals while they were worked
            index = int(rng.random() * deals)
            start, end = spans[2 * index], spans[2 * index + 1]
            moment = start + int(rng.random() * (end - start))
            due_at, timed = due(dt.datetime.fromtimestamp(moment, zone).date(), rng.random() < 0.35)
            created = max(start, min(moment, due_at) - int((1 + rng.random() * 9) * DAY))
            done_at = min(now, max(created + 3600, due_at + int((rng.random() * 5 - 2) * DAY)))
            owner = owners[index] or reps[int(rng.random() * len(reps))]
            task_id += 1
            writer.add(
                "task",
                (
                    task_id, rng.choice(DEAL_TASKS), storage(due_at), timed, owner, priority(),
                    None, index + 1, None, None, storage(done_at), storage(created),
                    storage(done_at), None, note(),
                ),
            )  # fmt: skip
            writer.checkpoint()
        counts = self.counts
        for _ in range(total - done_count):  # open: overdue, today, the weeks ahead
            where = rng.random()
            lead_id = deal_id = account_id = contact_id = None
            every = None
            if where < 0.6 and self.open_deals:
                deal_id, owner, account_id, contact_id, start = rng.choice(self.open_deals)
                title = rng.choice(DEAL_TASKS)
                account_id = contact_id = None
            elif where < 0.85 and self.open_leads:
                lead_id, owner, start = rng.choice(self.open_leads)
                title = rng.choice(LEAD_TASKS)
            elif where < 0.93 and self.open_deals:
                _, owner, account_id, _, start = rng.choice(self.open_deals)
                title = rng.choice(ACCOUNT_TASKS)
                if rng.random() < 0.4:
                    title, every = "Monthly check-in call", "1m"
            else:
                owner = reps[int(rng.random() * len(reps))]
                start = now - 60 * DAY
                title, every = rng.choice(ROUTINES)
            when = rng.random()
            if when < 0.25:  # overdue: due 1-21 days ago
                day = today - dt.timedelta(days=rng.randint(1, 21))
            elif when < 0.4:  # due today
                day = today
            else:
                day = today + dt.timedelta(days=rng.randint(1, 30))
            due_at, timed = due(day, rng.random() < 0.35)
            if day == today and due_at < now:  # today's tasks are still ahead of "now"
                due_at, timed = end_of_today, False
            created = max(start, min(now, due_at) - int((1 + rng.random() * 13) * DAY))
            task_id += 1
            writer.add(
                "task",
                (
                    task_id, title, storage(due_at), timed, owner, priority(), lead_id, deal_id,
                    account_id, contact_id, None, storage(created), None, every, note(),
                ),
            )  # fmt: skip
            counts["open_tasks"] += 1
            counts["overdue_tasks"] += due_at < now
            counts["tasks_due_today"] += day == today and due_at >= now
            counts["repeating_tasks"] += every is not None
            writer.checkpoint()
        counts["tasks"] = task_id

    def _last_contacts(self) -> None:
        """Accounts' last contact: the latest activity on their deals or converted leads."""
        if not self.account_contact:
            return
        import sqlalchemy as sa

        from salescli.tables import ACCOUNT

        rows = [
            {"aid": account_id, "at": self.instant(when)}
            for account_id, when in sorted(self.account_contact.items())
        ]
        statement = (
            sa.update(ACCOUNT)
            .where(ACCOUNT.c.id == sa.bindparam("aid"))
            .values(last_contact_at=sa.bindparam("at"))
        )
        self.conn.execute(statement, rows)


def generate(
    conn: Connection,
    size: Size,
    *,
    seed: int,
    now: dt.datetime,
    tz: str,
    reporting: str,
    where: str = "",
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Fill an empty database in the caller's transaction; returns what was written.

    Raises InvalidData (exit 1) when the database already holds data: nothing is written.
    """
    refuse_if_not_empty(conn, where)
    if conn.dialect.name == "sqlite":
        from sqlalchemy import text

        # A bigger page cache for index maintenance during the bulk write (this connection only).
        conn.execute(text("PRAGMA cache_size=-65536"))
    return _Demo(
        conn, size, seed=seed, now=now, tz=tz, reporting=reporting, progress=progress
    ).run()
