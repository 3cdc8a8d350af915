"""The demo's accounts and contacts, and the conversions of leads into an account (found by
name or created) and a contact, as `lead convert` leaves them."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING

from salescli.services.demo_context import chooser
from salescli.services.demo_data import (
    DAY,
    INDUSTRIES,
    base36,
)

if TYPE_CHECKING:
    from salescli.services.demo_context import Context


def accounts(ctx: Context, conversions: list[SimpleNamespace]) -> None:
    from salescli.services.accounts import rules as account_rules
    from salescli.services.accounts.rules import search_text_of as account_search_text
    from salescli.services.contacts import records as contact_rules
    from salescli.services.leads.io import clean_email
    from salescli.text import email_key

    rng, writer = ctx.rng, ctx.writer
    choice = chooser(rng)  # rng.choice, the same draws
    regular = max(1, (ctx.size.deals - len(conversions)) // 5) if ctx.size.deals else 0
    keys: dict[str, int] = {}
    ctx.account_names = [""]
    ctx.account_region = [0]
    ctx.account_owner = [None]
    ctx.account_created = [0]
    ctx.account_domain = [""]
    ctx.regular_accounts = regular
    for account_id in range(1, regular + 1):
        region = ctx.region()
        locale = ctx.locales[region]
        base = choice(locale.companies)
        name = base
        while account_rules.name_key(name) in keys:
            name = f"{base} {choice(locale.cities)}"
            if account_rules.name_key(name) in keys:
                name = f"{name} {rng.randint(2, 99)}"
        name = account_rules.clean_name(name)
        key = account_rules.name_key(name)
        keys[key] = account_id
        owner = ctx.owner(region)
        created = ctx.start - int(rng.random() * 365 * DAY)
        domain = choice(locale.domains)
        values = {
            "name": name,
            "industry": choice(INDUSTRIES),
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
                ctx.phone(locale, account_id, 29),
                values["country"],
                values["territory"],
                max(2, int(math.exp(rng.gauss(4.5, 1.4)))),
                owner,
                account_search_text(values),
                ctx.instant(created),
                ctx.instant(created),
            ),
        )
        ctx.remember_account(name, region, owner, created, domain)
        writer.checkpoint()
    # Contacts of the regular accounts: ids contiguous per account.
    contact_id = 0
    ctx.first_contact = [0] * (regular + 1)
    ctx.contact_count = [0] * (regular + 1)
    for account_id in range(1, regular + 1):
        locale = ctx.locales[ctx.account_region[account_id]]
        many = 1 + (rng.random() < 0.6) + (rng.random() < 0.2)
        ctx.first_contact[account_id] = contact_id + 1
        ctx.contact_count[account_id] = many
        for _ in range(many):
            contact_id += 1
            name = locale.person(rng)
            email = clean_email(
                f"{choice(locale.users)}.c{base36(contact_id)}@{ctx.account_domain[account_id]}"
            )
            phone = ctx.phone(locale, contact_id, 41)
            title = choice(locale.jobs)
            created = ctx.account_created[account_id]
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
                    ctx.account_owner[account_id],
                    None,
                    contact_rules.search_text_of(record, ctx.account_names[account_id]),
                    ctx.instant(created),
                    ctx.instant(created),
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
                    ctx.instant(conv.at),
                    ctx.instant(conv.at),
                ),
            )
            ctx.remember_account(name, conv.region, conv.owner, conv.at, "")
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
                contact_rules.search_text_of(record, ctx.account_names[conv.account_id]),
                ctx.instant(conv.at),
                ctx.instant(conv.at),
                ctx.instant(conv.last_contact),
            ),
        )
        if conv.last_contact is not None:
            ctx.touch_account(conv.account_id, conv.last_contact)
    ctx.counts["accounts"] = account_id
    ctx.counts["contacts"] = contact_id
