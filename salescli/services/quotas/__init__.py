"""Quotas: targets per rep or team, period and metric (`targets`: which quota covers a
period), the commands' records and import, and progress against them."""
