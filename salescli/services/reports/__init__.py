"""Reports: each a function over a Connection returning one dict (its JSON), built on the
shared vocabulary (services.scope for who and which deals, deals.queries.grouped_totals for
money). All aggregation happens in SQL that means the same on SQLite and PostgreSQL; Python
only converts currencies group by group and shapes the (small) result."""
