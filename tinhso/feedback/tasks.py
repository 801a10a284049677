"""Background work of the feedback room (django-tasks).

``feedback_tick`` runs the periodic work: reminders before the deadline, escalation to the
supervising agency after it, closing handled reports nobody reacted to, and anonymising
reports past the retention period. ``tinhso feedback_tick`` enqueues it (cron every 15 min, or
``--now`` to run it in the command's process). Tests call the functions directly.
"""

from __future__ import annotations

from django_tasks import task

from tinhso.feedback import services


def run_tick() -> dict[str, int]:
    counts = services.reports_remind_and_escalate()
    counts["closed"] = services.reports_close_stale()
    counts["anonymised"] = services.reports_anonymise()
    return counts


@task()
def feedback_tick() -> dict[str, int]:
    return run_tick()


@task()
def feedback_anonymise() -> int:
    return services.reports_anonymise()
