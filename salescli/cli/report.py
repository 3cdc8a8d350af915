"""`salescli report ...`: the figures a sales manager steers by, as tables, JSON, CSV,
Markdown or self-contained HTML, with charts on a terminal.

The group's app, shared options and the frame of every report are in cli/report_base.py; the
commands, which add themselves to that app, are in cli/report_deals.py (pipeline, lost,
funnel, stale), cli/report_reps.py (performance, leaderboard, activity, commission),
cli/report_trends.py (trend, sources) and cli/report_weekly.py; the sections that a report and
`report weekly` share are in cli/report_sections.py."""

import salescli.cli.report_deals  # noqa: F401
import salescli.cli.report_reps  # noqa: F401
import salescli.cli.report_trends  # noqa: F401
import salescli.cli.report_weekly  # noqa: F401
from salescli.cli.report_base import app

__all__ = ["app"]
