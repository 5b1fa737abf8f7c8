"""Indicator expressions: parsing, canonical text, evaluation and error positions."""

import math
import re
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from thuocdo.evaluation.expressions import (
    BinaryOp,
    Call,
    ExpressionError,
    Metric,
    Negate,
    Number,
    ZeroDenominator,
    parse,
)

# No example database: the suite runs with -p no:cacheprovider and leaves no files behind.
PROPERTY = settings(database=None, deadline=None, max_examples=300)

OPERAND = "một toán hạng (số, mã chỉ số, '(' hoặc min/max)"
OPERATOR = "một phép toán (+ - * /)"

metric_codes = st.from_regex(r"[a-z][a-z0-9_]{0,6}(\.[A-Za-z0-9_]{1,8}){0,3}", fullmatch=True)
numbers = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(Decimal),
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
)
trees = st.recursive(
    st.one_of(numbers.map(Number), metric_codes.map(Metric)),
    lambda children: st.one_of(
        children.map(Negate),
        st.builds(BinaryOp, st.sampled_from("+-*/"), children, children),
        st.builds(Call, st.sampled_from(["min", "max"]), st.lists(children, min_size=1, max_size=4).map(tuple)),
    ),
    max_leaves=24,
)
ILLEGAL = "#$@!?;:&|^%~`\"'[]{}=<>\\"


def reference(node, values):
    """Evaluate a tree independently of Expression.evaluate, for the round-trip property."""
    if isinstance(node, Number):
        return float(node.value)
    if isinstance(node, Metric):
        return float(values[node.code])
    if isinstance(node, Negate):
        return -reference(node.operand, values)
    if isinstance(node, Call):
        return (min if node.function == "min" else max)(reference(argument, values) for argument in node.arguments)
    left, right = reference(node.left, values), reference(node.right, values)
    if node.operator == "/":
        if right == 0:
            raise ZeroDivisionError
        return left / right
    return {"+": left + right, "-": left - right, "*": left * right}[node.operator]


def outcome(function):
    """Return a comparable result of a computation: a float, 'nan' or 'zero-denominator'."""
    try:
        value = function()
    except ZeroDivisionError:
        return "zero-denominator"
    return "nan" if math.isnan(value) else value


def stop_after_deleting_parenthesis(text):
    """Where parsing must stop in a text that lost one ')': a ',' met inside a plain group, else the end."""
    openers = []
    for index, char in enumerate(text):
        if char == "(":
            openers.append("call" if re.search(r"(min|max)$", text[:index]) else "group")
        elif char == ")":
            openers.pop()
        elif char == "," and openers[-1] == "group":
            return index
    return len(text)


@PROPERTY
@given(tree=trees, data=st.data())
def test_round_trip_gives_the_same_tree_and_the_same_value(tree, data):
    text = str(tree)
    parsed = parse(text)
    assert parsed == tree
    assert str(parsed) == text
    assert parsed.source == text
    assert parsed.metrics == tree.metrics
    values = {code: data.draw(st.integers(-1000, 1000) | st.floats(-1e3, 1e3), label=code) for code in tree.metrics}
    assert outcome(lambda: parsed.evaluate(values)) == outcome(lambda: reference(tree, values))


@PROPERTY
@given(tree=trees, data=st.data())
def test_a_missing_metric_gives_no_data(tree, data):
    assume(tree.metrics)
    missing = data.draw(st.sampled_from(sorted(tree.metrics)))
    values = {code: 0.0 for code in tree.metrics if code != missing}
    assert tree.evaluate(values) is None
    assert tree.evaluate({**values, missing: None}) is None


@PROPERTY
@given(tree=trees, data=st.data())
def test_an_illegal_character_is_reported_where_it_stands(tree, data):
    text = str(tree)
    position = data.draw(st.integers(min_value=0, max_value=len(text)), label="position")
    # After a '.', the lexer gives back the '.' itself: "a.#b" stops at the '.', not at '#'.
    assume(not text[:position].endswith("."))
    char = data.draw(st.sampled_from(ILLEGAL), label="char")
    broken = text[:position] + char + text[position:]
    with pytest.raises(ExpressionError) as caught:
        parse(broken)
    assert caught.value.position == position
    assert caught.value.message == f"Biểu thức không hợp lệ ở vị trí {position}: ký tự không hợp lệ '{char}'"


@PROPERTY
@given(tree=trees, data=st.data())
def test_a_deleted_closing_parenthesis_is_reported_where_the_parser_stops(tree, data):
    text = str(tree)
    closers = [index for index, char in enumerate(text) if char == ")"]
    assume(closers)
    deleted = data.draw(st.sampled_from(closers), label="deleted")
    broken = text[:deleted] + text[deleted + 1 :]
    with pytest.raises(ExpressionError) as caught:
        parse(broken)
    assert caught.value.position == stop_after_deleting_parenthesis(broken)
    assert caught.value.position >= deleted


