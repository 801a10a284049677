"""Demo data for the feedback room, loaded by ``tinhso demo`` after the province, agencies and
users: report categories (also the Open311 services), routing rules and centre points for the
demo communes, reports in every state with Nghệ An coordinates, and one Open311 client.

The demo Open311 client's api_key is ``DEMO_OPEN311_KEY`` below ("demo-open311-nghe-an"): a
public, documented demo value, like the demo passwords — never use it outside a demo.

Idempotent: a second run finds what the first one made and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tinhso.feedback import services
from tinhso.feedback.models import ApiClient, Category, CommuneCentroid, Report, RoutingRule
from tinhso.units.models import Agency, Unit

DEMO_OPEN311_KEY = "demo-open311-nghe-an"

# (service_code, name, handling days, day kind, public, keywords, [children])
CATEGORIES = [
    (
        "giao-thong",
        "Giao thông, đường sá",
        None,
        [
            ("o-ga", "Ổ gà, hư hỏng mặt đường", 5, "o ga, hu hong duong, sut lun"),
            ("bien-bao", "Biển báo, vạch sơn, đèn tín hiệu", 5, "bien bao, den giao thong"),
            ("an-toan-giao-thong", "Điểm mất an toàn giao thông", 3, "tai nan, diem den"),
        ],
    ),
    (
        "chieu-sang",
        "Chiếu sáng công cộng",
        None,
        [
            ("den-duong", "Đèn đường hỏng, không sáng", 3, "den duong, chieu sang"),
        ],
    ),
    (
        "moi-truong",
        "Môi trường, rác thải",
        None,
        [
            ("rac-thai", "Rác thải không được thu gom", 3, "rac, thu gom"),
            ("o-nhiem", "Ô nhiễm (khói, bụi, mùi, tiếng ồn)", 10, "o nhiem, mui hoi, tieng on"),
            ("cay-xanh", "Cây xanh gãy đổ, nguy hiểm", 2, "cay do, cay gay"),
        ],
    ),
    (
        "ha-tang",
        "Cấp thoát nước",
        None,
        [
            ("cap-nuoc", "Mất nước, rò rỉ đường ống", 3, "mat nuoc, ro ri"),
            ("ngap-ung", "Ngập úng, cống thoát nước", 5, "ngap, cong"),
        ],
    ),
    (
        "trat-tu",
        "Trật tự đô thị, an ninh",
        None,
        [
            ("lan-chiem", "Lấn chiếm vỉa hè, lòng đường", 7, "lan chiem via he"),
            ("trat-tu-cong-cong", "Gây mất trật tự công cộng", 5, "mat trat tu, tu tap"),
        ],
    ),
    (
        "dat-dai",
        "Đất đai, xây dựng",
        None,
        [
            ("xay-dung-trai-phep", "Xây dựng không phép, sai phép", 15, "xay dung trai phep"),
        ],
    ),
]

# Demo communes' centre points (approximate; we have no boundaries, see routing.py).
CENTROIDS = {
    "16681": (18.673400, 105.692200),  # Phường Thành Vinh
    "17329": (18.930000, 105.080000),  # Xã Anh Sơn
    "17464": (18.987000, 105.593000),  # Xã Diễn Châu
}

# (commune code, service_code, north m, east m, address, description, steps, days ago)
REPORTS = [
    (
        "16681",
        "o-ga",
        10,
        5,
        "Đường Lê Duẩn, gần ngã tư Quang Trung",
        "Ổ gà sâu khoảng 20 cm giữa làn xe máy, trời mưa đọng nước không nhìn thấy, "
        "đã có người ngã.",
        [],
        1,
    ),
    (
        "16681",
        "den-duong",
        -120,
        40,
        "Đường Trường Thi, đoạn trước trường tiểu học",
        "Ba cột đèn liền nhau không sáng đã một tuần, buổi tối học sinh đi về rất tối.",
        ["accept"],
        2,
    ),
    (
        "16681",
        "rac-thai",
        300,
        -200,
        "Ngõ 12 đường Nguyễn Du",
        "Rác tập kết ở đầu ngõ ba ngày chưa được thu gom, bốc mùi hôi.",
        ["accept", "start"],
        3,
    ),
    (
        "16681",
        "lan-chiem",
        450,
        150,
        "Đường Phan Đình Phùng",
        "Quán ăn bày bàn ghế chiếm hết vỉa hè, người đi bộ phải xuống lòng đường.",
        ["accept", "start", ("hold", "Chờ đoàn kiểm tra liên ngành của phường.")],
        6,
    ),
    (
        "16681",
        "ngap-ung",
        -400,
        -300,
        "Khối 5, đường Hồ Tùng Mậu",
        "Cống thoát nước bị tắc, mưa nhỏ cũng ngập đến đầu gối.",
        ["accept", ("ask_reporter", "Đề nghị ông/bà cho biết số nhà cụ thể nơi cống bị tắc.")],
        4,
    ),
    (
        "16681",
        "o-ga",
        600,
        600,
        "Đường Nguyễn Văn Cừ",
        "Mặt đường bị sụt lún thành hố lớn sau trận mưa.",
        [
            "accept",
            "start",
            (
                "resolve",
                "UBND phường đã phối hợp đơn vị duy tu vá mặt đường "
                "ngày hôm qua, đường đã thông thoáng.",
            ),
        ],
        9,
    ),
    (
        "16681",
        "cay-xanh",
        -50,
        700,
        "Công viên trung tâm",
        "Cây bàng lớn bị nghiêng sau bão, có nguy cơ đổ vào nhà dân.",
        ["accept", ("resolve", "Đội cây xanh đã cắt tỉa và chống đỡ cây an toàn."), "close"],
        15,
    ),
    (
        "16681",
        "trat-tu-cong-cong",
        200,
        -600,
        "Khu vực chợ Vinh",
        "Hát karaoke thùng kéo đến 23 giờ đêm gây ồn ào.",
        [
            (
                "reject_not_competent",
                "Nội dung thuộc thẩm quyền Công an phường, đã hướng dẫn người dân liên hệ số 113.",
            )
        ],
        5,
    ),
    (
        "16681",
        "den-duong",
        -125,
        42,
        "Đường Trường Thi",
        "Đèn đường không sáng trước cổng trường.",
        [("reject_duplicate", "Trùng với phản ánh trước đó tại cùng vị trí.")],
        2,
    ),
    (
        "16681",
        "rac-thai",
        0,
        0,
        "Không rõ",
        "quảng cáo vay tiền nhanh lãi suất thấp",
        [("reject_spam", "Nội dung quảng cáo.")],
        1,
    ),
    (
        "17329",
        "o-ga",
        100,
        100,
        "Quốc lộ 7, đoạn qua xã Anh Sơn",
        "Nhiều ổ gà liên tiếp trên quốc lộ, xe tải tránh nhau rất nguy hiểm.",
        ["accept", "start"],
        20,
    ),
    (
        "17329",
        "xay-dung-trai-phep",
        -300,
        200,
        "Thôn 3",
        "Hộ gia đình xây nhà lấn ra hành lang an toàn đường bộ.",
        [
            "accept",
            ("resolve", "UBND xã đã lập biên bản, yêu cầu tháo dỡ phần lấn chiếm."),
            ("reopen", "Người dân phản ánh phần lấn chiếm chưa được tháo dỡ."),
        ],
        12,
    ),
    (
        "17329",
        "cap-nuoc",
        50,
        -80,
        "Khối 2",
        "Đường ống nước bị vỡ, nước chảy tràn ra đường hai ngày nay.",
        [],
        0,
    ),
    (
        "17464",
        "o-nhiem",
        200,
        300,
        "Gần cụm công nghiệp Diễn Châu",
        "Khói đen và mùi khét từ xưởng tái chế vào buổi tối, trẻ nhỏ bị ho.",
        ["accept", "start", ("extend", "Cần lấy mẫu quan trắc không khí, gia hạn theo quy định.")],
        8,
    ),
    (
        "17464",
        "an-toan-giao-thong",
        -100,
        50,
        "Ngã ba Quốc lộ 1A - đường tỉnh 538",
        "Ngã ba không có đèn tín hiệu, đã xảy ra nhiều vụ va chạm.",
        ["accept", ("resolve", "Đã báo cáo Sở Xây dựng lắp đặt biển cảnh báo và gờ giảm tốc.")],
        10,
    ),
]


def _agency(unit: Unit, kind: str) -> Agency | None:
    return Agency.objects.filter(unit=unit, kind=kind, is_active=True).order_by("pk").first()


def _categories() -> dict[str, Category]:
    made: dict[str, Category] = {}
    for order, (code, name, _days, children) in enumerate(CATEGORIES, start=1):
        group = Category.objects.filter(service_code=code).first() or services.category_create(
            acting_user=None, service_code=code, name=name, order=order
        )
        made[code] = group
        for child_order, (child_code, child_name, days, keywords) in enumerate(children, 1):
            attributes = []
            if child_code == "o-ga":
                attributes = [
                    {
                        "code": "muc_do", "datatype": "singlevaluelist", "required": False,
                        "description": "Mức độ nguy hiểm", "order": 1,
                        "values": [
                            {"key": "thap", "name": "Thấp"},
                            {"key": "trung_binh", "name": "Trung bình"},
                            {"key": "cao", "name": "Cao, cần xử lý ngay"},
                        ],
                    }
                ]  # fmt: skip
            made[child_code] = Category.objects.filter(
                service_code=child_code
            ).first() or services.category_create(
                acting_user=None, service_code=child_code, name=child_name, parent=group,
                handling_days=days, keywords=keywords, order=child_order,
                attributes=attributes, is_public=child_code != "trat-tu-cong-cong",
            )  # fmt: skip
    return made


@transaction.atomic
def _setup(province: Unit, categories: dict[str, Category]) -> list[Unit]:
    communes = list(Unit.objects.filter(code__in=CENTROIDS, valid_until__isnull=True))
    if not RoutingRule.objects.exists():
        order = 10
        for commune in communes:
            police = _agency(commune, Agency.Kind.CONG_AN)
            if police is not None:
                services.routing_rule_create(
                    acting_user=None, agency=police, unit=commune,
                    category=categories["trat-tu"], order=order, note="demo",
                )  # fmt: skip
                order += 10
        environment = Agency.objects.filter(
            unit=province, kind=Agency.Kind.SO, name__icontains="Môi trường"
        ).first()
        if environment is not None:
            services.routing_rule_create(
                acting_user=None, agency=environment, unit=None,
                category=categories["o-nhiem"], order=order, note="demo",
            )  # fmt: skip
            order += 10
        for commune in communes:
            committee = _agency(commune, Agency.Kind.UBND_XA)
            if committee is not None:
                services.routing_rule_create(
                    acting_user=None, agency=committee, unit=commune, order=order, note="demo"
                )
                order += 10
    for commune in communes:
        if not CommuneCentroid.objects.filter(unit=commune).exists():
            lat, lon = CENTROIDS[commune.code]
            services.commune_centroid_set(
                acting_user=None, unit=commune, latitude=lat, longitude=lon
            )
    if not ApiClient.objects.filter(name="Ứng dụng demo Open311").exists():
        services.api_client_create(
            acting_user=None, name="Ứng dụng demo Open311", api_key=DEMO_OPEN311_KEY,
            contact_email="open311@demo.tinhso.vn", requests_per_minute=120,
        )  # fmt: skip
    return communes


def _point(commune_code: str, north: float, east: float) -> tuple[float, float]:
    from tinhso.feedback.routing import bounding_box

    lat, lon = CENTROIDS[commune_code]
    _lat_min, lat_max, _lon_min, lon_max = bounding_box(lat, lon, 1.0)
    return round(lat + north * (lat_max - lat), 6), round(lon + east * (lon_max - lon), 6)


def _reports(categories: dict[str, Category]) -> None:
    from tinhso.accounts.models import User

    if Report.objects.filter(source_ref__startswith="demo:").exists():
        return
    citizens = list(User.objects.filter(kind=User.Kind.CITIZEN).order_by("pk")[:6])
    now = timezone.now()
    first_by_place: dict[tuple[str, str], Report] = {}
    for index, (commune, code, north, east, address, text, steps, days_ago) in enumerate(REPORTS):
        if not Unit.objects.filter(code=commune, valid_until__isnull=True).exists():
            continue
        lat, lon = _point(commune, north, east)
        reporter = citizens[index % len(citizens)] if citizens and index % 3 != 2 else None
        with transaction.atomic():
            report = services.report_create(
                acting_user=None,
                category=categories[code],
                description=text,
                channel=[Report.Channel.PORTAL, Report.Channel.HOTLINE, Report.Channel.OPEN311,
                         Report.Channel.ZALO][index % 4],
                latitude=lat,
                longitude=lon,
                address=address,
                commune_code=commune,
                reporter=reporter,
                contact_name="" if reporter else "Người dân (qua tổng đài 1022)",
                is_anonymous=index % 5 == 4,
                source_ref=f"demo:{index}",
                received_at=now - dt.timedelta(days=days_ago, hours=index),
            )  # fmt: skip
            for step in steps:
                action, message = step if isinstance(step, tuple) else (step, "")
                if action == "extend":
                    services.report_extend(acting_user=None, report=report, days=10, reason=message)
                elif action == "reject_duplicate":
                    original = first_by_place.get((commune, code))
                    services.report_reject(
                        acting_user=None, report=report, kind="duplicate", reason=message,
                        duplicate_of=original,
                    )  # fmt: skip
                else:
                    services.report_act(
                        acting_user=None, report=report, action=action, message=message
                    )
            first_by_place.setdefault((commune, code), report)


def load_demo(*, province) -> None:
    """Idempotent: a second run changes nothing."""
    categories = _categories()
    _setup(province, categories)
    _reports(categories)
