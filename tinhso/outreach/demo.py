"""Demo data of the outreach room, loaded by ``tinhso demo`` after the province, agencies and
users: a two-month peak campaign over the demo communes with content in every channel
(portal news, SMS and Zalo through the local stand-ins, e-mail, a printable leaflet, radio
bulletins with generated audio), radio stations and loudspeaker clusters with a schedule and
play logs (two communes compliant, one that missed a week), a community digital-technology
team per village "Xóm 1..4" with its members, training and activity logs, and a before/after
awareness survey with answers.

Everything goes through the services, as the communication officer ``truyenthong.tinh``
(approved by ``lanhdao.tinh``). Without espeak-ng the audio is skipped with a printed note;
without Pango the leaflet is. Idempotent: a second run finds the campaign and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import uuid

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.kernel.errors import DomainError
from tinhso.outreach import services, sync, tts
from tinhso.outreach.models import Campaign, Contact, Content
from tinhso.outreach.standins import SmsStandin, ZaloStandin
from tinhso.units.models import Unit

CAMPAIGN_TITLE = "Chiến dịch cao điểm 60 ngày tuyên truyền chuyển đổi số, đề án 06"
NAMESPACE = uuid.UUID("5b0f2f44-7c1d-4b6e-9a53-0d8c1e0a7a06")
VILLAGES = ["Xóm 1", "Xóm 2", "Xóm 3", "Xóm 4"]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Hồ", "Thái"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Sơn", "Trang"]

RADIO_DX = (
    "Chuyên mục Chuyển đổi số tuần này",
    "Kính thưa bà con! Chuyển đổi số là việc của toàn dân.\n\n"
    "Từ nay bà con có thể nộp hồ sơ làm giấy khai sinh, đăng ký thường trú, cấp phiếu lý "
    "lịch tư pháp ngay trên Cổng dịch vụ công, không phải đi lại.\n\n"
    "Tổ công nghệ số cộng đồng của mỗi xóm sẽ đến từng nhà để hướng dẫn cài đặt và kích hoạt "
    "tài khoản định danh điện tử VNeID mức 2, thanh toán không dùng tiền mặt và nhận biết "
    "lừa đảo trên mạng.\n\n"
    "Tuyệt đối không cung cấp mã OTP cho bất kỳ ai. Mọi thắc mắc xin liên hệ Ủy ban nhân dân xã.",
)


def _note(text: str) -> None:
    sys.stdout.write(f"outreach demo: {text}\n")


def _rng_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(['Văn', 'Thị', 'Minh', 'Thu'])} {rng.choice(GIVEN)}"


def _demo_communes(province: Unit) -> list[Unit]:
    """The communes the portal demo gave villages "Xóm 1..4" (else the first three)."""
    ids = Unit.objects.filter(parent__parent=province, name="Xóm 1").values("parent")
    communes = list(Unit.objects.filter(pk__in=ids).order_by("path"))
    return communes or list(Unit.objects.filter(parent=province).order_by("path")[:3])


def _approve(officer, leader, content: Content) -> Content:
    services.content_submit(acting_user=officer, content=content)
    return services.content_approve(acting_user=leader, content=content, note="Đồng ý phát hành")


def load_demo(*, province) -> None:
    """Idempotent: a second run changes nothing."""
    if province is None:
        province = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if province is None or Campaign.objects.filter(title=CAMPAIGN_TITLE).exists():
        return
    officer = User.objects.filter(username="truyenthong.tinh").first()
    leader = User.objects.filter(username="lanhdao.tinh").first()
    communes = _demo_communes(province)
    if not communes:
        return
    sms, zalo = SmsStandin(api_key="demo-sms-key"), ZaloStandin(access_token="demo-zalo")
    with sms, zalo:
        standins = override_settings(
            TINHSO_SMS_URL=sms.url,
            TINHSO_SMS_API_KEY="demo-sms-key",
            TINHSO_SMS_SECRET_KEY="",
            TINHSO_SMS_BRANDNAME="TINHSO",
            TINHSO_ZALO_URL=zalo.url,
            TINHSO_ZALO_ACCESS_TOKEN="demo-zalo",
        )
        with standins:
            dispatches = _load(province, communes, officer, leader)
            # Sent here, while the stand-ins listen (the task queued on commit finds them done).
            for dispatch_id in dispatches:
                services.dispatch_run(dispatch_id=dispatch_id)


@transaction.atomic
def _load(province: Unit, communes: list[Unit], officer, leader) -> list[int]:
    rng = random.Random(606)  # noqa: S311 - the same demo every time, not a secret
    today = timezone.localdate()
    starts = today - dt.timedelta(days=35)
    ends = starts + dt.timedelta(days=61)
    villages = {
        commune.pk: list(Unit.objects.filter(parent=commune, name__in=VILLAGES).order_by("name"))
        for commune in communes
    }
    campaign = services.campaign_create(
        acting_user=officer,
        unit=province,
        title=CAMPAIGN_TITLE,
        goal=(
            "Mỗi hộ gia đình có ít nhất một người sử dụng thành thạo 5 kỹ năng số cơ bản; "
            "người dân từ 14 tuổi được kích hoạt tài khoản định danh điện tử mức 2."
        ),
        starts_on=starts,
        ends_on=ends,
        is_peak=True,
        target_units=communes,
        audiences=["elderly", "ethnic_minorities", "businesses", "youth", "farmers"],
        key_messages=[
            "Kích hoạt tài khoản định danh điện tử VNeID mức 2",
            "Nộp hồ sơ trực tuyến 25 dịch vụ công thiết yếu của Đề án 06",
            "Thanh toán không dùng tiền mặt",
            "Không cung cấp mã OTP cho bất kỳ ai",
        ],
        channels=[
            "portal",
            "sms",
            "zalo",
            "email",
            "radio",
            "leaflet",
            "door_to_door",
            "evening_session",
            "vehicle",
        ],
        targets={
            "households_reached": 3000,
            "people_guided": 2500,
            "vneid_level2": 1500,
            "online_dossiers": 400,
            "messages_delivered": 20,
            "radio_minutes": 200,
        },
    )
    services.campaign_create(
        acting_user=officer,
        unit=province,
        title="Hưởng ứng Ngày Chuyển đổi số quốc gia 10/10",
        goal="Các hoạt động hưởng ứng Ngày Chuyển đổi số quốc gia.",
        starts_on=ends + dt.timedelta(days=5),
        ends_on=ends + dt.timedelta(days=20),
        audiences=["general"],
        channels=["portal", "radio", "social"],
        targets={"households_reached": 1000},
    )

    # --- contacts (who agreed to receive messages), one of them opted out of SMS ---------------
    if not Contact.objects.exists():
        for n, commune in enumerate(communes):
            for k, audience in enumerate(["elderly", "youth", "businesses"]):
                services.contact_create(
                    acting_user=officer, unit=commune, full_name=_rng_name(rng),
                    phone=f"09{n}{k}{rng.randrange(10**6):06d}",
                    zalo_user_id=str(7000 + n * 10 + k),
                    email=f"nguoidan{n}{k}@demo.tinhso.vn", audience=audience,
                )  # fmt: skip
        first_phone = Contact.objects.order_by("pk").values_list("phone", flat=True).first()
        services.optout_add(
            acting_user=None, channel="sms", address=first_phone, reason="Không muốn nhận tin"
        )

    # --- content in every channel -------------------------------------------------------------
    def content(kind, title, body, **extra):
        made = services.content_create(
            acting_user=officer, unit=province, campaign=campaign, kind=kind, title=title,
            body=body, **extra,
        )  # fmt: skip
        return _approve(officer, leader, made)

    dispatches = []
    article = content(
        "article",
        "Ra quân chiến dịch cao điểm 60 ngày tuyên truyền chuyển đổi số",
        "Sáng nay, Ủy ban nhân dân tỉnh tổ chức lễ ra quân chiến dịch cao điểm 60 ngày "
        "tuyên truyền chuyển đổi số tại các xã, phường.\n\n"
        "Các tổ công nghệ số cộng đồng sẽ đến từng hộ gia đình hướng dẫn cài đặt VNeID, "
        "kích hoạt tài khoản định danh điện tử mức 2, nộp hồ sơ trực tuyến và thanh toán "
        "không dùng tiền mặt.",
        summary="Các tổ công nghệ số cộng đồng đến từng hộ hướng dẫn kỹ năng số.",
    )
    services.dispatch_create(acting_user=officer, content=article, channel="portal")
    guide = content(
        "article",
        "Hướng dẫn kích hoạt tài khoản định danh điện tử mức 2",
        "Bước 1: Cài ứng dụng VNeID.\nBước 2: Đăng ký tài khoản bằng số định danh cá nhân.\n"
        "Bước 3: Đến công an xã để được kích hoạt mức 2.",
        summary="Ba bước để có tài khoản định danh điện tử mức 2.",
    )
    services.dispatch_create(acting_user=officer, content=guide, channel="portal")
    sms = content(
        "sms",
        "Tin nhắn mời kích hoạt VNeID",
        "UBND tinh: Moi ba con den nha van hoa xom toi thu Sau de duoc huong dan kich hoat "
        "VNeID muc 2 va nop ho so truc tuyen. Khong cung cap ma OTP cho bat ky ai.",
    )
    dispatches.append(
        services.dispatch_create(acting_user=officer, content=sms, channel="sms", units=communes).pk
    )
    zalo = content(
        "zalo",
        "Tin Zalo: 25 dịch vụ công thiết yếu",
        "Bà con có thể nộp trực tuyến 25 dịch vụ công thiết yếu của Đề án 06 trên Cổng dịch vụ "
        "công. Cần hỗ trợ, hãy nhắn tin cho Trang Zalo OA của tỉnh hoặc gặp tổ công nghệ số "
        "cộng đồng của xóm.",
    )
    dispatches.append(
        services.dispatch_create(
            acting_user=officer, content=zalo, channel="zalo", units=communes
        ).pk
    )
    email = content(
        "email",
        "Thư mời doanh nghiệp sử dụng hóa đơn điện tử và dịch vụ công trực tuyến",
        "Kính gửi quý doanh nghiệp,\n\nSở Khoa học và Công nghệ trân trọng mời quý doanh "
        "nghiệp tham gia chương trình hỗ trợ chuyển đổi số.",
    )
    dispatches.append(
        services.dispatch_create(
            acting_user=officer, content=email, channel="email", units=communes,
            audiences=["businesses"],
        ).pk
    )  # fmt: skip
    leaflet = content(
        "leaflet",
        "5 kỹ năng số cơ bản cho mọi người dân",
        "Mỗi hộ gia đình có ít nhất một người thành thạo:\n\n"
        "- Dịch vụ công trực tuyến\n- Mua sắm trực tuyến\n- Thanh toán trực tuyến\n"
        "- An toàn trên không gian mạng\n- Sử dụng các nền tảng số của địa phương\n\n"
        "Liên hệ tổ công nghệ số cộng đồng của xóm để được hướng dẫn miễn phí.",
        summary="Tờ rơi phát tại nhà văn hóa và bộ phận một cửa.",
    )
    try:
        services.leaflet_render(acting_user=officer, content=leaflet)
    except Exception as exc:  # WeasyPrint/Pango missing: the demo goes on without the PDF
        _note(f"leaflet PDF skipped ({type(exc).__name__}: {exc})")

    # --- radio --------------------------------------------------------------------------------
    dx = content("radio", RADIO_DX[0], RADIO_DX[1], dx_section=True)
    notice = content(
        "radio",
        "Thông báo lịch hỗ trợ kích hoạt VNeID tại nhà văn hóa",
        "Tối thứ Sáu tuần này, tổ công nghệ số cộng đồng hỗ trợ bà con kích hoạt VNeID mức 2 "
        "tại nhà văn hóa xóm. Bà con mang theo căn cước và điện thoại.",
    )
    urgent = content(
        "radio",
        "Cảnh báo thủ đoạn lừa đảo qua điện thoại",
        "Thời gian gần đây xuất hiện các cuộc gọi giả danh công an yêu cầu cài ứng dụng lạ. "
        "Bà con tuyệt đối không làm theo.",
        priority="priority",
    )
    if tts.is_available():
        for bulletin in (dx, notice, urgent):
            services.bulletin_render_audio(acting_user=officer, content=bulletin)
    else:
        _note(
            "espeak-ng is not installed: radio bulletins have no audio (apt-get install espeak-ng)"
        )

    local = timezone.get_current_timezone()
    this_monday = today - dt.timedelta(days=today.weekday())
    for n, commune in enumerate(communes):
        station = services.station_create(
            acting_user=officer, unit=commune, code=f"DAI-{commune.code}",
            name=f"Đài truyền thanh {commune.name}",
        )  # fmt: skip
        commune_villages = villages[commune.pk]
        clusters = []
        for k, pair in enumerate([commune_villages[:2], commune_villages[2:]], start=1):
            cluster, _key = services.cluster_create(
                acting_user=officer, station=station, code=f"LOA-{commune.code}-{k}",
                name=f"Cụm loa {' – '.join(v.name for v in pair) or k}",
                area=pair[0] if pair else None,
            )  # fmt: skip
            clusters.append(cluster)
        for week in range(-4, 4):
            monday = this_monday + dt.timedelta(days=7 * week)
            start = dt.datetime.combine(monday, dt.time(18, 0), tzinfo=local)
            for cluster in clusters:
                slot = services.slot_schedule(
                    acting_user=officer, cluster=cluster, content=dx, starts_at=start,
                    duration_seconds=480,
                ).slot  # fmt: skip
                # The last commune's station missed the DX section two weeks ago.
                missed = n == len(communes) - 1 and week == -2
                if start < timezone.now() and not missed:
                    services.playlog_report(cluster=cluster, items=[{
                        "report_id": f"demo-{slot.pk}", "content_id": dx.pk, "slot_id": slot.pk,
                        "started_at": start, "duration_seconds": 480,
                    }])  # fmt: skip
        # Tomorrow morning: a notice at 6:00 that the scam warning (priority) pushes back.
        tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(6, 0), tzinfo=local)
        services.slot_schedule(
            acting_user=officer, cluster=clusters[0], content=notice, starts_at=tomorrow,
            duration_seconds=180,
        )  # fmt: skip
        services.slot_schedule(
            acting_user=officer, cluster=clusters[0], content=urgent,
            starts_at=tomorrow + dt.timedelta(minutes=1), duration_seconds=120,
        )  # fmt: skip

    # --- teams ---------------------------------------------------------------------------------
    for commune in communes:
        for village in villages[commune.pk]:
            team = services.team_create(
                acting_user=officer, unit=village,
                name=f"Tổ công nghệ số cộng đồng {village.name}, {commune.name}",
                decision_ref=f"{rng.randrange(100, 999)}/QĐ-UBND",
                decision_date=dt.date(2025, 8, 15),
                targets={"households_reached": 250, "vneid_level2": 150},
            )  # fmt: skip
            services.team_member_add(
                acting_user=officer, team=team, full_name=_rng_name(rng), role="leader",
                position="Trưởng xóm",
            )  # fmt: skip
            services.team_member_add(
                acting_user=officer, team=team, full_name=_rng_name(rng),
                position="Bí thư chi đoàn",
            )  # fmt: skip
            services.team_member_add(
                acting_user=officer, team=team, full_name=_rng_name(rng), position="Công an viên"
            )
            services.training_record_create(
                acting_user=officer, team=team, title="Tập huấn 5 kỹ năng số cơ bản",
                held_on=starts - dt.timedelta(days=7), organiser="Sở Khoa học và Công nghệ, VNPT",
                hours=4, attendees=3,
                skills=["public_services", "online_shopping", "online_payment", "safety_online",
                        "local_platforms"],
            )  # fmt: skip
            items = []
            for visit in range(6):
                day = starts + dt.timedelta(days=2 + visit * 5 + rng.randrange(3))
                if day > today:
                    break
                items.append({
                    "client_uuid": str(uuid.uuid5(NAMESPACE, f"{team.unit.code}-{visit}")),
                    "team_id": team.pk, "campaign_id": campaign.pk, "date": day.isoformat(),
                    "place": f"Nhà văn hóa {village.name}" if visit % 2 else village.name,
                    "kind": "evening_session" if visit % 2 else "door_to_door",
                    "households_visited": rng.randrange(8, 25),
                    "guided_public_services": rng.randrange(2, 10),
                    "guided_online_shopping": rng.randrange(0, 5),
                    "guided_online_payment": rng.randrange(1, 8),
                    "guided_safety_online": rng.randrange(2, 12),
                    "guided_local_platforms": rng.randrange(0, 4),
                    "vneid_installed": rng.randrange(1, 8),
                    "vneid_level2": rng.randrange(1, 10),
                    "online_dossiers": rng.randrange(0, 4),
                })  # fmt: skip
            results = sync.activity_log_sync(acting_user=officer, items=items)
            errors_ = [r for r in results if r.status == "error"]
            if errors_:
                raise DomainError(errors_[0].code, errors_[0].message)

    # --- awareness surveys before and after ------------------------------------------------
    questions = [
        {"text": "Ông/bà đã có tài khoản định danh điện tử mức 2 chưa?", "kind": "yes_no"},
        {"text": "Ông/bà tự tin nộp hồ sơ trực tuyến đến mức nào?", "kind": "scale"},
        {
            "text": "Khi có người gọi điện xin mã OTP, ông/bà sẽ làm gì?",
            "kind": "choice",
            "choices": ["Đọc mã cho họ", "Không cung cấp và báo công an", "Không biết"],
            "correct": "Không cung cấp và báo công an",
        },
        {"text": "Ông/bà cần hỗ trợ thêm điều gì?", "kind": "text"},
    ]
    audiences = ["elderly", "ethnic_minorities", "youth", "businesses", "farmers"]
    for phase, title, bias in [
        ("before", "Khảo sát nhận thức trước chiến dịch", 0.35),
        ("after", "Khảo sát nhận thức sau chiến dịch", 0.75),
    ]:
        survey = services.survey_create(
            acting_user=officer, unit=province, campaign=campaign, title=title, phase=phase,
            questions=questions,
        )  # fmt: skip
        services.survey_open(acting_user=officer, survey=survey)
        q = list(survey.questions.order_by("order"))
        for n in range(36):
            commune = communes[n % len(communes)]
            good = rng.random() < bias
            services.survey_answer(
                acting_user=officer, survey=survey,
                unit=rng.choice(villages[commune.pk] or [commune]),
                audience=audiences[n % len(audiences)], channel="team",
                answers={
                    q[0].pk: "yes" if good else "no",
                    q[1].pk: rng.randrange(3, 6) if good else rng.randrange(1, 4),
                    q[2].pk: q[2].choices[1] if good or rng.random() < 0.3 else q[2].choices[0],
                    q[3].pk: "",
                },
                client_uuid=uuid.uuid5(NAMESPACE, f"survey-{phase}-{n}"),
            )  # fmt: skip
        if phase == "before":
            services.survey_close(acting_user=officer, survey=survey)
    return dispatches
