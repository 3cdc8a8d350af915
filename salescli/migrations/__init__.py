"""Versioned schema migrations (Alembic). HEAD is read on every open without importing Alembic;
a test checks it against the scripts."""

HEAD = "0011"
KNOWN_REVISIONS = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
)
