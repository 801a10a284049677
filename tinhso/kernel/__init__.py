"""The kernel room: working-day calendar and SLA clock, audit log, files, notifications,
idempotency, error envelope, Vietnamese text folding, a small state-machine helper.

It knows no domain words: nothing here may import from units, accounts or a domain module.
"""
