"""Tables of the IOC (trung tâm điều hành): the DHIS2-like catalogue (data elements with
disaggregations, data sets, validation rules, indicators), the facts (``DataValue``), the
precomputed roll-ups (``Aggregate``), targets and the DTI framework with its scores.

No business rules here beyond invariants: writes go through ``services``, which keeps the
roll-ups in step with the facts (see ``tinhso.indicators.rollups``).
"""

import itertools

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.units.models import Unit


class AggregationType(models.TextChoices):
    """How values combine over time and over the unit tree (DHIS2's aggregation types)."""

    SUM = "sum", _("Sum")
    AVERAGE = "average", _("Average")
    AVERAGE_SUM_ORG_UNIT = "average_sum_org_unit", _("Average over time of the sum of units")
    LAST = "last", _("Last value")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")
    COUNT = "count", _("Count")
    NONE = "none", _("No aggregation")


class PeriodType(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


class Pillar(models.TextChoices):
    GOVERNMENT = "government", _("Digital government")
    ECONOMY = "economy", _("Digital economy")
    SOCIETY = "society", _("Digital society")
    FOUNDATION = "foundation", _("Foundations")


class CategoryCombo(models.Model):
    """A disaggregation (phân tổ): one or more categories whose options multiply.

    ``categories`` is ``[{"code": "sex", "name": "...", "options": [{"code": "nam",
    "name": "Nam"}, ...]}, ...]``; the option combos are the cartesian product, their codes
    the option codes joined by ``_`` (``nam_15-24``).
    """

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    categories = models.JSONField(default=list)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def option_combos(self) -> list[tuple[str, str]]:
        """``[(code, name), ...]`` of every option combo."""
        lists = [category.get("options", []) for category in self.categories or []]
        if not lists:
            return []
        return [
            ("_".join(o["code"] for o in combo), ", ".join(o["name"] for o in combo))
            for combo in itertools.product(*lists)
        ]


class DataElement(models.Model):
    """What is counted or measured (phần tử dữ liệu): entered, imported or computed."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered or imported")
        COMPUTED = "computed", _("Computed by the platform")

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=255)
    short_name = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    measure = models.CharField(max_length=50, blank=True)  # what one counts: "%", "households"
    aggregation = models.CharField(
        max_length=30, choices=AggregationType.choices, default=AggregationType.SUM
    )
    category_combo = models.ForeignKey(
        CategoryCombo, null=True, blank=True, on_delete=models.PROTECT, related_name="elements"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.ENTERED)
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def combo_codes(self) -> set[str]:
        if self.category_combo_id is None:
            return {""}
        return {code for code, _name in self.category_combo.option_combos()}


class DataSet(models.Model):
    """A reporting form (bộ biểu mẫu): elements reported together, for one period type."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=255)
    period_type = models.CharField(max_length=10, choices=PeriodType.choices)
    expiry_days = models.PositiveIntegerField(
        default=0, help_text=_("Days after the period's end when entry closes; 0 = never.")
    )
    timely_days = models.PositiveIntegerField(
        default=15, help_text=_("Completed within this many days after the period is on time.")
    )
    elements = models.ManyToManyField(DataElement, related_name="data_sets", blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ValidationRule(models.Model):
    """``left op right`` over the data set's values of one unit and period (quy tắc kiểm tra)."""

    class Operator(models.TextChoices):
        EQ = "==", "=="
        NE = "!=", "!="
        LT = "<", "<"
        LE = "<=", "<="
        GT = ">", ">"
        GE = ">=", ">="

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=255)
    left = models.CharField(max_length=2000)
    operator = models.CharField(max_length=2, choices=Operator.choices)
    right = models.CharField(max_length=2000)

    class Meta:
        ordering = ["data_set", "code"]
        constraints = [
            models.UniqueConstraint(fields=["data_set", "code"], name="indicators_rule_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """An indicator (chỉ tiêu): numerator ÷ denominator × factor, never entered."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=255)
    short_name = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    numerator = models.CharField(max_length=2000)
    denominator = models.CharField(max_length=2000, default="1")
    factor = models.FloatField(default=1)
    measure = models.CharField(max_length=50, blank=True)
    decimals = models.PositiveSmallIntegerField(default=1)
    pillar = models.CharField(max_length=20, choices=Pillar.choices, blank=True)
    is_public = models.BooleanField(default=True)
    higher_is_better = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DataValue(models.Model):
    """One fact: a data element's value for a unit, a period and a disaggregation.

    ``unit`` is the unit that reported it, as it was then (it may since have been merged);
    ``unit_path`` copies its path so a subtree is one index range on this table alone.
    """

    class Origin(models.TextChoices):
        ENTERED = "entered", _("Entered")
        IMPORTED = "imported", _("Imported")
        COMPUTED = "computed", _("Computed")

    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="values")
    combo = models.CharField(max_length=100, blank=True, default="")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    period = models.CharField(max_length=10)
    period_type = models.CharField(max_length=10, choices=PeriodType.choices)
    period_start = models.DateField()
    value = models.FloatField()
    comment = models.CharField(max_length=500, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.ENTERED)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["element", "period", "unit", "combo"], name="indicators_value_unique"
            )
        ]
        indexes = [
            # The roll-up of a subtree: element + period fixed, then a path range.
            models.Index(fields=["element", "period", "unit_path"], name="indicators_value_path"),
        ]

    def __str__(self) -> str:
        return f"{self.element_id}/{self.combo or '-'}/{self.unit_id}/{self.period}={self.value}"


