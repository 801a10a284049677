"""The offline sync contract of team activity logs (đồng bộ nhật ký ngoại tuyến).

A phone keeps activity logs drafted offline, each with a client-generated UUID4
(``client_uuid``), and later posts them all to ``POST /api/v1/outreach/activity-logs/sync``
as ``{"items": [{client_uuid, team_id, date, place, kind, households_visited, guided_*,
vneid_installed, vneid_level2, online_dossiers, note, campaign_id?}, ...]}``.

``activity_log_sync`` stores each uuid at most once and answers per item, in order:
``created`` (stored now), ``duplicate`` (stored before: the phone may forget it) or ``error``
(with a code and a message: the phone keeps it for the user to fix). One bad item never stops
the others. Two requests carrying the same uuid at the same moment store it once: the unique
index on ``client_uuid`` decides and the loser answers ``duplicate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tinhso.kernel.errors import DomainError
from tinhso.outreach import errors, services
from tinhso.outreach.models import Campaign, Team

MAX_ITEMS = 200


@dataclass(frozen=True)
class SyncResult:
    client_uuid: str
    status: str  # created | duplicate | error
    id: int | None = None
    code: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _one(acting_user, item: Mapping[str, Any]) -> SyncResult:
    client_uuid = str(item.get("client_uuid") or "")
    if not client_uuid:
        raise services._field_error(errors.FieldEmpty, "client_uuid")
    team = Team.objects.select_related("unit").filter(pk=item.get("team_id"), is_active=True)
    team = team.first()
    if team is None:
        raise services._field_error(errors.ChoiceInvalid, "team_id")
    campaign = None
    if item.get("campaign_id"):
        campaign = Campaign.objects.filter(pk=item["campaign_id"]).first()
        if campaign is None:
            raise services._field_error(errors.ChoiceInvalid, "campaign_id")
    fields = {
        key: value
        for key, value in item.items()
        if key not in {"client_uuid", "team_id", "campaign_id"}
    }
    log, created = services.activity_log_create(
        acting_user=acting_user,
        team=team,
        client_uuid=client_uuid,
        campaign=campaign,
        source="sync",
        **fields,
    )
    return SyncResult(str(log.client_uuid), "created" if created else "duplicate", log.pk)


def activity_log_sync(*, acting_user, items: Sequence[Mapping[str, Any]]) -> list[SyncResult]:
    """Store the synced items, each once; one result per item in the same order."""
    if len(items) > MAX_ITEMS:
        raise services._field_error(errors.ValueTooLong, "items")
    results = []
    for item in items:
        try:
            results.append(_one(acting_user, item))
        except DomainError as exc:
            results.append(
                SyncResult(
                    str(item.get("client_uuid") or ""),
                    "error",
                    None,
                    exc.code,
                    str(exc.message),
                )
            )
    return results
