"""Demo data of the IOC, loaded by ``tinhso demo`` after the province and the other modules:
the shipped catalogue, the targets of Decisions 749 and 411, the DTI 2022 framework, twelve
months of values for every commune of the province (figures scaled from what provinces report:
28.61 % of dossiers online, 70.65 % of adults with a smartphone, 80.21 % of households on
fibre, 77 % of field reports handled, a digital economy of 8.28 %...), forms completed and
approved for the last months, the values computed from the modules, and the DTI scores and
ranking of the communes, and the shipped boards (``data/board_*.json``).

Everything goes through the services with a seeded random generator, so a second run finds the
same values and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tinhso.indicators import boards, dti, imports, loaders, periods, registry, services
from tinhso.indicators.models import Completion, DataSet, DtiFramework
from tinhso.units.models import Unit

COMMUNE_TYPES = (Unit.Type.XA, Unit.Type.PHUONG, Unit.Type.THI_TRAN, Unit.Type.DAC_KHU)
# Provincial totals the communes' figures add up to (a province of ~1.2 M adults).
ADULTS, HOUSEHOLDS, TEAMS = 835_000 / 0.7065, 264_607 / 0.8021, 493


def _months(today: dt.date) -> list[periods.Period]:
    """The twelve months before the current one, oldest first."""
    return periods.last_months(periods.containing(today, periods.MONTH).previous(), 12)


def _commune_rows(unit: Unit, weight: float, months, rng: random.Random) -> list[imports.Row]:
    rows: list[imports.Row] = []
    adults = int(ADULTS * weight)
    households = int(HOUSEHOLDS * weight)
    hamlets = max(4, int(12 * weight * 130))
    smartphone_share = min(0.95, max(0.45, rng.gauss(0.68, 0.07)))
    fibre_share = min(0.98, max(0.5, rng.gauss(0.78, 0.08)))
    online_share = min(0.7, max(0.08, rng.gauss(0.27, 0.08)))
    on_time_share = min(1.0, max(0.8, rng.gauss(0.95, 0.03)))
    handled_share = min(1.0, max(0.5, rng.gauss(0.77, 0.1)))
    economy_share = min(0.2, max(0.03, rng.gauss(0.08, 0.02)))
    dossiers_per_month = max(30, int(rng.gauss(260, 80) * weight * 130))
    for step, month in enumerate(months):
        growth = 1 + 0.01 * step  # shares creep up month after month

        def add(code: str, value: float, combo: str = "") -> None:
            rows.append(imports.Row(0, code, month.id, unit.code, combo, value))  # noqa: B023

        received = max(10, int(dossiers_per_month * rng.uniform(0.85, 1.15)))
        online = int(received * min(0.9, online_share * growth))
        post = int(received * 0.02)
        add("hs_tiep_nhan", online, "truc_tuyen")
        add("hs_tiep_nhan", post, "buu_chinh")
        add("hs_tiep_nhan", received - online - post, "truc_tiep")
        resolved = int(received * rng.uniform(0.9, 1.0))
        add("hs_giai_quyet", resolved)
        add("hs_dung_han", int(resolved * on_time_share))
        add("hs_xu_ly_truc_tuyen", int(received * min(0.8, online_share * 0.8 * growth)))
        add("hs_so_hoa", int(received * rng.uniform(0.85, 1.0)))
        add("kq_dien_tu", int(resolved * rng.uniform(0.05, 0.15)))
        reports = rng.randint(0, 7)
        handled = round(reports * handled_share)
        add("pa_tiep_nhan", reports)
        add("pa_da_xu_ly", handled)
        add("pa_dung_han", round(handled * rng.uniform(0.85, 1.0)))
        add("bc_phai_gui", 4)
        add("bc_truc_tuyen", 4 if rng.random() < 0.92 else 3)
        add("dvc_tong", 1890)
        add("dvc_toan_trinh", min(1890, int(975 * growth)))
        add("hoi_nghi_cds", 1 if step % 3 == 2 else 0)
        # Stocks, reported every month (aggregation "last").
        add("dan_so_truong_thanh", adults)
        with_phone = int(adults * min(0.97, smartphone_share * (1 + 0.004 * step)))
        split = [0.11, 0.26, 0.13, 0.11, 0.26, 0.13]
        combos = ["nam_15-24", "nam_25-59", "nam_60plus", "nu_15-24", "nu_25-59", "nu_60plus"]
        parts = [int(with_phone * share) for share in split]
        parts[-1] += with_phone - sum(parts)
        for combo, part in zip(combos, parts, strict=True):
            add("nguoi_co_smartphone", part, combo)
        add("ho_gia_dinh", households)
        add("ho_cap_quang", int(households * min(0.99, fibre_share * (1 + 0.003 * step))))
        add("thon_tong", hamlets)
        add("thon_phu_song", hamlets)
        payers = int(adults * min(0.9, rng.uniform(0.42, 0.62)))
        add("nguoi_tk_thanh_toan", payers // 2, "nam")
        add("nguoi_tk_thanh_toan", payers - payers // 2, "nu")
        add("nguoi_chu_ky_so", int(adults * rng.uniform(0.2, 0.45)))
        workers = int(adults * 0.72)
        add("dan_so_lao_dong", workers)
        add("nguoi_ky_nang_so", int(workers * min(0.95, rng.uniform(0.35, 0.7) * growth)))
        add("to_cong_nghe_so", max(1, round(TEAMS * weight)))
        grdp = round(rng.uniform(40, 160) * weight * 130, 1)
        add("grdp", grdp)
        add("kinh_te_so", round(grdp * economy_share, 1))
    return rows


def load_demo(*, province: Unit, today: dt.date | None = None) -> None:
    """Idempotent: a second run changes nothing."""
    today = today or timezone.localdate()
    loaders.load_all()
    boards.load_shipped_boards()  # "Bảng điều hành chuyển đổi số", the default board
    communes = list(
        Unit.objects.subtree(province, include_self=False)
        .current()
        .filter(type__in=COMMUNE_TYPES)
        .order_by("code")
    )
    if not communes:
        return
    rng = random.Random(749)  # noqa: S311 - the same demo every time
    weights = [rng.uniform(0.5, 1.5) for _ in communes]
    total = sum(weights)
    months = _months(today)
    rows: list[imports.Row] = []
    for commune, weight in zip(communes, weights, strict=True):
        rows += _commune_rows(commune, weight / total, months, rng)
    for number, row in enumerate(rows, start=1):
        row.line = number
    imports.values_import(acting_user=None, rows=rows, today=today)

    # The forms of the last three months: most completed, the oldest approved.
    now = timezone.now()
    for data_set in DataSet.objects.filter(code__in=["CDS_TTHC", "CDS_XHS"]):
        for back, month in enumerate(reversed(months[-3:])):
            for index, commune in enumerate(communes):
                if (index + back) % 5 == 0:
                    continue  # a few communes are late
                if Completion.objects.filter(
                    data_set=data_set, unit=commune, period=month.id
                ).exists():
                    continue
                services.data_set_complete(
                    acting_user=None,
                    data_set=data_set,
                    unit=commune,
                    period=month.id,
                    now=min(now, timezone.make_aware(dt.datetime.combine(month.end, dt.time(9)))
                    + dt.timedelta(days=5 + index % 9)),
                )  # fmt: skip
                if back == 2:
                    services.data_set_transition(
                        acting_user=None,
                        data_set=data_set,
                        unit=commune,
                        period=month.id,
                        action="approve",
                    )

    # What the modules count (dossiers, feedback, Q&A, outreach), month by month: the other
    # demos back-date rows without going through the services, so rebuild the twelve months.
    registry.backfill(since=months[0].start, until=today)

    for framework in DtiFramework.objects.all():
        for year in {month.year for month in months}:
            dti.dti_compute(framework=framework, parent=province, year=year)
