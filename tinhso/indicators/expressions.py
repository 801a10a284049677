"""Indicator expressions (biểu thức chỉ tiêu), parsed safely: no ``eval``, ever.

An expression is arithmetic over references::

    #{code}          a data element, every disaggregation summed
    #{code.combo}    one disaggregation (category option combo) of a data element
    N{code}          another indicator's value
    numbers, + - * /, unary minus, parentheses, and the functions min(), max(), abs()

References are swapped for placeholder names, then Python's ``ast`` parses the text in
``eval`` mode and every node is checked against a whitelist (``_ALLOWED``): attribute access,
subscripts, lambdas, comprehensions, strings, calls to anything but the three functions...
are refused with ``expression_invalid``. Evaluation walks the checked tree with the values
given; it never calls ``eval``/``compile`` on user text.

Missing values follow DHIS2's default ("skip if all values missing"): when every referenced
value is missing the result is ``None`` ("no data"), otherwise a missing value counts as 0.
Division by zero is ``None`` too ("no data" at display, never an error).
"""

from __future__ import annotations

import ast
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tinhso.indicators import errors

MAX_LENGTH = 2000
MAX_NODES = 400
_CODE = r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*"
_REF_RE = re.compile(r"(#|N)\{\s*(" + _CODE + r")\s*\}")
_FUNCTIONS = {"min": min, "max": max, "abs": abs}
_ALLOWED = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Call,
)


@dataclass(frozen=True)
class Ref:
    kind: str  # "element" or "indicator"
    text: str  # what stood between the braces: "code" or "code.combo"


@dataclass(frozen=True)
class Expression:
    source: str
    tree: ast.Expression
    refs: dict[str, Ref]  # placeholder name -> reference

    @property
    def element_refs(self) -> set[str]:
        return {ref.text for ref in self.refs.values() if ref.kind == "element"}

    @property
    def indicator_refs(self) -> set[str]:
        return {ref.text for ref in self.refs.values() if ref.kind == "indicator"}

    def evaluate(self, values: Mapping[Ref, float | None]) -> float | None:
        """The value with ``values`` for the references; ``None`` for no data."""
        given = {name: values.get(ref) for name, ref in self.refs.items()}
        if given and all(value is None for value in given.values()):
            return None
        try:
            result = _evaluate(self.tree.body, {k: v or 0.0 for k, v in given.items()})
        except (ZeroDivisionError, OverflowError, ValueError, TypeError):
            return None
        if result is None or math.isnan(result) or math.isinf(result):
            return None
        return float(result)


def _invalid(message=None) -> errors.ExpressionInvalid:
    return errors.ExpressionInvalid(message=message) if message else errors.ExpressionInvalid()


def parse(source: str) -> Expression:
    """Check ``source`` and answer its parsed form; ``ExpressionInvalid`` (422) otherwise."""
    if not isinstance(source, str) or not source.strip():
        raise _invalid()
    if len(source) > MAX_LENGTH or "\x00" in source:
        raise _invalid()
    refs: dict[str, Ref] = {}
    by_ref: dict[Ref, str] = {}

    def swap(match: re.Match) -> str:
        ref = Ref("element" if match[1] == "#" else "indicator", match[2])
        if ref not in by_ref:
            name = f"ref_{len(by_ref)}"
            by_ref[ref] = name
            refs[name] = ref
        return f" {by_ref[ref]} "

    text = _REF_RE.sub(swap, source)
    if any(ch in text for ch in "#{}"):
        raise _invalid()
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise _invalid() from exc
    for count, node in enumerate(ast.walk(tree), start=1):
        if count > MAX_NODES or not isinstance(node, _ALLOWED):
            raise _invalid()
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, int | float)
        ):
            raise _invalid()
        if isinstance(node, ast.Name) and node.id not in refs and node.id not in _FUNCTIONS:
            raise _invalid()
        if isinstance(node, ast.Call) and (
            not isinstance(node.func, ast.Name)
            or node.func.id not in _FUNCTIONS
            or node.keywords
            or not node.args
        ):
            raise _invalid()
    # A function name may only be called, never used as a value.
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _FUNCTIONS and id(node) not in called:
            raise _invalid()
    return Expression(source=source, tree=tree, refs=refs)


@functools.lru_cache(maxsize=2048)
def parse_cached(source: str) -> Expression:
    """``parse`` for expressions already stored (validation rules, indicators)."""
    return parse(source)


def _evaluate(node: ast.AST, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return float(values[node.id])
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / right
    if isinstance(node, ast.Call):
        return float(_FUNCTIONS[node.func.id](*(_evaluate(arg, values) for arg in node.args)))
    raise TypeError(type(node).__name__)


def split_element_ref(text: str, known_elements: set[str]) -> tuple[str, str] | None:
    """``(element code, combo)`` for ``#{text}``: the whole text if it is an element's code
    (module codes hold dots: ``dossiers.received``), else ``element.combo``."""
    if text in known_elements:
        return text, ""
    if "." in text:
        code, combo = text.rsplit(".", 1)
        if code in known_elements:
            return code, combo
    return None
