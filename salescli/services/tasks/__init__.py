"""Tasks: to-dos with a due time, an owner and a related record (`records`, `queries`), the
due-time arithmetic they share (`due`), follow-up automation (`auto`) and the calendar export
(`calendar`)."""
