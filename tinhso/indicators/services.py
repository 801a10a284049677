"""Every write of the indicators room: the catalogue (elements, data sets, rules, indicators),
the facts (entry, import, computed refresh), completion and approval, targets.

Keyword-only functions, one transaction each. Every write of facts ends with
``rollups.refresh`` in the same transaction, so the boards are fresh when it commits.
Definitions are validated here: an expression that does not parse, names an unknown code or
makes a cycle is refused with a code (``expression_invalid``, ``expression_unknown_code``,
``expression_cycle``) before anything is saved.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from tinhso.accounts.permissions import require, user_can
from tinhso.accounts.scope import unit_in_scope
from tinhso.indicators import errors, expressions, periods, rollups
from tinhso.indicators.models import (
    AggregationType,
    CategoryCombo,
    Completion,
    DataElement,
    DataSet,
    DataValue,
    Indicator,
    Pillar,
    Target,
    ValidationRule,
)
from tinhso.indicators.permissions import IndicatorPerm
from tinhso.kernel.audit import audit_record, diff
from tinhso.kernel.state import Transitions
from tinhso.units.models import Unit

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,49}$")
MAX_ABS_VALUE = 1e15

COMPLETION = Transitions(
    [
        (Completion.State.OPEN, "complete", Completion.State.COMPLETED),
        (Completion.State.COMPLETED, "reopen", Completion.State.OPEN),
        (Completion.State.COMPLETED, "approve", Completion.State.APPROVED),
        (Completion.State.APPROVED, "unapprove", Completion.State.COMPLETED),
    ]
)


def _require_manage(acting_user) -> None:
    if acting_user is not None:
        require(acting_user, IndicatorPerm.MANAGE)


def clean_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise errors.CodeInvalid()
    return code


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise errors.NameEmpty()
    return name[:255]


def parse_number(value: Any) -> float:
    """A value as a float; ``ValueInvalid`` for text, NaN, infinities and absurd sizes.
    A decimal comma ("28,61") is read as a point, as Vietnamese spreadsheets write it."""
    if isinstance(value, bool):
        raise errors.ValueInvalid()
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value if value is not None else "").strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError as exc:
            raise errors.ValueInvalid() from exc
    if number != number or abs(number) > MAX_ABS_VALUE:
        raise errors.ValueInvalid()
    return number


# --- catalogue --------------------------------------------------------------------------------


@transaction.atomic
def category_combo_define(
    *, acting_user, code: str, name: str, categories: list[dict[str, Any]]
) -> CategoryCombo:
    _require_manage(acting_user)
    code = clean_code(code)
    for category in categories:
        options = category.get("options") or []
        if not options or not all(CODE_RE.match(str(o.get("code", ""))) for o in options):
            raise errors.CodeInvalid()
    combo, _created = CategoryCombo.objects.update_or_create(
        code=code, defaults={"name": _clean_name(name), "categories": categories}
    )
    return combo


@transaction.atomic
def data_element_define(
    *,
    acting_user,
    code: str,
    name: str,
    aggregation: str = AggregationType.SUM,
    category_combo: str | None = None,
    measure: str = "",
    short_name: str = "",
    description: str = "",
    is_public: bool = True,
    source: str = DataElement.Source.ENTERED,
) -> DataElement:
    """Create or change a data element (by code)."""
    _require_manage(acting_user)
    code = clean_code(code)
    if aggregation not in AggregationType.values:
        raise errors.AggregationInvalid()
    combo = None
    if category_combo:
        combo = CategoryCombo.objects.filter(code=category_combo).first()
        if combo is None:
            raise errors.ComboUnknown()
    before = DataElement.objects.filter(code=code).values().first() or {}
    element, _created = DataElement.objects.update_or_create(
        code=code,
        defaults={
            "name": _clean_name(name),
            "aggregation": aggregation,
            "category_combo": combo,
            "measure": measure[:50],
            "short_name": short_name[:100],
            "description": description,
            "is_public": is_public,
            "source": source,
        },
    )
    audit_record(
        actor=acting_user,
        action="indicators.element_define",
        obj=element,
        summary=element.code,
        changes=diff(before, DataElement.objects.filter(pk=element.pk).values().first()),
    )
    return element


def _check_rule_side(text: str, element_codes: set[str]) -> None:
    parsed = expressions.parse(text)
    if parsed.indicator_refs:
        raise errors.ExpressionInvalid()
    for ref in parsed.element_refs:
        if expressions.split_element_ref(ref, element_codes) is None:
            raise errors.ExpressionUnknownCode(details=[{"field": "expression", "code": ref}])


@transaction.atomic
def data_set_define(
    *,
    acting_user,
    code: str,
    name: str,
    period_type: str,
    elements: Iterable[str],
    expiry_days: int = 0,
    timely_days: int = 15,
    rules: Iterable[Mapping[str, str]] = (),
) -> DataSet:
    """Create or change a data set with its elements (codes) and validation rules."""
    _require_manage(acting_user)
    code = clean_code(code)
    if period_type not in periods.PERIOD_TYPES:
        raise errors.PeriodTypeInvalid()
    element_codes = list(dict.fromkeys(elements))
    found = {e.code: e for e in DataElement.objects.filter(code__in=element_codes)}
    missing = [c for c in element_codes if c not in found]
    if missing:
        raise errors.ElementUnknown(details=[{"field": "elements", "code": c} for c in missing])
    data_set, _created = DataSet.objects.update_or_create(
        code=code,
        defaults={
            "name": _clean_name(name),
            "period_type": period_type,
            "expiry_days": max(0, int(expiry_days)),
            "timely_days": max(0, int(timely_days)),
        },
    )
    data_set.elements.set([found[c] for c in element_codes])
    data_set.rules.all().delete()
    for rule in rules:
        if rule.get("operator") not in ValidationRule.Operator.values:
            raise errors.RuleOperatorInvalid()
        _check_rule_side(rule["left"], set(found))
        _check_rule_side(rule["right"], set(found))
        ValidationRule.objects.create(
            data_set=data_set,
            code=clean_code(rule["code"]),
            name=_clean_name(rule.get("name") or rule["code"]),
            left=rule["left"],
            operator=rule["operator"],
            right=rule["right"],
        )
    audit_record(actor=acting_user, action="indicators.data_set_define", obj=data_set, summary=code)
    return data_set


def check_indicator_expressions(
    *, code: str, numerator: str, denominator: str
) -> tuple[set[str], set[str]]:
    """Parse both expressions and check every reference and the absence of cycles; answers
    (element codes, indicator codes) used. Raises the ``expression_*`` errors."""
    parsed = [expressions.parse(numerator), expressions.parse(denominator or "1")]
    element_texts = set().union(*(p.element_refs for p in parsed))
    indicator_codes = set().union(*(p.indicator_refs for p in parsed))
    known = set(
        DataElement.objects.filter(
            code__in={t for t in element_texts} | {t.rsplit(".", 1)[0] for t in element_texts}
        ).values_list("code", flat=True)
    )
    unknown = []
    elements_used = set()
    combos = {
        e.code: e
        for e in DataElement.objects.filter(code__in=known).select_related("category_combo")
    }
    for text in sorted(element_texts):
        split = expressions.split_element_ref(text, known)
        if split is None or (split[1] and split[1] not in combos[split[0]].combo_codes()):
            unknown.append(text)
        else:
            elements_used.add(split[0])
    known_indicators = set(
        Indicator.objects.filter(code__in=indicator_codes).values_list("code", flat=True)
    )
    unknown += sorted(c for c in indicator_codes if c not in known_indicators and c != code)
    if unknown:
        raise errors.ExpressionUnknownCode(
            details=[{"field": "expression", "code": text} for text in unknown]
        )
    # Cycle: does any referenced indicator lead back to ``code``?
    stack, seen = list(indicator_codes), set()
    while stack:
        current = stack.pop()
        if current == code:
            raise errors.ExpressionCycle()
        if current in seen:
            continue
        seen.add(current)
        row = Indicator.objects.filter(code=current).values("numerator", "denominator").first()
        if row:
            for text in (row["numerator"], row["denominator"]):
                stack.extend(expressions.parse(text or "1").indicator_refs)
    return elements_used, indicator_codes


@transaction.atomic
def indicator_define(
    *,
    acting_user,
    code: str,
    name: str,
    numerator: str,
    denominator: str = "1",
    factor: float = 1,
    measure: str = "",
    decimals: int = 1,
    pillar: str = "",
    is_public: bool = True,
    higher_is_better: bool = True,
    short_name: str = "",
    description: str = "",
) -> Indicator:
    """Create or change an indicator (by code), after checking its expressions."""
    _require_manage(acting_user)
    code = clean_code(code)
    if pillar and pillar not in Pillar.values:
        pillar = ""
    check_indicator_expressions(code=code, numerator=numerator, denominator=denominator)
    before = Indicator.objects.filter(code=code).values().first() or {}
    indicator, _created = Indicator.objects.update_or_create(
        code=code,
        defaults={
            "name": _clean_name(name),
            "numerator": numerator,
            "denominator": denominator or "1",
            "factor": parse_number(factor),
            "measure": measure[:50],
            "decimals": max(0, min(int(decimals), 6)),
            "pillar": pillar,
            "is_public": is_public,
            "higher_is_better": higher_is_better,
            "short_name": short_name[:100],
            "description": description,
        },
    )
    audit_record(
        actor=acting_user,
        action="indicators.indicator_define",
        obj=indicator,
        summary=code,
        changes=diff(before, Indicator.objects.filter(pk=indicator.pk).values().first()),
    )
    return indicator


# --- facts -------------------------------------------------------------------------------------


@dataclass
class Fact:
    """One value to write, already resolved (``value`` None removes it)."""

    element: DataElement
    combo: str
    unit: Unit
    period: periods.Period
    value: float | None
    comment: str = ""
    line: int | None = None


@dataclass
class WriteReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    ignored: int = 0
    aggregates: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "ignored": self.ignored,
        }


def write_facts(*, facts: list[Fact], origin: str, acting_user=None) -> WriteReport:
    """Upsert ``facts`` and refresh their roll-ups: call inside a transaction."""
    report = WriteReport()
    if not facts:
        return report
    keys = {(f.element.pk, f.period.id, f.unit.pk, f.combo) for f in facts}
    existing = {
        (v.element_id, v.period, v.unit_id, v.combo): v
        for v in DataValue.objects.filter(
            element_id__in={k[0] for k in keys},
            period__in={k[1] for k in keys},
            unit_id__in={k[2] for k in keys},
        )
    }
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    to_create, to_update, to_delete = [], [], []
    now = timezone.now()
    for fact in facts:
        key = (fact.element.pk, fact.period.id, fact.unit.pk, fact.combo)
        row = existing.get(key)
        if fact.value is None:
            if row is not None:
                to_delete.append(row.pk)
            continue
        if row is None:
            row = DataValue(
                element=fact.element,
                combo=fact.combo,
                unit=fact.unit,
                unit_path=fact.unit.path,
                period=fact.period.id,
                period_type=fact.period.type,
                period_start=fact.period.start,
                value=fact.value,
                comment=fact.comment[:500],
                origin=origin,
                stored_by=user,
                updated_at=now,
            )
            existing[key] = row
            to_create.append(row)
        elif row.value != fact.value or row.comment != fact.comment[:500]:
            row.value, row.comment, row.origin = fact.value, fact.comment[:500], origin
            row.stored_by, row.updated_at, row.unit_path = user, now, fact.unit.path
            if row.pk:
                to_update.append(row)
        else:
            report.ignored += 1
    DataValue.objects.bulk_create(to_create, batch_size=rollups.BATCH)
    DataValue.objects.bulk_update(
        to_update,
        ["value", "comment", "origin", "stored_by", "updated_at", "unit_path"],
        batch_size=rollups.BATCH,
    )
    DataValue.objects.filter(pk__in=to_delete).delete()
    report.created, report.updated, report.deleted = len(to_create), len(to_update), len(to_delete)
    if to_create or to_update or to_delete:
        # One refresh per period keeps the fold's memory bounded on a national import
        # (≈ 3,321 communes × 50 elements per month) while reading each fact once.
        by_period: dict[str, list[Fact]] = {}
        for fact in facts:
            by_period.setdefault(fact.period.id, []).append(fact)
        for period_id, group in sorted(by_period.items()):
            report.aggregates += rollups.refresh(
                element_ids={f.element.pk for f in group},
                periods=[period_id],
                units={f.unit.pk: f.unit for f in group}.values(),
            )
    return report


_OPERATORS = {
    "==": lambda a, b: abs(a - b) < 1e-9,
    "!=": lambda a, b: abs(a - b) >= 1e-9,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def rule_violations(
    *,
    data_set: DataSet,
    values: Mapping[tuple[str, str], float | None],
    rules: Iterable[ValidationRule] | None = None,
) -> list[dict[str, Any]]:
    """The validation rules of ``data_set`` (or ``rules``, already fetched) broken by
    ``values`` ({(element code, combo): value} of one unit and period). A side with no value
    at all is skipped (DHIS2's default)."""
    codes = {code for code, _combo in values}
    broken = []
    for rule in data_set.rules.all() if rules is None else rules:
        sides = []
        for text in (rule.left, rule.right):
            parsed = expressions.parse_cached(text)
            given = {}
            for ref in parsed.refs.values():
                code, combo = expressions.split_element_ref(ref.text, codes) or (ref.text, "")
                if combo:
                    given[ref] = values.get((code, combo))
                else:
                    found = [v for (c, _k), v in values.items() if c == code and v is not None]
                    given[ref] = sum(found) if found else None
            sides.append(parsed.evaluate(given))
        left, right = sides
        if left is None or right is None:
            continue
        if not _OPERATORS[rule.operator](left, right):
            broken.append(
                {
                    "code": "validation_rule_violated",
                    "rule": rule.code,
                    "name": rule.name,
                    "left": left,
                    "operator": rule.operator,
                    "right": right,
                }
            )
    return broken


def stored_values(*, data_set: DataSet, unit: Unit, period: str) -> dict[tuple[str, str], float]:
    return {
        (code, combo): value
        for code, combo, value in DataValue.objects.filter(
            element__in=data_set.elements.all(), unit=unit, period=period
        ).values_list("element__code", "combo", "value")
    }


def check_entry_allowed(
    *,
    acting_user,
    data_set: DataSet,
    unit: Unit,
    period: periods.Period,
    today: dt.date,
    locked: bool = True,
) -> None:
    """Scope, period type, future and expiry, and (``locked``) the form's completion state."""
    if acting_user is not None and not unit_in_scope(
        acting_user, unit, permission=IndicatorPerm.ENTER
    ):
        raise errors.UnitOutOfScope()
    if unit.valid_until is not None and unit.valid_until < period.start:
        raise errors.UnitUnknown()
    if period.type != data_set.period_type:
        raise errors.PeriodTypeMismatch()
    if period.start > today:
        raise errors.PeriodInFuture()
    expired = data_set.expiry_days and today > period.end + dt.timedelta(days=data_set.expiry_days)
    if expired and acting_user is not None and not acting_user.is_superuser:
        raise errors.PeriodExpired()
    if not locked:
        return
    state = (
        Completion.objects.filter(data_set=data_set, unit=unit, period=period.id)
        .values_list("state", flat=True)
        .first()
    )
    if state in (Completion.State.COMPLETED, Completion.State.APPROVED):
        raise errors.DataSetLocked()


def resolve_combo(element: DataElement, combo: str | None) -> str:
    combo = (combo or "").strip()
    if combo in ("", "default", "HllvX50cXC0"):
        return ""
    if combo not in element.combo_codes():
        raise errors.ComboUnknown()
    return combo


@transaction.atomic
def values_enter(
    *,
    acting_user,
    data_set: DataSet,
    unit: Unit,
    period: str,
    values: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> WriteReport:
    """Save a data-entry form: ``values`` maps ``"element"`` or ``"element.combo"`` to a
    number (or None / "" to clear it). Checks scope, period, expiry, the form's state and the
    data set's validation rules on the whole form (stored values merged with these)."""
    today = today or timezone.localdate()
    parsed_period = periods.parse(period)
    check_entry_allowed(
        acting_user=acting_user, data_set=data_set, unit=unit, period=parsed_period, today=today
    )
    elements = {e.code: e for e in data_set.elements.select_related("category_combo")}
    comments = comments or {}
    facts, problems = [], []
    for key, raw in values.items():
        split = expressions.split_element_ref(key, set(elements))
        if split is None:
            problems.append({"field": key, "code": errors.ElementNotInDataSet.code})
            continue
        element = elements[split[0]]
        if element.source == DataElement.Source.COMPUTED:
            problems.append({"field": key, "code": errors.ElementComputed.code})
            continue
        try:
            combo = resolve_combo(element, split[1])
            value = None if raw is None or str(raw).strip() == "" else parse_number(raw)
        except errors.InvalidInput as exc:
            problems.append({"field": key, "code": exc.code, "message": str(exc.message)})
            continue
        facts.append(Fact(element, combo, unit, parsed_period, value, str(comments.get(key, ""))))
    if problems:
        raise errors.ValueInvalid(details=problems)
    merged = stored_values(data_set=data_set, unit=unit, period=parsed_period.id)
    for fact in facts:
        merged[(fact.element.code, fact.combo)] = fact.value
    broken = rule_violations(data_set=data_set, values=merged)
    if broken:
        raise errors.ValidationRuleViolated(details=broken)
    report = write_facts(facts=facts, origin=DataValue.Origin.ENTERED, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="indicators.values_enter",
        obj=data_set,
        summary=f"{data_set.code} {unit.code} {parsed_period.id}",
        changes={"values": report.as_dict()},
    )
    return report


# --- completion and approval -------------------------------------------------------------------


def _completion(data_set: DataSet, unit: Unit, period: str) -> Completion:
    completion, _created = Completion.objects.get_or_create(
        data_set=data_set, unit=unit, period=period
    )
    return Completion.objects.select_for_update().get(pk=completion.pk)


@transaction.atomic
def data_set_complete(
    *, acting_user, data_set: DataSet, unit: Unit, period: str, now: dt.datetime | None = None
) -> Completion:
    """Mark the form complete (hoàn thành): rules checked; on time if within timely days."""
    now = now or timezone.now()
    parsed = periods.parse(period)
    if acting_user is not None and not unit_in_scope(
        acting_user, unit, permission=IndicatorPerm.ENTER
    ):
        raise errors.UnitOutOfScope()
    if parsed.type != data_set.period_type:
        raise errors.PeriodTypeMismatch()
    completion = _completion(data_set, unit, parsed.id)
    target = COMPLETION.target(completion.state, "complete")
    broken = rule_violations(
        data_set=data_set, values=stored_values(data_set=data_set, unit=unit, period=parsed.id)
    )
    if broken:
        raise errors.ValidationRuleViolated(details=broken)
    local = timezone.localdate(now)
    completion.state = target
    completion.completed_at = now
    completion.completed_by = acting_user
    completion.on_time = local <= parsed.end + dt.timedelta(days=data_set.timely_days)
    completion.save()
    audit_record(
        actor=acting_user,
        action="indicators.data_set_complete",
        obj=completion,
        summary=f"{data_set.code} {unit.code} {parsed.id}",
    )
    return completion


def _approver_check(acting_user, unit: Unit) -> None:
    """Approval belongs to the level above: the approver's scope must hold the unit's parent."""
    if acting_user is None:
        return
    parent = unit.parent
    if parent is None:
        allowed = acting_user.is_superuser
    else:
        allowed = unit_in_scope(acting_user, parent, permission=IndicatorPerm.APPROVE)
    if not allowed:
        raise errors.ApprovalNotAllowed()


@transaction.atomic
def data_set_transition(
    *, acting_user, data_set: DataSet, unit: Unit, period: str, action: str
) -> Completion:
    """``reopen`` (the reporting unit), ``approve`` / ``unapprove`` (the level above)."""
    parsed = periods.parse(period)
    if action in ("approve", "unapprove"):
        _approver_check(acting_user, unit)
    elif acting_user is not None and not (
        unit_in_scope(acting_user, unit, permission=IndicatorPerm.ENTER)
        or (
            unit.parent
            and unit_in_scope(acting_user, unit.parent, permission=IndicatorPerm.APPROVE)
        )
    ):
        raise errors.UnitOutOfScope()
    completion = _completion(data_set, unit, parsed.id)
    before = completion.state
    completion.state = COMPLETION.target(completion.state, action)
    if action == "approve":
        completion.approved_at, completion.approved_by = timezone.now(), acting_user
    elif action == "unapprove":
        completion.approved_at, completion.approved_by = None, None
    completion.save()
    audit_record(
        actor=acting_user,
        action=f"indicators.data_set_{action}",
        obj=completion,
        summary=f"{data_set.code} {unit.code} {parsed.id}",
        changes={"state": [before, completion.state]},
    )
    return completion


# --- targets ------------------------------------------------------------------------------------


@transaction.atomic
def target_set(
    *,
    acting_user,
    indicator: Indicator,
    year: int,
    value: Any,
    unit: Unit | None = None,
    prorate: bool = False,
    source: str = "",
) -> Target:
    """Set the plan target of ``indicator`` for ``year`` and ``unit`` (None: national)."""
    if acting_user is not None:
        require(acting_user, IndicatorPerm.MANAGE)
        if unit is None:
            if not acting_user.is_superuser:
                raise errors.UnitOutOfScope()
        elif not unit_in_scope(acting_user, unit, permission=IndicatorPerm.MANAGE):
            raise errors.UnitOutOfScope()
    if not isinstance(year, int) or not 1900 <= year <= 2200:
        raise errors.TargetInvalid()
    number = parse_number(value)
    target = Target.objects.filter(indicator=indicator, unit=unit, year=year).first()
    before = {"value": target.value} if target else {}
    if target is None:
        target = Target(indicator=indicator, unit=unit, year=year)
    target.value, target.prorate, target.source = number, prorate, source[:200]
    target.save()
    audit_record(
        actor=acting_user,
        action="indicators.target_set",
        obj=target,
        summary=f"{indicator.code} {year} {unit.code if unit else '*'}",
        changes=diff(before, {"value": number}),
    )
    return target


def can_view_internal(user, unit: Unit) -> bool:
    return user_can(user, IndicatorPerm.VIEW) and unit_in_scope(
        user, unit, permission=IndicatorPerm.VIEW
    )