@pytest.mark.parametrize(
    ("text", "position", "detail"),
    [
        ("a.b + * c.d", 6, f"gặp '*', cần {OPERAND}"),
        ("min(a.b, c.d", 12, "thiếu ',' hoặc ')'"),
        ("(a.b + c.d", 10, "thiếu ')'"),
        ("max((a.b), (c.d)", 16, "thiếu ',' hoặc ')'"),
        ("min((a.b, c.d)", 8, f"gặp ',', cần {OPERATOR} hoặc ')'"),
        ("a.b +", 5, f"thiếu {OPERAND}"),
        ("", 0, "biểu thức rỗng"),
        ("   ", 3, "biểu thức rỗng"),
        ("a.b c.d", 4, f"gặp mã chỉ số 'c.d', cần {OPERATOR} hoặc hết biểu thức"),
        ("a.b)", 3, f"gặp ')', cần {OPERATOR} hoặc hết biểu thức"),
        ("min()", 4, f"gặp ')', cần {OPERAND}"),
        ("min(a.b,)", 8, f"gặp ')', cần {OPERAND}"),
        ("2 3", 2, f"gặp một số '3', cần {OPERATOR} hoặc hết biểu thức"),
        ("sum(a.b)", 3, "gặp '(' sau một tên, chỉ dùng được hàm min và max"),
        ("a.b # c", 4, "ký tự không hợp lệ '#'"),
        ("Dossier.received", 0, "ký tự không hợp lệ 'D'"),
        ("1..2", 1, "ký tự không hợp lệ '.'"),
        ("a.b ** 2", 5, f"gặp '*', cần {OPERAND}"),
    ],
)
def test_error_position_and_message(text, position, detail):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.position == position
    assert str(caught.value) == f"Biểu thức không hợp lệ ở vị trí {position}: {detail}"


def test_error_line_and_column_count_from_one():
    with pytest.raises(ExpressionError) as caught:
        parse("a.b\n+ $")
    assert (caught.value.position, caught.value.line, caught.value.column) == (6, 2, 3)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),
        ("10 - (4 - 3)", 9.0),
        ("2 * 3 / 4", 1.5),
        ("12 / 3 / 2", 2.0),
        ("-2 * 3", -6.0),
        ("-(2 + 3)", -5.0),
        ("--4", 4.0),
        ("2 - -3", 5.0),
        ("min(3, 1, 2)", 1.0),
        ("max(3)", 3.0),
        ("max(a.b, 2 * c.d)", 4.0),
        ("min(1, a.b / c.d) * 10", 10.0),
        ("0.25 * 4", 1.0),
        ("dossier.resolved.on_time / dossier.resolved", 0.75),
        ("6 * x.a + min(2, 2.5 * x.b) + 2.5 * x.c", 6 * 0.5 + 2 + 2.5 * 0.2),
        ("portal766.totalOnTime - min.x", 1.0),
    ],
)
def test_evaluation(text, value):
    values = {
        "a.b": 3, "c.d": 2, "dossier.resolved.on_time": 30, "dossier.resolved": 40,
        "x.a": 0.5, "x.b": 1, "x.c": 0.2, "portal766.totalOnTime": 5, "min.x": 4,
    }
    assert parse(text).evaluate(values) == value


def test_missing_or_none_metric_is_no_data_and_zero_is_a_value():
    expression = parse("a.b + c.d")
    assert expression.evaluate({"a.b": 1}) is None
    assert expression.evaluate({"a.b": 1, "c.d": None}) is None
    assert expression.evaluate({"a.b": 0, "c.d": 0}) == 0.0


def test_division_by_zero_raises_zero_denominator():
    with pytest.raises(ZeroDenominator) as caught:
        parse("a.b / (c.d - 2)").evaluate({"a.b": 1, "c.d": 2})
    assert isinstance(caught.value, ZeroDivisionError)
    assert caught.value.denominator == BinaryOp("-", Metric("c.d"), Number(Decimal(2)))
    assert str(caught.value) == "Mẫu số bằng 0: c.d - 2"


def test_missing_data_wins_over_a_zero_denominator():
    assert parse("a.b / c.d").evaluate({"c.d": 0}) is None


def test_metrics_lists_each_code_once():
    expression = parse("min(a.b, c.d) + a.b * 2 - portal766.totalOnTime / 3")
    assert expression.metrics == frozenset({"a.b", "c.d", "portal766.totalOnTime"})
    assert parse("1 + 2").metrics == frozenset()


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("  min( a.b ,c.d )*(1+2)", "min(a.b, c.d) * (1 + 2)"),
        ("((a.b))", "a.b"),
        ("(a.b - c.d) - e.f", "a.b - c.d - e.f"),
        ("a.b - (c.d - e.f)", "a.b - (c.d - e.f)"),
        ("a.b / (c.d * e.f)", "a.b / (c.d * e.f)"),
        ("(a.b * c.d) / e.f", "a.b * c.d / e.f"),
        ("-(a.b)", "-a.b"),
        ("-(a.b * 2)", "-(a.b * 2)"),
        ("max\n(1.50,\t2)", "max(1.50, 2)"),
        ("minimum.a + max.b", "minimum.a + max.b"),
    ],
)
def test_canonical_text(text, canonical):
    assert str(parse(text)) == canonical


def test_tree_shape():
    assert parse("-a.b + min(1, c.d) * 2") == BinaryOp(
        "+",
        Negate(Metric("a.b")),
        BinaryOp("*", Call("min", (Number(Decimal(1)), Metric("c.d"))), Number(Decimal(2))),
    )
