"""The scope matrix: every (user, record) pair of every scoped module, through the API and the
pages, checked against an oracle computed from the generated tree (see ``oracle.py`` and
``docs/scope.md``)."""
