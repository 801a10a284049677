"""Whatever a client sends, the form and catalogue checks answer with codes, never crash."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.dossiers import errors
from tinhso.dossiers.catalogue import form_clean, procedure_check
from tinhso.dossiers.tests.factories import procedure_item

FORM = procedure_item()["form"]
NAMES = [field["name"] for step in FORM["steps"] for field in step["fields"]]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*NAMES, "other"]), json_values))
def test_form_clean_answers_or_lists_field_codes(answers):
    try:
        clean = form_clean(FORM, answers)
    except errors.FormInvalid as exc:
        assert exc.details and all({"field", "code", "message"} <= set(p) for p in exc.details)
    else:
        assert set(clean) <= set(NAMES)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(list(procedure_item())), json_values, max_size=8).map(
        lambda changes: {**procedure_item(), **changes}
    )
)
def test_procedure_check_never_crashes(item):
    _clean, problems = procedure_check(item)
    assert all({"field", "code", "message"} <= set(p) for p in problems)


@pytest.mark.parametrize("value", [None, [], "x", 3, [{"a": 1}]])
def test_procedure_check_of_non_objects(value):
    _clean, problems = procedure_check({"levels": value, "agency_kinds": value})
    assert problems
