"""Monthly check-in (签到) and the 30-day departure rule (离职) with its sweep and reminders."""
