"""The generated province, its officials, and the oracle that says who may see what.

The oracle never calls the code under test: it walks the parent links of the tree this file
built (``World.within``) and reads the permissions of the roles it granted (the default
roles are data in ``accounts.roles.DEFAULT_ROLES``; the custom ones are listed here). Each
module's test adds its own narrowing on top (``World.sees``).

::

    Tỉnh Một (P1)   ubnd_tinh p1   leader, unit admin
    │               sở p1_so       handler, communication, Q&A editor
    ├── Xã 11 (C11) ubnd c11, one-stop desk c11_desk          (officials on every commune below)
    │   └── Thôn 111 (V111)  team v111  team leader (outreach.teams), handler
    ├── Xã 12 (C12) ubnd c12, desk; a closed agency c12_closed with a handler (no scope left)
    └── Xã 13 (C13) ubnd c13, desk; no officials (records only)
    Tỉnh Hai (P2)   ubnd_tinh p2   leader, communication
    ├── Xã 21 (C21) ... └── Thôn 211 (V211)
    └── Xã 22 (C22)
    citizens cit1..cit3, a superuser

Commune officials: ``<c>_desk`` (one-stop desk officer, on the desk agency), ``<c>_handler``,
``<c>_leader``, ``<c>_comms``, ``<c>_admin`` (unit administrator) and ``<c>_qa_editor`` (on the
commune People's Committee); ``p2_admin`` on P2. 39 people in all.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.test import Client

from tinhso.accounts.models import Role, User
from tinhso.accounts.roles import (
    CASE_HANDLER,
    COMMUNICATION,
    DEFAULT_ROLES,
    LEADER,
    ONE_STOP_OFFICER,
    UNIT_ADMIN,
)
from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.kernel.models import AuditEvent
from tinhso.units.models import Agency, Unit
from tinhso.units.tests.factories import AgencyFactory, UnitFactory

# Custom roles a province adds (roles are data): a Q&A editor and a village team leader.
CUSTOM_ROLES = {
    "matrix-bien-tap-hoi-dap": ["qa.view", "qa.review", "qa.moderate"],
    "matrix-to-truong-cong-nghe": ["outreach.view", "outreach.teams"],
}
QA_EDITOR = "matrix-bien-tap-hoi-dap"
TEAM_LEADER = "matrix-to-truong-cong-nghe"

COMMUNES = ["c11", "c12", "c13", "c21", "c22"]
STAFFED_COMMUNES = ["c11", "c12", "c21", "c22"]
COMMUNE_PARENT = {"c11": "p1", "c12": "p1", "c13": "p1", "c21": "p2", "c22": "p2"}

_serial = itertools.count(1)


@dataclass
class Person:
    key: str
    user: User
    agency: str | None  # agency key, None for citizens and the superuser
    roles: list[str]
    superuser: bool = False

    @property
    def official(self) -> bool:
        return self.agency is not None


@dataclass
class World:
    units: dict[str, Unit] = field(default_factory=dict)
    parent: dict[str, str | None] = field(default_factory=dict)  # unit key -> parent key
    agencies: dict[str, Agency] = field(default_factory=dict)
    agency_unit: dict[str, str] = field(default_factory=dict)  # agency key -> unit key
    closed: set[str] = field(default_factory=set)  # closed agencies
    people: dict[str, Person] = field(default_factory=dict)
    _unit_key_by_pk: dict[int, str] = field(default_factory=dict)
    _agency_key_by_pk: dict[int, str] = field(default_factory=dict)

    # --- the tree, in Python ------------------------------------------------------------------

    def unit_key(self, unit_or_pk) -> str:
        pk = getattr(unit_or_pk, "pk", unit_or_pk)
        return self._unit_key_by_pk[pk]

    def agency_key(self, agency_or_pk) -> str:
        pk = getattr(agency_or_pk, "pk", agency_or_pk)
        return self._agency_key_by_pk[pk]

    def within(self, unit: str, top: str) -> bool:
        """Whether unit ``unit`` is ``top`` or lies below it (walking the parent links)."""
        node: str | None = unit
        while node is not None:
            if node == top:
                return True
            node = self.parent[node]
        return False

    # --- people ---------------------------------------------------------------------------------

    def perms(self, person: str) -> set[str]:
        granted: set[str] = set()
        for role in self.people[person].roles:
            granted |= set(
                CUSTOM_ROLES[role] if role in CUSTOM_ROLES else DEFAULT_ROLES[role].permissions
            )
        return granted

    def can(self, person: str, permission: str) -> bool:
        p = self.people[person]
        return p.superuser or permission in self.perms(person)

    def top(self, person: str) -> str | None:
        """The unit at the top of an official's scope; None for citizens and closed agencies."""
        p = self.people[person]
        if p.agency is None or p.agency in self.closed:
            return None
        return self.agency_unit[p.agency]

    def sees(self, person: str, unit: str | None, permission: str) -> bool:
        """The scope rule, independently: superuser, or the permission and the unit in the
        subtree of the official's (open) agency's unit."""
        p = self.people[person]
        if p.superuser:
            return True
        top = self.top(person)
        return (
            unit is not None and top is not None and self.can(person, permission)
            and self.within(unit, top)
        )  # fmt: skip

    def close(self, agency: str) -> None:
        from tinhso.units.services import agency_deactivate

        agency_deactivate(acting_user=None, agency=self.agencies[agency])
        self.closed.add(agency)

    def officials(self) -> list[str]:
        return [k for k, p in self.people.items() if p.official]

    def citizens(self) -> list[str]:
        return [k for k, p in self.people.items() if not p.official and not p.superuser]

    def user(self, person: str) -> User:
        return self.people[person].user

    def key_of(self, user_or_pk) -> str | None:
        pk = getattr(user_or_pk, "pk", user_or_pk)
        for key, p in self.people.items():
            if p.user.pk == pk:
                return key
        return None


