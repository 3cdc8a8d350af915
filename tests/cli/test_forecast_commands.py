"""`forecast snapshot` idempotent per period and local day, `--rep none` in the forecast
commands, and the messages of refused forecast commands (each names a valid alternative).

SALESCLI_NOW 2026-11-23T09:00:00+00:00 (a Monday): this quarter is 2026-Q4."""

from __future__ import annotations

import json

Q4 = "2026-Q4"
SNAPSHOT_KEYS = ["period", "method", "rep", "rep_id", "forecast", "currency", "taken_at"]


def _id(cli, *args: str) -> int:
    return int(cli.ok(*args).out.strip())


def _team(cli) -> dict[str, int]:
    """Maria manages Ana; Bob stands alone."""
    ids = {"Maria": _id(cli, "rep", "add", "Maria")}
    ids["Ana"] = _id(cli, "rep", "add", "Ana", "--manager", "Maria")
    ids["Bob"] = _id(cli, "rep", "add", "Bob")
    return ids


def _deal(cli, title: str, owner: str, stage: str, close: str, amount: str) -> int:
    return _id(cli, "deal", "add", title, "--owner", owner, "--stage", stage, "--close", close, "--amount", amount)  # fmt: skip


def _count(cli, where: str = "1 = 1") -> int:
    return int(cli.sql(f"SELECT count(*) FROM forecastsnapshot WHERE {where}")[0][0])


# ---------------------------------------------------------------------------- snapshot


def test_snapshot_twice_the_same_day_replaces_it(cli):
    _team(cli)
    _deal(cli, "Ana big", "Ana", "negotiation", "2026-12-10", "10000")
    first = cli.ok("forecast", "snapshot")
    # 4 methods x (3 reps + the total), counted straight from the rep table.
    reps = int(cli.sql("SELECT count(*) FROM rep")[0][0])
    one = 4 * (reps + 1)
    assert one == 16 and _count(cli) == one
    assert first.err.strip() == f"stored {one} forecast figures for {Q4} (4 methods)"
    # A retried cron job later the same day: the same rows, taken at the new time.
    evening = {"SALESCLI_NOW": "2026-11-23T18:30:00+00:00"}
    again = cli.ok("forecast", "snapshot", env=evening)
    assert again.err.strip() == (
        f"stored {one} forecast figures for {Q4} (4 methods), "
        f"replacing today's snapshot ({one} figures)"
    )
    assert _count(cli) == one
    taken = {str(t)[:16] for (t,) in cli.sql("SELECT DISTINCT taken_at FROM forecastsnapshot")}
    assert taken == {"2026-11-23 18:30"}
    # JSON keeps its shape (one object per method and rep); the replacement is on stderr.
    stored = json.loads((out := cli.ok("forecast", "snapshot", "--format", "json")).out)
    assert len(stored) == one and list(stored[0]) == SNAPSHOT_KEYS
    assert out.err.strip() == f"replaced today's snapshot of {Q4} ({one} figures)"
    assert _count(cli) == one
    # Another period the same day is another snapshot; so is the next day.
    cli.ok("forecast", "snapshot", "--period", "2027-Q1")
    assert _count(cli, "period = '2027-Q1'") == one and _count(cli) == 2 * one
    cli.ok("forecast", "snapshot", env={"SALESCLI_NOW": "2026-11-24T09:00:00+00:00"})
    assert _count(cli, f"period = '{Q4}'") == 2 * one
    # accuracy: one row per snapshot, method and rep; none twice.
    rows = cli.json("forecast", "accuracy", "--period", Q4)
    keys = [(r["taken_at"], r["method"], r["rep"]) for r in rows]
    assert len(keys) == len(set(keys)) == 2 * one


def test_snapshot_day_is_the_local_day(cli):
    _team(cli)
    cli.ok("config", "set", "timezone", "America/Los_Angeles")
    # 01:00 and 23:00 on 2026-11-23 in Los Angeles (UTC-8): one local day, one snapshot.
    cli.ok("forecast", "snapshot", env={"SALESCLI_NOW": "2026-11-23T09:00:00+00:00"})
    late = cli.ok("forecast", "snapshot", env={"SALESCLI_NOW": "2026-11-24T07:00:00+00:00"})
    assert "replacing today's snapshot (16 figures)" in late.err
    assert _count(cli) == 16
    # 01:00 on 2026-11-24 in Los Angeles: the next local day, kept beside it.
    cli.ok("forecast", "snapshot", env={"SALESCLI_NOW": "2026-11-24T09:00:00+00:00"})
    assert _count(cli) == 32


# ---------------------------------------------------------------------------- --rep none


