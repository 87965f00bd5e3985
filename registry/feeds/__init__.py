"""Per-person data feeds from outside agencies: tax, bank credit summary, background check.

Operators load agency files with `flask feeds import KIND FILE`; the data is
encrypted at rest, replaced per person per feed, shown only under a worker's
consent, and deleted with the account.
"""
