"""Indicator expressions (biểu thức chỉ tiêu): arithmetic over metric codes, parsed with lark, never eval.

Grammar: metric codes (`dossier.resolved.on_time`, `portal766.totalOnTime`: a lowercase first
segment, then dot-separated segments of letters, digits and `_`), numbers (`12`, `0.5`),
`+ - * /`, unary minus, parentheses, `min(a, ...)` and `max(a, ...)`. `*` and `/` bind tighter
than `+` and `-`; all four are left-associative; unary minus binds tighter than all of them.

`parse(text)` returns an `Expression` tree (frozen dataclasses, compared structurally) or raises
`ExpressionError` with the 0-based position where parsing stopped. `str(expr)` is a canonical
text with minimal parentheses, and `parse(str(expr)) == expr` for every tree.

`expr.evaluate(values)` returns None ("no data", never 0) when any metric the expression uses is
missing or None; otherwise a float. A `/` whose right side is 0 raises `ZeroDenominator`, so the
caller applies its own zero-denominator rule (full points, zero or not applicable). Missing data
wins over a zero denominator: the values are checked before anything is computed.

`expr.compile()` returns a function of the values that does exactly what `expr.evaluate` does (the
same floats, None and ZeroDenominator) with the tree turned into nested closures once, for callers
that evaluate one expression for thousands of units (scoring).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

_GRAMMAR = r"""
?start: sum
?sum: product
    | sum PLUS product    -> binary
    | sum MINUS product   -> binary
?product: unary
    | product STAR unary  -> binary
    | product SLASH unary -> binary
?unary: atom
    | MINUS unary         -> negate
?atom: NUMBER             -> number
    | METRIC              -> metric
    | FUNCTION LPAR sum (COMMA sum)* RPAR -> call
    | LPAR sum RPAR       -> group

