"""Expressions: parsed with ``ast`` against a whitelist, never evaluated with ``eval``."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.indicators import errors, expressions, periods
from tinhso.indicators.expressions import Ref


def test_references_and_arithmetic():
    parsed = expressions.parse("(#{hs.truc_tuyen} + #{hs_khac}) / N{dan_so} * 100")
    assert parsed.element_refs == {"hs.truc_tuyen", "hs_khac"}
    assert parsed.indicator_refs == {"dan_so"}
    values = {
        Ref("element", "hs.truc_tuyen"): 30,
        Ref("element", "hs_khac"): 10,
        Ref("indicator", "dan_so"): 200,
    }
    assert parsed.evaluate(values) == pytest.approx(20.0)


def test_missing_values_and_division_by_zero_are_no_data():
    parsed = expressions.parse("#{a} / #{b}")
    assert parsed.evaluate({}) is None
    assert parsed.evaluate({Ref("element", "a"): 5, Ref("element", "b"): 0}) is None
    # One value missing among several counts as 0 (skip only if all are missing).
    assert expressions.parse("#{a} + #{b}").evaluate({Ref("element", "a"): 5}) == 5
    assert expressions.parse("max(#{a}, 3) - abs(-2)").evaluate({Ref("element", "a"): 1}) == 1


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "#{a}.__class__",
        "#{a}[0]",
        "lambda: 1",
        "[x for x in ()]",
        "'text'",
        "True",
        "open",
        "min",
        "#{a} ** 2",
        "#{a} if #{b} else 1",
        "#{a} < #{b}",
        "x",
        "",
        "   ",
        "#{}",
        "#{a",
        "1 +",
        "print(1)",
        "min(x=1)",
        "min()",
        "a" * 3000,
    ],
)
def test_what_is_not_whitelisted_is_refused_with_a_code(text):
    with pytest.raises(errors.ExpressionInvalid) as caught:
        expressions.parse(text)
    assert caught.value.code == "expression_invalid"
    assert caught.value.status == 422


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_the_parser_never_crashes(text):
    try:
        parsed = expressions.parse(text)
    except errors.ExpressionInvalid:
        return
    # Whatever parses evaluates without raising (no data at worst).
    value = parsed.evaluate({ref: 1.0 for ref in parsed.refs.values()})
    assert value is None or isinstance(value, float)


_atoms = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.sampled_from(["#{a}", "#{b.nam}", "N{c}"]),
)
_exprs = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]})"),
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_exprs)
def test_well_formed_expressions_always_parse(text):
    parsed = expressions.parse(text)
    value = parsed.evaluate({ref: 2.0 for ref in parsed.refs.values()})
    assert value is None or isinstance(value, float)


@settings(max_examples=200, deadline=None)
@given(_exprs, st.sampled_from(["x.y", "__class__", "os", "[1]", "{}", "'s'", "==1", "@"]))
def test_appending_a_foreign_construct_is_refused(text, tail):
    with pytest.raises(errors.ExpressionInvalid):
        expressions.parse(
            f"{text} + {tail}" if tail[0].isalpha() or tail[0] == "_" else text + tail
        )


# --- periods ----------------------------------------------------------------------------------


def test_periods_parse_and_place_in_the_year():
    month = periods.parse("202611")
    assert (month.type, month.start.isoformat(), month.end.isoformat()) == (
        "month",
        "2026-11-01",
        "2026-11-30",
    )
    assert (month.index, month.per_year) == (11, 12)
    quarter = periods.parse("2026Q4")
    assert quarter.contains(month) and quarter.end.isoformat() == "2026-12-31"
    assert periods.parse("2024").per_year == 1
    assert periods.parse("202402").end.day == 29
    assert [p.id for p in quarter.sub_periods()] == ["2026Q4", "202610", "202611", "202612"]
    assert periods.parse("202601").previous().id == "202512"
    assert periods.parse("2026Q1").previous().id == "2025Q4"


@pytest.mark.parametrize("text", ["202613", "2026Q5", "26", "2026-11", "2026W1", "", "x", "999912"])
def test_wrong_periods_are_refused(text):
    with pytest.raises(errors.PeriodInvalid) as caught:
        periods.parse(text)
    assert caught.value.code == "period_invalid"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_period_parsing_never_crashes(text):
    try:
        period = periods.parse(text)
    except errors.PeriodInvalid:
        return
    assert periods.parse(period.id) == period
    assert period.start <= period.end
