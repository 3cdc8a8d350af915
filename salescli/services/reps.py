"""Reps: salespeople and managers, with a manager hierarchy used for roll-ups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salescli.errors import NotFound

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Rep


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def get_by_name(session: Session, name: str) -> Rep:
    from sqlmodel import select

    from salescli.models import Rep

    rep = session.exec(select(Rep).where(Rep.name_key == name_key(name))).first()
    if rep is None:
        raise NotFound(f"rep '{name}' not found (see: salescli rep list)")
    return rep


def resolve(session: Session, ref: str) -> Rep:
    """A rep by id or by name (case-insensitive)."""
    from salescli.models import Rep

    if ref.strip().isdigit():
        rep = session.get(Rep, int(ref))
        if rep is not None:
            return rep
    return get_by_name(session, ref)