FUNCTION.2: /(min|max)(?=\s*\()/
METRIC: /[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)*/
NUMBER: /[0-9]+(\.[0-9]+)?/
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
LPAR: "("
RPAR: ")"
COMMA: ","
%ignore /[ \t\r\n]+/
"""

# How each terminal is named in an error message.
_TERMINAL_NAMES = {
    "NUMBER": "một số", "METRIC": "mã chỉ số", "FUNCTION": "hàm min/max", "LPAR": "'('", "RPAR": "')'",
    "COMMA": "','", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "$END": "hết biểu thức",
}
_OPERAND_START = {"NUMBER", "METRIC", "FUNCTION", "LPAR", "MINUS"}
_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_ATOM, _UNARY = 4, 3
Evaluator = Callable[[Mapping[str, float | None]], float | None]


class ExpressionError(ValueError):
    """A text that is not a valid expression; `position` is the 0-based offset where parsing stopped."""

    def __init__(self, message: str, position: int, text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.line = text.count("\n", 0, position) + 1
        self.column = position - (text.rfind("\n", 0, position) + 1) + 1


class ZeroDenominator(ZeroDivisionError):
    """Raised by evaluate() when the right side of a '/' is 0 (mẫu số bằng 0)."""

    def __init__(self, denominator: Expression) -> None:
        super().__init__(f"Mẫu số bằng 0: {denominator}")
        self.denominator = denominator


class Expression:
    """A node of a parsed expression; every node is itself an expression."""

    precedence = _ATOM

    @cached_property
    def metrics(self) -> frozenset[str]:
        """Return the metric codes this expression reads (computed once per node)."""
        return frozenset().union(*(child.metrics for child in self.children()))

    @property
    def source(self) -> str:
        """Return the canonical text of this expression."""
        return str(self)

    def children(self) -> tuple[Expression, ...]:
        """Return the direct sub-expressions."""
        return ()

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """Return the value for these metric values, or None if any metric used has no value."""
        if any(values.get(code) is None for code in self.metrics):
            return None
        return self._compute(values)

    def compile(self) -> Evaluator:
        """Return a function equal to `evaluate` (same results, same ZeroDenominator), faster to call."""
        compute, metrics = self._closure(), tuple(sorted(self.metrics))
        if not metrics:
            return compute
        if isinstance(self, Metric):
            code = self.code

            def metric(values: Mapping[str, float | None]) -> float | None:
                value = values.get(code)
                return None if value is None else float(value)

            return metric
        if len(metrics) == 1:
            (code,) = metrics

            def one(values: Mapping[str, float | None]) -> float | None:
                return None if values.get(code) is None else compute(values)

            return one

        def many(values: Mapping[str, float | None]) -> float | None:
            get = values.get
            for code in metrics:
                if get(code) is None:
                    return None
            return compute(values)

        return many

    def _compute(self, values: Mapping[str, float | None]) -> float:
        """Return the value, all metrics being present."""
        raise NotImplementedError

    def _closure(self) -> Callable[[Mapping[str, float | None]], float]:
        """Return a function that computes what `_compute` does, all metrics being present."""
        raise NotImplementedError

    def _wrapped(self, minimum: int) -> str:
        """Return the text of this node, in parentheses if it binds looser than `minimum`."""
        return f"({self})" if self.precedence < minimum else str(self)


@dataclass(frozen=True)
class Number(Expression):
    """A literal number; kept as a Decimal so its text round-trips exactly."""

    value: Decimal

    def _compute(self, values: Mapping[str, float | None]) -> float:
        return float(self.value)

    def _closure(self) -> Callable[[Mapping[str, float | None]], float]:
        value = float(self.value)
        return lambda values: value

    def __str__(self) -> str:
        return format(self.value, "f")


@dataclass(frozen=True)
class Metric(Expression):
    """A metric code, read from the values at evaluation time."""

    code: str

    @cached_property
    def metrics(self) -> frozenset[str]:
        """Return the one metric code of this node."""
        return frozenset((self.code,))

    def _compute(self, values: Mapping[str, float | None]) -> float:
        return float(values[self.code])  # type: ignore[arg-type]  # evaluate() checked it is not None

    def _closure(self) -> Callable[[Mapping[str, float | None]], float]:
        code = self.code
        return lambda values: float(values[code])  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Negate(Expression):
    """Unary minus."""

    operand: Expression
    precedence = _UNARY

    def children(self) -> tuple[Expression, ...]:
        """Return the operand."""
        return (self.operand,)

    def _compute(self, values: Mapping[str, float | None]) -> float:
        return -self.operand._compute(values)

    def _closure(self) -> Callable[[Mapping[str, float | None]], float]:
        operand = self.operand._closure()
        return lambda values: -operand(values)

    def __str__(self) -> str:
        return "-" + self.operand._wrapped(_UNARY)


@dataclass(frozen=True)
class BinaryOp(Expression):
    """One of `+ - * /` applied to two sub-expressions."""

    operator: str
    left: Expression
    right: Expression

    @property
    def precedence(self) -> int:  # type: ignore[override]
        """Return 1 for + and -, 2 for * and /."""
        return _PRECEDENCE[self.operator]

    def children(self) -> tuple[Expression, ...]:
        """Return the left and right sides."""
        return (self.left, self.right)

    def _compute(self, values: Mapping[str, float | None]) -> float:
        left, right = self.left._compute(values), self.right._compute(values)
        if self.operator == "/" and right == 0:
            raise ZeroDenominator(self.right)
        return _ARITHMETIC[self.operator](left, right)

    def _closure(self) -> Callable[[Mapping[str, float | None]], float]:
        left, right, apply = self.left._closure(), self.right._closure(), _ARITHMETIC[self.operator]
        if self.operator != "/":
            return lambda values: apply(left(values), right(values))
        denominator = self.right

        def divide(values: Mapping[str, float | None]) -> float:
            numerator, value = left(values), right(values)
            if value == 0:
                raise ZeroDenominator(denominator)
            return numerator / value

        return divide

    def __str__(self) -> str:
        # Left-associative: an equal-precedence right side keeps its parentheses (a - (b - c)).
        left = self.left._wrapped(self.precedence)
        return f"{left} {self.operator} {self.right._wrapped(self.precedence + 1)}"


@dataclass(frozen=True)
class Call(Expression):
    """`min(...)` or `max(...)` over one or more arguments."""

    function: str
    arguments: tuple[Expression, ...]

    def children(self) -> tuple[Expression, ...]:
        """Return the arguments."""
        return self.arguments

    def _compute(self, values: Mapping[str, float | None]) -> float:
        results = [argument._compute(values) for argument in self.arguments]
        return min(results) if self.function == "min" else max(results)

    def _closure(self) -> Callable[[Mapping[str, float | None]], float]:
        arguments = tuple(argument._closure() for argument in self.arguments)
        pick = min if self.function == "min" else max
        return lambda values: pick([argument(values) for argument in arguments])

    def __str__(self) -> str:
        return f"{self.function}({', '.join(str(argument) for argument in self.arguments)})"


class _ToTree(Transformer):
    """Turns lark's parse tree into Expression nodes."""

    def number(self, items: list[Token]) -> Number:
        """Build a Number from its token."""
        return Number(Decimal(items[0]))

    def metric(self, items: list[Token]) -> Metric:
        """Build a Metric from its token."""
        return Metric(str(items[0]))

    def negate(self, items: list) -> Negate:
        """Build a Negate from '-' and its operand."""
        return Negate(items[1])

    def binary(self, items: list) -> BinaryOp:
        """Build a BinaryOp from left, operator, right."""
        return BinaryOp(str(items[1]), items[0], items[2])

    def call(self, items: list) -> Call:
        """Build a Call from the function name and its arguments, dropping the punctuation."""
        arguments = tuple(item for item in items[2:] if isinstance(item, Expression))
        return Call(str(items[0]), arguments)

    def group(self, items: list) -> Expression:
        """Drop the parentheses around a sub-expression."""
        return items[1]


_PARSER = Lark(_GRAMMAR, parser="lalr", transformer=_ToTree(), maybe_placeholders=False)


def parse(text: str) -> Expression:
    """Parse an expression, raising ExpressionError with a Vietnamese message and the error position."""
    try:
        return _PARSER.parse(text)
    except UnexpectedInput as error:
        position, detail = _describe(text, error)
        raise ExpressionError(f"Biểu thức không hợp lệ ở vị trí {position}: {detail}", position, text) from None


def _describe(text: str, error: UnexpectedInput) -> tuple[int, str]:
    """Return the position where parsing stopped and what was wrong there, in Vietnamese."""
    if isinstance(error, UnexpectedCharacters):
        return error.pos_in_stream, f"ký tự không hợp lệ '{text[error.pos_in_stream]}'"
    assert isinstance(error, UnexpectedToken)  # LALR raises only these two (UnexpectedEOF is Earley's)
    # accepts() replays the parser: exact, unlike LALR's merged lookahead sets in error.expected.
    expected = set(error.interactive_parser.accepts())
    if error.token.type == "$END":
        expected.discard("$END")
        if not text.strip():
            return len(text), "biểu thức rỗng"
        return len(text), f"thiếu {_expected(expected - _OPERATORS if 'RPAR' in expected else expected)}"
    expected = _expected(expected)
    position = error.token.start_pos or 0
    if error.token.type == "LPAR" and re.search(r"[A-Za-z0-9_]\s*$", text[:position]):
        return position, "gặp '(' sau một tên, chỉ dùng được hàm min và max"
    found = _TERMINAL_NAMES.get(error.token.type, "ký hiệu")
    if error.token.type in {"NUMBER", "METRIC", "FUNCTION"}:
        found = f"{found} '{error.token}'"
    return position, f"gặp {found}, cần {expected}"


def _expected(terminals: set[str]) -> str:
    """Name what the parser would have accepted, grouping operands and operators."""
    parts = []
    if "NUMBER" in terminals:
        parts.append("một toán hạng (số, mã chỉ số, '(' hoặc min/max)")
        terminals -= _OPERAND_START
    if terminals & _OPERATORS:
        parts.append("một phép toán (+ - * /)")
        terminals -= _OPERATORS
    order = ["COMMA", "RPAR", "$END"]
    rest = sorted(terminals, key=lambda name: order.index(name) if name in order else -1)
    parts += [_TERMINAL_NAMES.get(name, name) for name in rest]
    return " hoặc ".join(parts)
