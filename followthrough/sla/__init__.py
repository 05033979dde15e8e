"""Business calendars, SLA policies and deadline arithmetic."""