def _unit(world: World, key: str, parent: str | None, type: str, name: str) -> Unit:
    unit = UnitFactory(
        parent=world.units[parent] if parent else None,
        type=type,
        name=name,
        code=f"8{next(_serial):04d}",
    )
    world.units[key] = unit
    world.parent[key] = parent
    world._unit_key_by_pk[unit.pk] = key
    return unit


def _agency(world: World, key: str, unit: str, kind: str, name: str, parent=None) -> Agency:
    agency = AgencyFactory(
        unit=world.units[unit],
        kind=kind,
        name=name,
        parent=world.agencies[parent] if parent else None,
    )
    world.agencies[key] = agency
    world.agency_unit[key] = unit
    world._agency_key_by_pk[agency.pk] = key
    return agency


def _person(world: World, key: str, *, agency: str | None, roles: list[str], **extra) -> Person:
    kind = User.Kind.OFFICIAL if agency else User.Kind.CITIZEN
    user = User(
        username=f"matrix_{key}",
        kind=kind,
        agency=world.agencies[agency] if agency else None,
        full_name=f"Người thử {key}",
        email=f"{key}@matrix.example.vn",
        **extra,
    )
    user.set_unusable_password()  # signed in with force_login: no hashing cost
    user.save()
    if roles:
        user.roles.add(*Role.objects.filter(code__in=roles))
    person = Person(key=key, user=user, agency=agency, roles=roles, superuser=user.is_superuser)
    world.people[key] = person
    return person


def build_world(*, close: bool = True) -> World:
    """The province above, through the units services (real paths). ``close=False`` leaves
    ``c12_closed`` open, for a module that hands it records first (then ``World.close``)."""
    from tinhso.accounts.services import roles_ensure_defaults

    roles_ensure_defaults()
    for code, permissions in CUSTOM_ROLES.items():
        Role.objects.update_or_create(
            code=code, defaults={"name": f"Vai trò {code}", "permissions": permissions}
        )
    w = World()
    T = Unit.Type
    K = Agency.Kind
    _unit(w, "p1", None, T.TINH, "Tỉnh Một Thử")
    _unit(w, "p2", None, T.TINH, "Tỉnh Hai Thử")
    for c in COMMUNES:
        _unit(w, c, COMMUNE_PARENT[c], T.XA, f"Xã Thử {c}")
    _unit(w, "v111", "c11", T.THON, "Thôn Thử 111")
    _unit(w, "v211", "c21", T.THON, "Thôn Thử 211")

    _agency(w, "p1", "p1", K.UBND_TINH, "UBND Tỉnh Một Thử")
    _agency(w, "p1_so", "p1", K.SO, "Sở Thông tin Thử")
    _agency(w, "p2", "p2", K.UBND_TINH, "UBND Tỉnh Hai Thử")
    for c in COMMUNES:
        _agency(w, c, c, K.UBND_XA, f"UBND Xã Thử {c}")
        _agency(w, f"{c}_desk", c, K.MOT_CUA, f"Bộ phận một cửa {c}", parent=c)
    _agency(w, "v111", "v111", K.KHAC, "Tổ công nghệ số cộng đồng 111")
    _agency(w, "c12_closed", "c12", K.KHAC, "Cơ quan đã giải thể c12")

    _person(w, "p1_leader", agency="p1", roles=[LEADER])
    _person(w, "p1_admin", agency="p1", roles=[UNIT_ADMIN])
    _person(w, "p1_so_handler", agency="p1_so", roles=[CASE_HANDLER])
    _person(w, "p1_so_comms", agency="p1_so", roles=[COMMUNICATION])
    _person(w, "p1_qa_editor", agency="p1_so", roles=[QA_EDITOR])
    _person(w, "p2_leader", agency="p2", roles=[LEADER])
    _person(w, "p2_comms", agency="p2", roles=[COMMUNICATION])
    _person(w, "p2_admin", agency="p2", roles=[UNIT_ADMIN])
    for c in STAFFED_COMMUNES:
        _person(w, f"{c}_desk", agency=f"{c}_desk", roles=[ONE_STOP_OFFICER])
        _person(w, f"{c}_handler", agency=c, roles=[CASE_HANDLER])
        _person(w, f"{c}_leader", agency=c, roles=[LEADER])
        _person(w, f"{c}_comms", agency=c, roles=[COMMUNICATION])
        _person(w, f"{c}_admin", agency=c, roles=[UNIT_ADMIN])
        _person(w, f"{c}_qa_editor", agency=c, roles=[QA_EDITOR])
    _person(w, "v111_team", agency="v111", roles=[TEAM_LEADER])
    _person(w, "v111_handler", agency="v111", roles=[CASE_HANDLER])
    _person(w, "c12_closed_handler", agency="c12_closed", roles=[CASE_HANDLER, LEADER])
    for n in (1, 2, 3):
        citizen = CitizenFactory(username=f"matrix_cit{n}", email=f"cit{n}@matrix.example.vn")
        w.people[f"cit{n}"] = Person(key=f"cit{n}", user=citizen, agency=None, roles=[])
    _person(w, "root", agency=None, roles=[], is_superuser=True, is_staff=True)
    if close:
        w.close("c12_closed")
    return w