class Aggregate(models.Model):
    """The roll-up of one data element for one unit's subtree and one period.

    ``view`` is ``reported`` (every fact under the unit's path, retired units included, as
    they were reported) or ``current`` (facts re-attributed to today's units through
    ``Attribution``). ``combo`` "" is the total over every disaggregation, ``*`` never used.
    Kept in step by ``rollups.refresh`` in the same transaction as the facts.
    """

    class View(models.TextChoices):
        REPORTED = "reported", _("As reported")
        CURRENT = "current", _("Re-attributed to today's units")

    element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="+")
    combo = models.CharField(max_length=100, blank=True, default="")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=10)
    view = models.CharField(max_length=10, choices=View.choices, default=View.REPORTED)
    total = models.FloatField(null=True)
    count = models.PositiveIntegerField(default=0)
    minimum = models.FloatField(null=True)
    maximum = models.FloatField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "view", "period", "element", "combo"],
                name="indicators_aggregate_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.view}:{self.element_id}/{self.combo or '-'}/{self.unit_id}/{self.period}"


class Attribution(models.Model):
    """Where a retired unit's facts belong today: the units in force that succeeded it
    (weights summing to 1, equal shares for a split, successor chains followed). Units in
    force have no row: their facts stay theirs. Rebuilt by ``rollups.attribution_rebuild``
    after the tree changes."""

    source = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="indicator_attributions"
    )
    target = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    target_path = models.CharField(max_length=255)
    weight = models.FloatField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="indicators_attr_unique")
        ]
        indexes = [models.Index(fields=["target_path"], name="indicators_attr_path")]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} × {self.weight}"


