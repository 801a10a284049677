"""Background work of the outreach room (django-tasks).

``dispatch_send`` sends a dispatch's due deliveries and re-enqueues itself for the next retry
(back-off, see ``services.backoff_seconds``). ``outreach_tick`` (``tinhso outreach_tick``,
cron every few minutes) picks up retries that are due when the backend cannot defer a task,
or when a worker was down. Tests call the functions directly.
"""

from __future__ import annotations

from django_tasks import task

from tinhso.outreach import services


def run_tick() -> dict[str, int]:
    due = services.dispatches_due()
    for dispatch_id in due:
        services.dispatch_run(dispatch_id=dispatch_id)
    return {"dispatches": len(due)}


@task()
def dispatch_send(dispatch_id: int) -> str:
    dispatch = services.dispatch_run(dispatch_id=dispatch_id)
    return dispatch.status if dispatch is not None else "missing"


@task()
def outreach_tick() -> dict[str, int]:
    return run_tick()
