"""The work: pure functions over a Session (no typer, no rich, no print)."""
