"""The accounts room: citizens (CCCD), businesses (tax code), officials (agency + roles),
and the one scope rule every module uses (``tinhso.accounts.scope``).

Depends on units and kernel only.
"""
