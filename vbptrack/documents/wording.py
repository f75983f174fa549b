"""Wording that users write as Jinja templates (a dunning level's text, later a contract
clause): limited in what it may do, rendered in Jinja's sandbox, then escaped as a whole.

A wording fills in names (`{{ customer }}`), may choose with `{% if %}` … `{% else %}`,
compare, join with `~` and use a few filters (`upper`, `default` …). Nothing else: no
loops, calls, attribute access or arithmetic. The sandbox alone keeps a template from
Python's internals but not from the machine's memory and time — `{{ 'x' * 10**8 }}` is
100 MB made in one expression before anything is printed, and nested loops can run for
hours printing nothing — so a bound on the output while rendering cannot stop those.
What is left can print at most a computable number of characters, and its cost grows
with its length: a wording is refused at save time when that bound exceeds
MAX_OUTPUT_CHARS with every name MAX_VALUE_CHARS long, and a letter whose real values
would exceed it fails alone with DocumentError.

Escaping the whole result means the text is plain text in the document, whatever the user
typed (a "<" stays a "<"), and line breaks become <br>.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from vbptrack.documents.render import DocumentError

MAX_TEMPLATE_CHARS = 5_000
MAX_OUTPUT_CHARS = 20_000
# The longest value a name is assumed to have at save time (a customer's legal name, our
# company's name and address are at most 300).
MAX_VALUE_CHARS = 300
# Filters a wording may use, and how much longer each can make its text (upper-casing
# can: "ß" → "SS", "ﬃ" → "FFI").
FILTERS = {
    "upper": 3,
    "lower": 3,
    "title": 3,
    "capitalize": 3,
    "trim": 1,
    "default": 1,
    "d": 1,
    "string": 1,
}
# Node kinds a wording may contain; everything else is refused by name.
ALLOWED = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
    nodes.Filter,
    nodes.Test,
)
STATEMENTS = {
    nodes.For: "{% for %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.With: "{% with %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
}


@dataclass(frozen=True)
class WordingProblem:
    """Why a wording cannot be used: `kind` names the message (services/problems.py),
    `context` fills it, `text` says it in English."""

    kind: str
    text: str
    context: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


@lru_cache(maxsize=1)
def _sandbox() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


def _construct(node: nodes.Node) -> str:
    """How the user wrote what is refused, e.g. `*`, `|center`, `{% for %}`."""
    if isinstance(node, nodes.Filter):
        return f"|{node.name}"
    if isinstance(node, (nodes.BinExpr, nodes.UnaryExpr)):
        return node.operator
    if isinstance(node, (nodes.Getattr, nodes.Getitem)):
        return "."
    if isinstance(node, nodes.Call):
        return "( )"
    if isinstance(node, (nodes.Tuple, nodes.List, nodes.Dict)):
        return "( , )"
    return STATEMENTS.get(type(node), type(node).__name__)


def _refused(node: nodes.Node) -> nodes.Node | None:
    """The first node (in document order) a wording may not contain."""
    allowed = isinstance(node, ALLOWED) and not (
        isinstance(node, (nodes.Filter, nodes.Test))
        and (node.kwargs or node.dyn_args or node.dyn_kwargs)
    )
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        allowed = False
    if isinstance(node, nodes.Name) and node.ctx != "load":
        allowed = False
    if not allowed:
        return node
    for child in node.iter_child_nodes():
        found = _refused(child)
        if found is not None:
            return found
    return None


def _longest(node: nodes.Node, lengths: Mapping[str, int]) -> int:
    """The most characters `node` can print, a name printing at most `lengths[name]`
    (MAX_VALUE_CHARS for a name not given). Both branches of an `if` count."""
    if isinstance(node, nodes.TemplateData):
        return len(node.data)
    if isinstance(node, nodes.Const):
        return len(str(node.value))
    if isinstance(node, nodes.Name):
        return lengths.get(node.name, MAX_VALUE_CHARS)
    if isinstance(node, nodes.Filter):
        parts = [node.node, *node.args] if node.node is not None else list(node.args)
        return FILTERS[node.name] * max((_longest(part, lengths) for part in parts), default=0)
    if isinstance(node, (nodes.And, nodes.Or)):  # prints one of its sides
        return max(_longest(node.left, lengths), _longest(node.right, lengths))
    if isinstance(node, nodes.CondExpr):
        other = _longest(node.expr2, lengths) if node.expr2 is not None else 0
        return max(_longest(node.expr1, lengths), other)
    if isinstance(node, (nodes.Compare, nodes.Test, nodes.Not)):
        return len("False")
    if isinstance(node, nodes.If):  # the test prints nothing
        return sum(_longest(part, lengths) for part in [*node.body, *node.elif_, *node.else_])
    # Template, Output and Concat print what their parts print.
    return sum(_longest(child, lengths) for child in node.iter_child_nodes())


def _read(text: str) -> nodes.Template | WordingProblem:
    if len(text) > MAX_TEMPLATE_CHARS:
        return WordingProblem(
            "wording_too_long",
            f"at most {MAX_TEMPLATE_CHARS} characters",
            {"max_length": MAX_TEMPLATE_CHARS},
        )
    try:
        tree = _sandbox().parse(text)
    except TemplateSyntaxError as exc:
        problem = f"line {exc.lineno}: {exc.message}"
        return WordingProblem("template_syntax", problem, {"error": problem})
    except RecursionError:
        problem = "nested too deeply"
        return WordingProblem("template_syntax", problem, {"error": problem})
    refused = _refused(tree)
    if refused is not None:
        construct, line = _construct(refused), refused.lineno
        return WordingProblem(
            "wording_construct",
            f"line {line}: {construct} cannot be used in a wording",
            {"construct": construct, "line": line},
        )
    return tree


def check_wording(text: str) -> WordingProblem | None:
    """Why the wording template cannot be used, or None when it can.

    >>> check_wording("Dear {{ customer }},{% if level == 3 %} final notice{% endif %}") is None
    True
    >>> str(check_wording("Dear {{ customer }"))
    "line 1: unexpected '}'"
    >>> str(check_wording("{{ 'x' * 10**8 }}"))
    'line 1: * cannot be used in a wording'
    >>> str(check_wording("{% for c in customer %}{{ c }}{% endfor %}"))
    'line 1: {% for %} cannot be used in a wording'
    >>> str(check_wording("{{ customer }}" * 100))
    'could print 30000 characters, more than 20000'
    """
    tree = _read(text)
    if isinstance(tree, WordingProblem):
        return tree
    longest = _longest(tree, {})
    if longest > MAX_OUTPUT_CHARS:
        return WordingProblem(
            "wording_output",
            f"could print {longest} characters, more than {MAX_OUTPUT_CHARS}",
            {"chars": longest, "limit": MAX_OUTPUT_CHARS},
        )
    return None


def render_wording(text: str, context: Mapping[str, Any]) -> Markup:
    """The wording with `context` filled in, escaped, line breaks as <br>.

    A wording saved before these limits, or whose real values are longer than at save
    time, fails here with DocumentError before anything is rendered.

    >>> str(render_wording("Dear {{ customer }},\\npay.", {"customer": "<A&B>"}))
    'Dear &lt;A&amp;B&gt;,<br>\\npay.'
    """
    tree = _read(text)
    if isinstance(tree, WordingProblem):
        raise DocumentError(f"wording: {tree}")
    longest = _longest(tree, {name: len(str(value)) for name, value in context.items()})
    if longest > MAX_OUTPUT_CHARS:
        raise DocumentError(
            f"wording: could print {longest} characters, more than {MAX_OUTPUT_CHARS}"
        )
    try:
        plain = _sandbox().from_string(text).render(**context)
    except Exception as exc:  # undefined names, sandbox refusals
        raise DocumentError(f"wording: {exc}") from exc
    return Markup("<br>\n").join(escape(part) for part in plain.split("\n"))
