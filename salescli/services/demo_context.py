"""The demo generator's shared state: the seeded streams, the writer, the pipeline, the
values in storage form and what each phase leaves for the next (reps, accounts, deals).

The phases (demo_people, demo_leads, demo_accounts, demo_deals, demo_activity, demo_tasks)
each take a `Context` and draw from its streams in a fixed order: the same seed gives the
same rows. demo.py runs them in order (`generate()`).
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData
from salescli.services.demo_data import (
    DAY,
    LOST_WEIGHTS,
    MINUTES_SECONDS,
    REGIONS,
    Locale,
    pools,
)  # fmt: skip
from salescli.services.demo_writer import COLUMNS, Writer

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Size:
    """How much a demo makes (`demo.SIZES`, or the counts given on the command line)."""

    reps: int
    leads: int
    deals: int
    activities: int
    days: int  # of history before now


COUNTS = (
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
)

Stage = tuple[Any, ...]  # (id, probability, forecast category, kind)


def chooser(rng: random.Random) -> Callable[[Sequence[Any]], Any]:
    """`rng.choice` for the hot loops, one call instead of three: the same draws (CPython's
    `_randbelow`: `getrandbits` of the length's bit count until below the length), checked
    against `rng.choice` on a copy of the stream (`rng.choice` itself if they ever differ)."""
    getrandbits = rng.getrandbits

    def choice(seq: Sequence[Any]) -> Any:
        n = len(seq)
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]

    state = rng.getstate()
    sizes = [n for n in range(1, 70) for _ in range(3)]
    mine = [choice(range(n)) for n in sizes]
    rng.setstate(state)
    theirs = [rng.choice(range(n)) for n in sizes]
    rng.setstate(state)
    return choice if mine == theirs else rng.choice


class Context:
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
        self.counts: dict[str, int] = dict.fromkeys(COUNTS, 0)
        # The pipeline (load_pipeline).
        self.open: list[Stage] = []
        self.won: Stage = ()
        self.lost: Stage = ()
        self.reasons: list[int | None] = [None]
        self.reason_weights: list[int] = [1]
        # Reps (demo_people): names, regions and who owns work where (weights of the skew).
        self.rep_names: dict[int, str] = {}
        self.rep_region: dict[int, int] = {}
        self.by_region: list[tuple[list[int], list[float]]] = []
        self.anyone: tuple[list[int], list[float]] = ([], [])
        # Leads (demo_leads): activities left for the deals.
        self.deal_activities = 0
        self.open_leads: list[tuple[int, int, int]] = []  # (lead id, owner, created)
        # Accounts and contacts (demo_accounts), indexed by account id (0 unused).
        self.account_names: list[str] = [""]
        self.account_region: list[int] = [0]
        self.account_owner: list[int | None] = [None]
        self.account_created: list[int] = [0]
        self.account_domain: list[str] = [""]
        self.regular_accounts = 0
        self.first_contact: list[int] = []
        self.contact_count: list[int] = []
        self.account_contact: dict[int, int] = {}  # account id -> latest contact instant
        self._account_folds: dict[int, str] = {}
        # Deals (demo_deals), for the tasks.
        self.open_deals: list[tuple[int, int, int, int, int]] = []  # id, owner, account...
        self.deal_spans = array.array("q")  # per deal: created, closed or now (flat pairs)
        self.deal_owner = array.array("l")  # per deal: owner id or 0
        self._storage = storage_instant
        self._utc = dt.UTC
        self.sqlite = self.dialect == "sqlite"
        self._hours: dict[int, str] = {}
        self._days: dict[int, Any] = {}
        probe = self.now - 12_345
        expected = storage_instant(dt.datetime.fromtimestamp(probe, dt.UTC), self.dialect)
        assert self.instant(probe) == expected, "storage form of instants changed"

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

    def instants(self) -> Callable[[int | None], Any]:
        """`instant` as a closure over its cache, for the hot loops (same values)."""
        if not self.sqlite:
            return self.instant
        hours, tails, instant = self._hours, MINUTES_SECONDS, self.instant

        def stored(seconds: int | None) -> Any:
            if seconds is None:
                return None
            prefix = hours.get(seconds // 3600)
            if prefix is None:
                return instant(seconds)  # fills the hour's prefix
            return prefix + tails[seconds % 3600]

        return stored

    def day(self, seconds: int) -> Any:
        """The business date of an instant in the team's time zone (cached per hour when the
        whole hour falls on one date: always with whole-hour offsets)."""
        hour = seconds // 3600
        found = self._days.get(hour)
        if found is None:
            zone, start = self.zone, hour * 3600
            day = dt.datetime.fromtimestamp(start, zone).date()
            if dt.datetime.fromtimestamp(start + 3599, zone).date() != day:
                day = dt.datetime.fromtimestamp(seconds, zone).date()
                return day.isoformat() if self.sqlite else day
            found = self._days[hour] = day.isoformat() if self.sqlite else day
        return found

    # -- draws shared by the phases -----------------------------------------------------------

    def region(self) -> int:
        return bisect.bisect_right(self.region_weights, self.rng.random() * self.region_weights[-1])

    def owner(self, region: int, local: float = 0.9) -> int:
        ids, cum = self.by_region[region] if self.rng.random() < local else self.anyone
        return ids[bisect.bisect_right(cum, self.rng.random() * cum[-1])]

    def phone(self, locale: Locale, number: int, salt: int) -> str:
        digits = (number * 7919 + salt) % 10_000_000
        return f"+{locale.prefix} {10 + number % 89} {digits:07d}"

    # -- accounts, as the later phases see them -----------------------------------------------

    def remember_account(
        self, name: str, region: int, owner: int | None, created: int, domain: str
    ) -> None:
        self.account_names.append(name)
        self.account_region.append(region)
        self.account_owner.append(owner)
        self.account_created.append(created)
        self.account_domain.append(domain or self.locales[region].domains[0])

    def folded_account(self, account_id: int) -> str:
        folded = self._account_folds.get(account_id)
        if folded is None:
            from salescli.text import fold

            folded = self._account_folds[account_id] = fold(self.account_names[account_id])
        return folded

    def touch_account(self, account_id: int, when: int) -> None:
        current = self.account_contact.get(account_id)
        if current is None or when > current:
            self.account_contact[account_id] = when

    # -- set-up: the pipeline and the rates ---------------------------------------------------

    def load_pipeline(self) -> None:
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

    def rates(self) -> None:
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
