"""The sections of rows that a report and `report weekly` share (one definition of each
report's columns)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from salescli.render import Column

if TYPE_CHECKING:
    from salescli.render.report import Section

MONEY = [
    Column("count", "deals", "right"),
    Column("amount", "amount", "right"),
    Column("weighted", "weighted", "right"),
    Column("unknown_amount", "no amount", "right"),
]
LOST_MONEY = [Column("count", "deals", "right"), Column("amount", "amount", "right")]


def funnel_sections(
    report: dict[str, Any], title: str = "Stages"
) -> tuple[list[Section], list[str]]:
    from salescli.render.report import Section

    shown = [{**s, "leak": "◀ leaky bucket" if s["leaky"] else ""} for s in report["stages"]]
    columns = [
        Column("stage", "stage"),
        Column("reached", "reached", "right"),
        Column("conversion", "conversion", "right", "percent"),
        Column("median_days", "median days", "right"),
        Column("leak", ""),
    ]
    leaky = report["leaky_bucket"]
    notes = [f"Deals created: {report['created']}."]
    if leaky is not None:
        notes.append(
            f"Leaky bucket: {leaky['from']} → {leaky['to']} ({leaky['conversion']:.1%} convert)."
        )
    return [Section(title, shown, columns)], notes


def sources_sections(report: dict[str, Any], title: str = "Sources") -> list[Section]:
    from salescli.render.report import Section

    columns = [
        Column("source", "source"),
        Column("leads", "leads", "right"),
        Column("converted_rate", "converted", "right", "percent"),
        Column("deals", "deals", "right"),
        Column("won_amount", "won revenue", "right"),
        Column("win_rate", "win rate", "right", "percent"),
        Column("average_deal", "avg won deal", "right"),
        Column("cost_per_won", "cost per won", "right"),
        Column("won", "won", "right"),
        Column("cost", "cost", "right"),
    ]
    return [Section(title, report["rows"], columns)]


def leaderboard_sections(report: dict[str, Any], title: str = "Reps") -> list[Section]:
    from salescli.render.report import Section

    columns = [
        Column("rank", "#", "right"),
        Column("rep", "rep"),
        Column("won_amount", "won revenue", "right"),
        Column("quota", "quota", "right"),
        Column("attainment", "attainment", "right", "percent"),
        Column("won", "deals won", "right"),
        Column("win_rate", "win rate", "right", "percent"),
        Column("activities", "activities", "right"),
    ]
    return [Section(title, report["rows"], columns)]


def stale_sections(report: dict[str, Any], limit: int | None) -> tuple[list[Section], list[str]]:
    from salescli.render.report import Section

    total = report["total"]
    notes = [f"{total['stale_deals']} stale deals, {total['overdue_tasks']} overdue tasks."]
    if limit and (total["stale_deals"] > limit or total["overdue_tasks"] > limit):
        notes.append(f"Lists show the first {limit} (--limit 0 shows all).")
    sections = [
        Section(
            "Stale deals and overdue tasks by owner",
            report["by_owner"],
            [
                Column("rep", "owner"),
                Column("stale_deals", "stale deals", "right"),
                Column("overdue_tasks", "overdue tasks", "right"),
            ],
        ),
        Section(
            "Stale deals",
            report["stale_deals"],
            [
                Column("id", "id", "right"),
                Column("title", "title"),
                Column("owner", "owner"),
                Column("stage", "stage"),
                Column("idle_days", "idle days", "right"),
                Column("last_touch_at", "last touch"),
            ],
        ),
        Section(
            "Overdue tasks",
            report["overdue_tasks"],
            [
                Column("id", "id", "right"),
                Column("due", "due"),
                Column("title", "title"),
                Column("owner", "owner"),
                Column("record", "record"),
            ],
        ),
    ]
    return sections, notes


def forecast_sections(
    report: dict[str, Any], title: str = "Forecast against quota"
) -> list[Section]:
    """The weekly report's forecast: one row per period (this month, this quarter)."""
    from salescli.render.report import Section

    columns = [
        Column("period", "period"),
        Column("closed", "closed", "right"),
        Column("commit_total", "commit", "right"),
        Column("best_case_total", "best case", "right"),
        Column("weighted", "weighted", "right"),
        Column("quota", "quota", "right"),
        Column("gap", "gap", "right"),
        Column("attainment", "attainment", "right", "percent"),
        Column("coverage", "coverage", "right", "percent"),
    ]
    return [Section(title, report["rows"], columns)]
