"""`salescli log call|email|meeting|note`: record an activity on one record."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, state
from salescli.render import Format

app = typer.Typer(
    no_args_is_help=True,
    help="Log a call, email, meeting or note on a lead, deal, contact or account.",
)

TextArg = Annotated[str, typer.Argument(help="What happened.")]
LeadOpt = Annotated[str | None, typer.Option("--lead", metavar="ID", help="On this lead.")]
DealOpt = Annotated[str | None, typer.Option("--deal", metavar="ID", help="On this deal.")]
ContactOpt = Annotated[
    str | None, typer.Option("--contact", metavar="ID", help="On this contact (id or name).")
]
AccountOpt = Annotated[
    str | None, typer.Option("--account", metavar="ID", help="On this account (id or name).")
]
OutcomeOpt = Annotated[
    str | None, typer.Option("--outcome", help="Outcome, e.g. 'left voicemail'.")
]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", metavar="DATETIME", help="When (e.g. 2026-11-20T14:30, yesterday)."),
]
RepOpt = Annotated[str | None, typer.Option("--rep", metavar="REP", help="Who (default me).")]


# kind: (what the help calls it, the help's example)
KINDS = {
    "call": ("a call", 'salescli log call --lead 7 --outcome reached "Interested, wants a demo"'),
    "email": ("an email", 'salescli log email --deal 12 "Sent the revised proposal"'),
    "meeting": (
        "a meeting",
        'salescli log meeting --account "Acme GmbH" --at "2026-11-20 14:00" "On-site demo"',
    ),
    "note": ("a note", 'salescli log note --contact "Jürgen Groß" "Prefers email, not calls"'),
}


def _register(kind: str, what: str, example: str) -> None:
    """Define `salescli log KIND` (every kind takes the same arguments)."""

    def log_kind(
        ctx: typer.Context,
        text: TextArg = "",
        lead: LeadOpt = None,
        deal: DealOpt = None,
        contact: ContactOpt = None,
        account: AccountOpt = None,
        outcome: OutcomeOpt = None,
        at: AtOpt = None,
        rep: RepOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from salescli import dates, render
        from salescli.services import activities
        from salescli.services.accounts import records as accounts

        st = state(ctx)
        target, ref = activities.one_target(lead=lead, deal=deal, contact=contact, account=account)
        when = dates.parse_instant(at, now=st.now, field="--at") if at else st.now
        with st.connection(write=True) as conn:
            activity_id = activities.log(
                conn,
                kind=kind,
                target=target,
                record=activities.resolve_target(conn, target, ref),
                at=when,
                now=st.now,
                rep_id=accounts.rep_id(conn, rep, st.settings),
                outcome=outcome,
                text=text,
            )
            result = activities.record(conn, activity_id)
        render.changed(result, fmt, created=True, tz=st.tz)

    log_kind.__name__ = log_kind.__qualname__ = f"log_{kind}"
    log_kind.__doc__ = f"""Log {what} and print its id; it updates the record's last contact.

    Example: {example}
    """
    app.command(kind)(log_kind)


for _kind, (_what, _example) in KINDS.items():
    _register(_kind, _what, _example)
