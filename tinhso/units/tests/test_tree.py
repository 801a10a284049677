"""The unit tree: create, update, move, retire, and the selectors that read it."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.kernel.errors import Conflict, Forbidden, InvalidInput
from tinhso.kernel.models import AuditEvent
from tinhso.units import selectors, services
from tinhso.units.models import PATH_SEGMENT_WIDTH, Unit, path_segment, subtree_bounds
from tinhso.units.tests.factories import CommuneFactory, ProvinceFactory, VillageFactory

pytestmark = pytest.mark.django_db


def reload(unit):
    return Unit.objects.get(pk=unit.pk)


# --- create ---------------------------------------------------------------------------------


def test_create_gives_level_path_and_search_name():
    province = services.unit_create(acting_user=None, code="91", name="Tỉnh Thử", type="tinh")
    commune = services.unit_create(
        acting_user=None, code="91001", name="Xã  Anh Sơn ", type="xa", parent=province
    )
    assert province.level == 1
    assert province.path == path_segment(province.pk)
    assert commune.level == 2
    assert commune.path == province.path + path_segment(commune.pk)
    assert reload(commune).path == commune.path
    assert commune.name == "Xã Anh Sơn"
    assert commune.search_name == "xa anh son"
    assert commune.codename == "xa_anh_son"
    event = AuditEvent.objects.get(action="units.unit_create", object_id=str(commune.pk))
    assert event.actor_label == "system"
    assert event.changes["code"] == [None, "91001"]


def test_create_refuses_a_code_in_force_but_allows_history_to_reuse_it():
    province = ProvinceFactory(code="91")
    with pytest.raises(InvalidInput) as exc:
        services.unit_create(acting_user=None, code="91", name="Tỉnh Khác", type="tinh")
    assert exc.value.code == "unit_code_taken"
    old = services.unit_create(
        acting_user=None,
        code="91",
        name="Tỉnh Cũ",
        type="tinh",
        valid_from=dt.date(2000, 1, 1),
        valid_until=dt.date(2025, 6, 30),
    )
    assert old.pk != province.pk


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"code": ""}, "unit_code_invalid"),
        ({"code": "9 1"}, "unit_code_invalid"),
        ({"code": "co-quan"}, "unit_code_invalid"),
        ({"name": "   "}, "unit_name_empty"),
        ({"type": "county"}, "unit_type_invalid"),
        (
            {"valid_from": dt.date(2025, 7, 1), "valid_until": dt.date(2025, 1, 1)},
            "unit_validity_invalid",
        ),
    ],
)
def test_create_checks_its_input(kwargs, code):
    data = {"code": "93", "name": "Tỉnh Thử", "type": "tinh", **kwargs}
    with pytest.raises(InvalidInput) as exc:
        services.unit_create(acting_user=None, **data)
    assert exc.value.code == code


def test_no_unit_in_force_under_a_retired_parent():
    retired = ProvinceFactory(retired=True)
    with pytest.raises(InvalidInput) as exc:
        CommuneFactory(parent=retired)
    assert exc.value.code == "unit_parent_retired"
    history = CommuneFactory(parent=retired, retired=True)
    assert history.parent == retired


def test_create_needs_manage_permission_and_scope(tree):
    with pytest.raises(Forbidden) as exc:
        services.unit_create(
            acting_user=tree.commune_viewer,
            code="9100102",
            name="Thôn Mới",
            type="thon",
            parent=tree.commune_a,
        )
    assert exc.value.code == "forbidden"
    with pytest.raises(Forbidden) as exc:
        services.unit_create(
            acting_user=tree.commune_admin,
            code="9100201",
            name="Tổ dân phố 1",
            type="to_dan_pho",
            parent=tree.commune_b,
        )
    assert exc.value.code == "unit_out_of_scope"
    with pytest.raises(Forbidden):
        services.unit_create(acting_user=tree.province_admin, code="95", name="Tỉnh", type="tinh")
    village = services.unit_create(
        acting_user=tree.commune_admin,
        code="9100102",
        name="Thôn Mới",
        type="thon",
        parent=tree.commune_a,
    )
    assert village.is_within(tree.commune_a)
    assert AuditEvent.objects.get(object_id=str(village.pk)).actor == tree.commune_admin


# --- update ---------------------------------------------------------------------------------


def test_update_renames_and_refolds(tree):
    unit = services.unit_update(
        acting_user=tree.commune_admin, unit=tree.commune_a, name="Xã Đô Lương"
    )
    assert reload(unit).search_name == "xa do luong"
    event = AuditEvent.objects.get(action="units.unit_update")
    assert event.changes["name"] == ["Xã Anh Sơn Thử", "Xã Đô Lương"]


def test_update_without_change_writes_nothing(tree):
    services.unit_update(acting_user=None, unit=tree.commune_a, name=tree.commune_a.name)
    assert not AuditEvent.objects.filter(action="units.unit_update").exists()


def test_update_refuses_a_code_in_force(tree):
    with pytest.raises(InvalidInput) as exc:
        services.unit_update(acting_user=None, unit=tree.commune_a, code="91002")
    assert exc.value.code == "unit_code_taken"


# --- move -----------------------------------------------------------------------------------


def test_move_rewrites_the_subtree_in_one_update(tree, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deep = VillageFactory(parent=tree.commune_a)
    with CaptureQueriesContext(connection) as captured:
        services.unit_move(
            acting_user=tree.province_admin, unit=tree.commune_a, new_parent=tree.commune_b
        )
    path_updates = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("UPDATE") and "path" in q["sql"]
    ]
    assert len(path_updates) == 1
    commune_a, village, deep = reload(tree.commune_a), reload(tree.village), reload(deep)
    assert commune_a.parent_id == tree.commune_b.pk
    assert commune_a.path == tree.commune_b.path + path_segment(commune_a.pk)
    assert commune_a.level == 3
    assert village.path == commune_a.path + path_segment(village.pk)
    assert village.level == 4
    assert deep.level == 4
    assert set(selectors.units_under(tree.commune_b)) >= {commune_a, village, deep}
    assert list(selectors.unit_ancestors(village)) == [tree.province, tree.commune_b, commune_a]


def test_move_to_the_top_and_back(tree):
    unit = services.unit_move(acting_user=None, unit=tree.commune_a, new_parent=None)
    assert unit.level == 1
    assert unit.path == path_segment(unit.pk)
    assert reload(tree.village).level == 2
    unit = services.unit_move(acting_user=None, unit=unit, new_parent=tree.province)
    assert reload(tree.village).path == tree.province.path + path_segment(unit.pk) + path_segment(
        tree.village.pk
    )


def test_move_under_itself_is_refused(tree):
    for target in (tree.commune_a, tree.village):
        with pytest.raises(InvalidInput) as exc:
            services.unit_move(acting_user=None, unit=tree.commune_a, new_parent=target)
        assert exc.value.code == "unit_move_cycle"


def test_move_needs_both_ends_in_scope(tree):
    with pytest.raises(Forbidden):
        services.unit_move(
            acting_user=tree.commune_admin, unit=tree.village, new_parent=tree.commune_b
        )
    assert reload(tree.village).parent_id == tree.commune_a.pk


# --- retire ---------------------------------------------------------------------------------


def test_merger_retires_and_links_successor(tree):
    services.unit_retire(acting_user=None, unit=tree.village, valid_until=dt.date(2026, 1, 1))
    merged = CommuneFactory(parent=tree.province, code="91003", name="Xã Hợp Nhất")
    for old in (tree.commune_a, tree.commune_b):
        services.unit_retire(
            acting_user=tree.province_admin,
            unit=old,
            valid_until=dt.date(2026, 6, 30),
            successors=[merged],
        )
    assert set(merged.predecessors.all()) == {tree.commune_a, tree.commune_b}
    assert list(reload(tree.commune_a).successors.all()) == [merged]
    assert reload(tree.commune_a).valid_until == dt.date(2026, 6, 30)
    # The code is free again, and the retired unit stays in its province's subtree.
    CommuneFactory(parent=tree.province, code="91001")
    assert reload(tree.commune_a) in selectors.units_under(tree.province)
    assert reload(tree.commune_a) not in selectors.units_under(tree.province, in_force_only=True)


def test_retire_refuses_children_in_force_and_twice(tree):
    with pytest.raises(InvalidInput) as exc:
        services.unit_retire(acting_user=None, unit=tree.commune_a, valid_until=dt.date(2026, 1, 1))
    assert exc.value.code == "unit_has_children_in_force"
    services.unit_retire(acting_user=None, unit=tree.village, valid_until=dt.date(2026, 1, 1))
    with pytest.raises(Conflict) as exc:
        services.unit_retire(acting_user=None, unit=tree.village, valid_until=dt.date(2026, 1, 1))
    assert exc.value.code == "unit_retired"


def test_retire_refuses_a_retired_successor(tree):
    old = ProvinceFactory(retired=True)
    with pytest.raises(InvalidInput) as exc:
        services.unit_retire(
            acting_user=None, unit=tree.village, valid_until=dt.date(2026, 1, 1), successors=[old]
        )
    assert exc.value.code == "unit_successor_invalid"


# --- selectors ------------------------------------------------------------------------------


def test_subtree_is_one_range_query_on_path(tree, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        units = list(selectors.units_under(tree.province))
    assert units == [tree.province, tree.commune_a, tree.village, tree.commune_b]
    sql = captured.captured_queries[0]["sql"]
    low, high = subtree_bounds(tree.province.path)
    assert '"path" >=' in sql and '"path" <' in sql
    assert f"'{low}'" in sql or low in sql
    assert high in sql
    assert " LIKE " not in sql.upper()


def test_subtree_range_uses_the_path_index(tree):
    """The database answers the subtree query from the index on path, not a table scan."""
    from django.db import connection

    qs = selectors.units_under(tree.province)
    plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "USING INDEX" in plan and "path" in plan
    elif connection.vendor == "postgresql":
        # On a tiny table the planner may prefer a sequential scan; forbid it to see that
        # the index can serve the range.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
        assert "path" in plan and ("Index" in plan or "Bitmap" in plan)


def test_units_under_without_self(tree):
    assert list(selectors.units_under(tree.commune_a, include_self=False)) == [tree.village]


def test_children_with_counts(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        children = list(selectors.unit_children(tree.province))
    assert [c.name for c in children] == ["Phường Bến Thủy Thử", "Xã Anh Sơn Thử"]
    assert [c.child_count for c in children] == [0, 1]


def test_ancestors_top_down_in_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert list(selectors.unit_ancestors(tree.village)) == [tree.province, tree.commune_a]
    assert list(selectors.unit_ancestors(tree.province)) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("anh son", "Xã Anh Sơn Thử"),
        ("ANH SƠN", "Xã Anh Sơn Thử"),
        ("son anh", "Xã Anh Sơn Thử"),
        ("ben thuy", "Phường Bến Thủy Thử"),
        ("dong tam", "Thôn Đồng Tâm"),
        ("91002", "Phường Bến Thủy Thử"),
    ],
)
def test_search_ignores_diacritics_case_and_order(tree, query, expected):
    assert expected in [unit.name for unit in selectors.unit_search(query)]


def test_search_ranks_the_name_start_first(tree):
    results = [unit.name for unit in selectors.unit_search("tinh thu nghiem")]
    assert results[0] == "Tỉnh Thử Nghiệm"
    assert list(selectors.unit_search("   ")) == []


def test_search_within_a_subtree(tree):
    assert list(selectors.unit_search("thu", within=tree.commune_a)) == [tree.commune_a]


def test_unit_by_codename_accepts_the_prefix(tree, settings):
    assert tree.province.codename == "tinh_thu_nghiem"
    for name in ("thu_nghiem", "tinh_thu_nghiem", "Tỉnh Thử Nghiệm"):
        assert selectors.unit_by_codename(name) == tree.province
    settings.TINHSO_PROVINCE_CODENAME = "thu_nghiem"
    assert selectors.installed_unit() == tree.province
    settings.TINHSO_PROVINCE_CODENAME = "khong_co"
    assert selectors.installed_unit() is None


@given(
    st.lists(st.integers(min_value=1, max_value=10**PATH_SEGMENT_WIDTH - 2), min_size=1, max_size=6)
)
def test_subtree_bounds_hold_descendants_and_nothing_else(ids):
    path = "".join(path_segment(i) for i in ids)
    low, high = subtree_bounds(path)
    child = path + path_segment(1)
    deepest = path + path_segment(10**PATH_SEGMENT_WIDTH - 1) * 3
    assert low <= path < high
    assert low <= child < high
    assert low <= deepest < high
    next_sibling = path[:-PATH_SEGMENT_WIDTH] + path_segment(ids[-1] + 1)
    assert not (low <= next_sibling < high)
    if len(ids) > 1:
        parent = path[:-PATH_SEGMENT_WIDTH]
        assert not (low <= parent < high)
