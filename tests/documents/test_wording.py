"""Wording templates: what a wording may contain, and bounds on its size and output that
hold before anything is rendered (no database)."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from vbptrack.documents import DocumentError
from vbptrack.documents.wording import (
    MAX_OUTPUT_CHARS,
    MAX_TEMPLATE_CHARS,
    check_wording,
    render_wording,
)
from vbptrack.services.dunning_policy import DEFAULT_WORDING

VALUES = {
    "customer": "复旦大学附属华山医院",
    "company": "上海华东医药科技有限公司",
    "number": "DL-2026-000001",
    "date": "2026年3月1日",
    "deadline": "2026年3月11日",
    "total": "12,345.60",
    "level": 3,
}


@pytest.mark.parametrize(
    "wording",
    [
        "尊敬的{{ customer }}：请于{{ deadline }}前付款。",
        "{% if level == 3 %}最后通知{% elif level >= 2 %}催告{% else %}提醒{% endif %}",
        "{{ customer|upper }} {{ company|default('我司') }} {{ number ~ '/' ~ date }}",
        "{{ 'final' if level > 2 else 'reminder' }} {% if level is divisibleby(3) %}!{% endif %}",
        "{% if customer and not company %}{{ customer|trim|title }}{% endif %}",
        "{{ customer }}" * 60,  # 18,000 characters at the longest names
        "",
    ],
)
def test_wordings_people_write_are_accepted(wording: str) -> None:
    assert check_wording(wording) is None


def test_the_default_wordings_are_accepted() -> None:
    for texts in DEFAULT_WORDING.values():
        for name in ("wording_zh", "wording_en"):
            assert check_wording(texts[name]) is None


@pytest.mark.parametrize(
    ("wording", "construct"),
    [
        ("{{ 'x' * 10**8 }}", "*"),
        ("{{ 10**10**10 }}", "**"),
        ("{{ customer + customer }}", "+"),
        ("{{ -level }}", "-"),
        ("{% for a in customer %}{% for b in customer %}x{% endfor %}{% endfor %}", "{% for %}"),
        ("{{ customer.ljust(100000000) }}", "( )"),
        ("{{ customer.__class__ }}", "."),
        ("{{ customer['x'] }}", "."),
        ("{{ customer|center(100000000) }}", "|center"),
        ("{{ customer|indent(100000000) }}", "|indent"),
        ("{{ lipsum(100000) }}", "( )"),
        ("{{ range(100000)|list }}", "|list"),
        ("{% set x = customer %}{{ x }}", "{% set %}"),
        ("{% macro m() %}x{% endmacro %}", "{% macro %}"),
        ("{% filter upper %}x{% endfilter %}", "{% filter %}"),
        ("{{ customer|default(value='x') }}", "|default"),
        ("{{ [customer, customer] }}", "( , )"),
        ("{% include 'base.html' %}", "{% include %}"),
    ],
)
def test_anything_that_can_grow_or_loop_is_refused(wording: str, construct: str) -> None:
    problem = check_wording(f"Dear {{{{ customer }}}},\n{wording}")
    assert problem is not None and problem.kind == "wording_construct"
    assert problem.context == {"construct": construct, "line": 2}


@pytest.mark.parametrize(
    ("wording", "kind", "context"),
    [
        ("x" * (MAX_TEMPLATE_CHARS + 1), "wording_too_long", {"max_length": MAX_TEMPLATE_CHARS}),
        ("{{ customer }}" * 67, "wording_output", {"chars": 20100, "limit": MAX_OUTPUT_CHARS}),
        # Upper-casing can lengthen ("ß" → "SS"), so it counts three times.
        ("{{ customer|upper }}" * 23, "wording_output", {"chars": 20700, "limit": 20000}),
        # Both branches of a choice count: either may be printed.
        (
            "{% if level == 1 %}" + "{{ company }}" * 34 + "{% else %}" + "{{ customer }}" * 34
            + "{% endif %}",
            "wording_output",
            {"chars": 20400, "limit": 20000},
        ),
        ("{{ customer }", "template_syntax", {"error": "line 1: unexpected '}'"}),
        ("{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}", "template_syntax", None),
    ],
)  # fmt: skip
def test_size_output_and_syntax_are_bounded(
    wording: str, kind: str, context: dict[str, object] | None
) -> None:
    problem = check_wording(wording)
    assert problem is not None and problem.kind == kind
    if context is not None:
        assert problem.context == context


def test_a_bomb_fails_its_letter_without_eating_memory_or_time() -> None:
    """A wording stored before the limits (or written straight into the database) fails
    that letter with DocumentError before Python builds anything big."""
    bombs = [
        "{{ 'x' * 10**8 }}",
        "{% for a in customer %}{% for b in customer %}{% for c in customer %}"
        "{% for d in customer %}{% for e in customer %}{% endfor %}{% endfor %}{% endfor %}"
        "{% endfor %}{% endfor %}",
        "{{ customer }}" * 300,
    ]
    long_name = dict(VALUES, customer="医" * 200)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        for bomb in bombs:
            with pytest.raises(DocumentError, match="wording"):
                render_wording(bomb, long_name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert peak < 5_000_000  # 100 MB before


def test_real_values_too_long_for_the_output_fail_that_letter() -> None:
    wording = "{{ customer }}" * 60  # accepted: 18,000 at names of 300 characters
    assert check_wording(wording) is None
    assert "复旦大学" in str(render_wording(wording, VALUES))
    with pytest.raises(DocumentError, match="could print 24000 characters"):
        render_wording(wording, dict(VALUES, customer="x" * 400))


def test_a_rendered_wording_is_escaped_text() -> None:
    wording = "{% if level == 3 %}{{ customer|upper }}{% else %}?{% endif %}\n<b>{{ total }}</b>"
    html = str(render_wording(wording, dict(VALUES, customer="a<b>&c")))
    assert html == "A&lt;B&gt;&amp;C<br>\n&lt;b&gt;12,345.60&lt;/b&gt;"
