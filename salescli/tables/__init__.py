"""The schema: one SQLAlchemy Core definition of every table (its one source of truth).

Every service reads and writes through these tables over a `Connection` (SQLAlchemy Core,
no ORM: importing an ORM and its models costs most of a command's start-up). Migrations in
`salescli/migrations/versions/` are written by hand to match; `tests/test_migrations.py`
fails when the migrated database and this metadata differ.

Money is integer minor units (`*_minor`) beside a currency code; instants are UTC through
`Instant`; business dates (close dates) are plain DATEs in the team's time zone. Text that is
searched has a folded copy (`search_text`, `*_key`, see salescli.text.fold) so that search
ignores case and accents for every script on SQLite and PostgreSQL alike.

`base`: `Instant` and `METADATA`; `core`: the records' tables; `plans`: tasks, task rules,
quotas and forecasts. Import the tables from here: `from salescli.tables import DEAL`.
"""

from salescli.tables.base import METADATA, Instant
from salescli.tables.core import (
    ACCOUNT,
    ACTIVITY,
    CONTACT,
    CURRENCYRATE,
    DEAL,
    DEALLINE,
    ERASURE,
    IMPORTBATCH,
    LEAD,
    LEADASSIGNMENT,
    LEADKEY,
    LEADTAG,
    LOSTREASON,
    PRODUCT,
    REP,
    SETTING,
    STAGE,
    STAGECHANGE,
)
from salescli.tables.plans import (
    FORECASTADJUSTMENT,
    FORECASTSNAPSHOT,
    QUOTA,
    TASK,
    TASKRULE,
)

__all__ = [
    "METADATA",
    "Instant",
    "ACCOUNT",
    "ACTIVITY",
    "CONTACT",
    "CURRENCYRATE",
    "DEAL",
    "DEALLINE",
    "ERASURE",
    "IMPORTBATCH",
    "LEAD",
    "LEADASSIGNMENT",
    "LEADKEY",
    "LEADTAG",
    "LOSTREASON",
    "PRODUCT",
    "REP",
    "SETTING",
    "STAGE",
    "STAGECHANGE",
    "FORECASTADJUSTMENT",
    "FORECASTSNAPSHOT",
    "QUOTA",
    "TASK",
    "TASKRULE",
]
