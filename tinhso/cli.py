"""The ``tinhso`` command: Django's management commands under the project's name.

``tinhso units load``, ``tinhso demo``, ``tinhso worker``, ``tinhso migrate``...
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and argv[1] == "worker":
        # The background worker of the configured task backend.
        from django.conf import settings

        backend = settings.TASKS["default"]["BACKEND"]
        if "RQBackend" in backend:
            # RQ must build its jobs with django-tasks-rq's class, or a task object reaches
            # the worker uncalled ("'Task' object is not callable").
            argv[1:2] = ["rqworker", "--job-class", "django_tasks_rq.backend.Job"]
        else:
            argv[1] = "db_worker"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