# --- the harness ------------------------------------------------------------------------------


class Matrix:
    """Signed-in clients per person, the counters, and the list of mismatches.

    A check never stops at the first mismatch: every pair is tried, and the test fails at the
    end listing what leaked or was refused (``assert_clean``)."""

    def __init__(self, world: World, module: str) -> None:
        self.world = world
        self.module = module
        self.clients: dict[str, Client] = {}
        self.failures: list[str] = []
        self.pairs: set[tuple[str, str]] = set()
        self.counts: Counter[str] = Counter()
        self.deep_pairs = 0

    def client(self, person: str) -> Client:
        if person not in self.clients:
            client = Client(HTTP_ACCEPT_LANGUAGE="vi")
            client.force_login(self.world.user(person))
            self.clients[person] = client
        return self.clients[person]

    def client_anonymous(self) -> Client:
        return Client(HTTP_ACCEPT_LANGUAGE="vi")

    def deep(self, i: int, j: int, in_scope: bool) -> bool:
        """Whether pair (person i, record j) also gets the page, update and transition checks:
        every third in-scope pair and every seventh out-of-scope one, spread over people and
        records so that each person and each record is covered (HTTP is the cost here)."""
        hit = (i + j) % (3 if in_scope else 7) == 0
        if hit:
            self.deep_pairs += 1
        return hit

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def pair(self, person: str, record: str) -> None:
        self.pairs.add((person, record))

    def expect(self, label: str, response, expected: set[int] | int, person: str, record: str):
        """Record a mismatch when ``response.status_code`` is not one of ``expected``."""
        expected = {expected} if isinstance(expected, int) else expected
        self.counts[label] += 1
        if response.status_code not in expected:
            body = _short(response)
            self.fail(
                f"{label}: {person} on {record}: got {response.status_code}, "
                f"expected {sorted(expected)} {body}"
            )
            return False
        return True

    def untouched(self, label: str, model, pk, send, person: str, record: str, expected=404):
        """``send()`` must answer ``expected`` and change neither the row nor the audit log."""
        before = _row(model, pk)
        last_audit = _last_audit()
        response = send()
        ok = self.expect(label, response, expected, person, record)
        if ok and _row(model, pk) != before:
            self.fail(f"{label}: {person} on {record}: the row changed behind a 404")
        if ok and _last_audit() != last_audit:
            self.fail(f"{label}: {person} on {record}: an audit row was written behind a 404")
        return response

    def tried(self, label: str, send, person: str, record: str, refused_ok: set[int]):
        """An in-scope attempt, rolled back afterwards: anything but a scope refusal (404) or
        a server error is fine; ``refused_ok`` lists the other answers a state machine or a
        missing permission may give (409, 403, 400, 422...)."""
        sid = transaction.savepoint()
        try:
            response = send()
        finally:
            transaction.savepoint_rollback(sid)
        self.expect(label, response, {200, 201, 204, 302, *refused_ok}, person, record)
        return response

    def assert_clean(self, minimum_pairs: int) -> None:
        summary = (
            f"{self.module}: {len(self.pairs)} (user, record) pairs listed and read, "
            f"{self.deep_pairs} also updated and moved through every transition; "
        ) + ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        print(summary)
        assert not self.failures, (
            f"{len(self.failures)} scope mismatches in {self.module}:\n"
            + "\n".join(self.failures[:40])
        )
        assert len(self.pairs) >= minimum_pairs, summary


def _short(response) -> str:
    try:
        content = response.content[:200].decode(errors="replace")
    except Exception:  # a streaming response
        content = ""
    return content.replace("\n", " ")


def _row(model, pk):
    return model.objects.filter(pk=pk).values().first()


def _last_audit():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()


def ids_in(response, key: str = "id") -> set:
    """The identifiers in a JSON list answer (paginated ``{"items": [...]}`` or a plain list)."""
    data = json.loads(response.content)
    items = data["items"] if isinstance(data, dict) and "items" in data else data
    return {item[key] for item in items}
