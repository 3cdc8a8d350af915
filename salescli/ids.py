"""Record ids: what a whole number typed for an id may be (stdlib only, used at start-up).

Ids are INTEGER primary keys: 1 .. 2^31-1 on PostgreSQL; SQLite is held to the same bound so
that one rule holds on both backends. A reference that takes an id or a name (`--owner 3`,
`--account 12`) reads text as an id only when it is ASCII digits within that range; anything
else (`²`, `٣`, `99999999999`) is looked up as a name, and so is reported not found (exit 3)
rather than overflowing inside a database driver.
"""

from __future__ import annotations

MAX_ID = 2_147_483_647


def as_id(text: object) -> int | None:
    """`text` as a record id, or None when it cannot be one."""
    value = str(text).strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None