class Completion(models.Model):
    """The state of one data set's form for a unit and period: open, completed, approved."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")
        APPROVED = "approved", _("Approved")

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="completions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=10)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_time = models.BooleanField(null=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "unit", "period"], name="indicators_completion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.data_set_id}/{self.unit_id}/{self.period}: {self.state}"


class Target(models.Model):
    """A plan target (chỉ tiêu kế hoạch) for an indicator, a year and a unit (none = every
    unit: a national target). ``prorate`` spreads it over the year's periods (counts); a
    rate target (80 %) holds for every period as it is."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    value = models.FloatField()
    prorate = models.BooleanField(default=False)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year"], name="indicators_target_unique"
            ),
            models.UniqueConstraint(
                fields=["indicator", "year"],
                condition=models.Q(unit__isnull=True),
                name="indicators_target_national_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id or '*'}/{self.year}={self.value}"


class DtiFramework(models.Model):
    """A version of the DX index (Bộ chỉ số chuyển đổi số, DTI), e.g. provincial 2022."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=20, default="province")
    max_points = models.FloatField(default=1000)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.name


class DtiIndex(models.Model):
    """A main index (chỉ số chính) of a framework, in a group (pillar)."""

    framework = models.ForeignKey(DtiFramework, on_delete=models.CASCADE, related_name="indices")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=255)
    group = models.CharField(max_length=20)
    points = models.FloatField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicators_dti_index_code")
        ]

    def __str__(self) -> str:
        return self.name


class DtiComponent(models.Model):
    """A component (chỉ số thành phần) with its points and scoring rule.

    ``rule``: ``ratio`` (value ÷ ``full_at`` × points, capped), ``steps`` (``steps`` is
    ``[[threshold, points], ...]``: the first threshold reached, highest first) or
    ``normalised`` (value ÷ the best unit's value × points). ``indicator`` is an indicator
    or data element code.
    """

    class Rule(models.TextChoices):
        RATIO = "ratio", _("Ratio × points")
        STEPS = "steps", _("Step thresholds")
        NORMALISED = "normalised", _("Normalised to the best")

    index = models.ForeignKey(DtiIndex, on_delete=models.CASCADE, related_name="components")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=255)
    points = models.FloatField()
    rule = models.CharField(max_length=20, choices=Rule.choices, default=Rule.RATIO)
    indicator = models.CharField(max_length=50, blank=True)
    full_at = models.FloatField(default=100)
    steps = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["index", "position"]

    def __str__(self) -> str:
        return self.name


class DtiScore(models.Model):
    """A unit's DTI score for a framework and year, with its rank among its siblings."""

    framework = models.ForeignKey(DtiFramework, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    points = models.FloatField()
    by_index = models.JSONField(default=dict)
    rank = models.PositiveIntegerField(null=True)
    of = models.PositiveIntegerField(null=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "unit", "year"], name="indicators_dti_score_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.points}"

    @property
    def index_value(self) -> float:
        """The published 0–1 figure (points ÷ the framework's maximum)."""
        return round(self.points / (self.framework.max_points or 1000), 4)


class Board(models.Model):
    """A dashboard of the IOC (bảng điều hành) defined as data: which tiles and charts, in
    which order. A province makes its own in the admin or from a JSON file
    (``tinhso indicators_board import``), without code."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Public boards are open to anyone; internal "
                                                "ones to officials who may view the unit.")
    )  # fmt: skip
    is_default = models.BooleanField(_("default board"), default=False)
    period_type = models.CharField(
        _("default period type"), max_length=10, choices=PeriodType.choices, default=PeriodType.YEAR
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "position", "code"]
        verbose_name = _("board")
        verbose_name_plural = _("boards")

    def __str__(self) -> str:
        return self.name


class BoardItem(models.Model):
    """One block of a board: a KPI tile or a chart, each about an indicator or data element
    code (``code``), except the pillars (``options.codes``, default: the board's tiles) and the
    DTI ranking (``framework``)."""

    class Kind(models.TextChoices):
        TILE = "tile", _("KPI tile")
        SERIES = "series", _("Time series (12 months)")
        BARS = "bars", _("Bars by child unit")
        PILLARS = "pillars", _("The three pillars")
        RANKING = "ranking", _("Ranking of child units")
        DTI = "dti", _("DTI ranking of child units")
        MAP = "map", _("Map of child units")

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    code = models.CharField(_("indicator or data element code"), max_length=120, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    framework = models.CharField(_("DTI framework code"), max_length=50, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)

    class Meta:
        ordering = ["board", "position", "pk"]
        verbose_name = _("board item")
        verbose_name_plural = _("board items")

    def __str__(self) -> str:
        return f"{self.board_id}#{self.position} {self.kind} {self.code}"


class UnitGeometry(models.Model):
    """The outline of a unit for the map (GeoJSON Polygon or MultiPolygon in WGS 84), with its
    bounding box so a map of siblings is fitted without reading every coordinate."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="geometry")
    geometry = models.JSONField()
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    source = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("unit geometry")
        verbose_name_plural = _("unit geometries")

    def __str__(self) -> str:
        return f"{self.unit_id} geometry"
