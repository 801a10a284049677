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
        argv[1] = "rqworker" if "RQBackend" in backend else "db_worker"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