def test_forecast_rep_none_is_the_no_owner_row(cli):
    _team(cli)
    _deal(cli, "Ana commit", "Ana", "negotiation", "2026-12-10", "10000")
    won = _deal(cli, "Nobody won", "none", "proposal", "2026-12-01", "500")
    cli.ok("deal", "win", str(won), "--on", "2026-11-20")
    _deal(cli, "Nobody open", "none", "proposal", "2026-12-05", "1000")  # best case, 50 %
    _deal(cli, "Nobody next Q", "none", "proposal", "2027-01-05", "700")  # out of Q4
    for method in ("weighted", "category", "historical"):
        full = cli.json("forecast", "--method", method)
        unowned = [r for r in full["rows"] if r["rep_id"] is None]
        assert [r["rep"] for r in unowned] == ["(no owner)"]
        result = cli.json("forecast", "--rep", "none", "--method", method)
        assert result["rows"] == unowned
        row = result["rows"][0]
        assert (row["closed"], row["best_case"], row["pipeline_total"]) == (500, 1000, 1500)
        assert (row["weighted"], row["count"], row["quota"]) == (1000, 2, None)
        assert row["forecast"] == {"weighted": 1000, "category": 500, "historical": 1000}[method]
        total = {k: v for k, v in result["total"].items() if k != "quota_source"}
        assert total == {k: row[k] for k in total}
    table = cli.ok("forecast", "--rep", "NONE").out
    assert "(no owner)" in table and "Ana" not in table


def test_forecast_adjust_refuses_rep_none(cli):
    _team(cli)
    refused = cli("forecast", "adjust", "--rep", "none", "--period", Q4, "--category", "commit", "--amount", "100")  # fmt: skip
    assert refused.code == 1
    assert refused.err.strip() == (
        "Error: --rep 'none': a forecast adjustment belongs to a rep, not to the deals without "
        'an owner (e.g. --rep "Wang Fang"; see: salescli rep list)'
    )
    assert cli.sql("SELECT count(*) FROM forecastadjustment") == [(0,)]


# ---------------------------------------------------------------------------- messages


def test_refused_forecast_commands_name_a_valid_alternative(cli):
    _team(cli)
    foreign = cli("forecast", "adjust", "--rep", "Ana", "--period", Q4, "--category", "commit", "--amount", "EUR 100")  # fmt: skip
    assert foreign.code == 1
    assert foreign.err.strip() == (
        "Error: --amount 'EUR 100' is in EUR, but forecast adjustments are in the reporting "
        "currency USD: give the amount without EUR (e.g. --amount 120000)"
    )
    assert "--currency" not in foreign.err
    assert cli.sql("SELECT count(*) FROM forecastadjustment") == [(0,)]
    for method, by in (("monte-carlo", "stage"), ("historical", "month")):
        wrong = cli("forecast", "--method", method, "--by", by)
        assert wrong.code == 2
        example = f"salescli forecast --method weighted --by {by}"
        assert wrong.err.strip() == (
            f"Error: --method {method} forecasts per rep: use it with --by rep, or --by {by} "
            f"with weighted or category (e.g. {example})"
        )
        assert cli(*example.split()[1:]).code == 0  # the example is a valid combination


def test_accuracy_names_the_periods_that_have_snapshots(cli):
    _team(cli)
    empty = cli.ok("forecast", "accuracy", "--period", "2031")
    assert empty.err.strip() == "no snapshots stored yet (salescli forecast snapshot)"
    cli.ok("forecast", "snapshot", "--period", "2027-Q1")
    cli.ok("forecast", "snapshot")
    other = cli.ok("forecast", "accuracy", "--period", "2031", "--format", "json")
    assert json.loads(other.out) == []
    assert other.err.strip() == "no snapshot of 2031 stored (snapshots exist for: 2026-Q4, 2027-Q1)"


def test_backtest_refuses_periods_that_have_not_started(cli):
    _team(cli)
    ahead = cli("forecast", "backtest", "--from", "2027-01", "--to", "2027-02")
    assert ahead.code == 1
    assert ahead.err.strip() == (
        "Error: 2027-01 has not started (today is 2026-11-23): the last period a backtest "
        "can take is 2026-11 (e.g. --to 2026-11)"
    )
    partly = cli("forecast", "backtest", "--from", "2026-Q3", "--to", "2027-Q1", "--by", "quarter")
    assert partly.code == 1 and "2027-Q1 has not started" in partly.err
    assert "(e.g. --to 2026-Q4)" in partly.err
    running = cli.json("forecast", "backtest", "--from", "2026-10", "--to", "2026-11", "--method", "weighted")  # fmt: skip
    assert [r["period"] for r in running["rows"]] == ["2026-10", "2026-11"]
