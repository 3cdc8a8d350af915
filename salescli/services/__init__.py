"""The work: pure functions over a Connection (no typer, no rich, no print).

`SETTINGS_MODULES` lists the modules that declare settings (`config.declare`, see
services/config.py and docs/architecture.md "Adding a setting"): `config get|set|list` import
them the first time they need a key they do not know yet.
"""

SETTINGS_MODULES: tuple[str, ...] = (
    "salescli.services.config",
    "salescli.services.reps.records",
    "salescli.services.leads.scoring",
    "salescli.services.leads.routing",
    "salescli.services.reports.sources",
    "salescli.services.reports.commission",
    "salescli.services.mail",
    "salescli.services.tasks.auto_settings",
    "salescli.services.quotas.progress",
)
