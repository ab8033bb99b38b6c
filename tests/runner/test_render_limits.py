"""Rendering at run time has limits on time, size, items, integers and depth; each breach fails the step, naming
the step and the field, and the run ends failed (exit 1), never a crash (exit 70)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.runner.conftest import Harness
from weavz_flow.cli.main import cli
from weavz_flow.runner.outcome import RunStatus, StepStatus
from weavz_flow.runner.render import RenderError, Where, render_value
from weavz_flow.runner.render_limits import RenderLimits

W = Where("flows/x.yaml", "s", "with.text")

# (template, what the refusal names): the cases and the other ways a template grows without bound
UNBOUNDED = [
    ("{{ 'x'.center(10**9) }}", "characters"),
    ("{{ 'x' | center(10**9) }}", "characters"),
    ("{{ ('a' * 10**9) | length }}", "characters"),
    ("{{ 10**(10**8) }}", "bits"),
    ("{{ (10**(10**8)) > 1 }}", "bits"),
    ("{{ 3 * 10**5000 }}", "bits"),
    ("{% for i in range(10**6) %}{% for j in range(10**6) %}{% endfor %}{% endfor %}", "items"),
    ("{% for i in range(10**5) %}{% for j in range(10**5) %}{% endfor %}{% endfor %}", "s"),  # time
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "a macro calling itself"),
    ("{% macro f(n) %}{% if n %}{{ f(n - 1) ~ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}", "s"),  # time
    ("{{ 'x' | indent(10**9) }}", "characters"),
    ("{{ 'x' | indent('y' * 999999) | indent('y' * 999999) }}", "characters"),
    ("{{ '%*d' | format(10**9, 1) }}", "characters"),
    ("{{ '%0999999999d' | format(1) }}", "characters"),
    ("{{ '%0999999999d' % 1 }}", "characters"),
    ("{{ '{:>999999999}'.format(1) }}", "characters"),
    ("{{ '{:>{}}'.format(1, 10**9) }}", "characters"),
    ("{{ (['a' * 10] * 99999) | join('x' * 1000) }}", "characters"),
    ("{{ ','.join(['a' * 10] * 99999) }}", "characters"),
    ("{{ range(10**9) | list }}", "items"),
    ("{{ range(10**20) }}", "items"),
    ("{{ [0] * 10**9 }}", "items"),
    ("{{ ('a' * 999999) | replace('a', 'aaaaaaaaaa') }}", "characters"),
    ("{{ 'a'.replace('', 'b' * 999999) }}", "characters"),
    ("{{ [['x' * 1000] * 1000] * 1000 }}", "characters"),
    ("{{ ([['x' * 1000] * 1000] * 1000) | tojson }}", "characters"),
    ("{{ ([['x' * 1000] * 1000] * 1000) ~ '' }}", "characters"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "characters"),
    ("{% for i in range(99999) %}{{ 'x' * 999 }}{% endfor %}", "characters"),
    ("{{ ('\t' * 99999).expandtabs(99999) }}", "characters"),
    ("{{ [1] | batch(10**9, 0) | list }}", "items"),
    ("{{ [1] | slice(10**9) | list }}", "items"),
    ("{{ ['x'] | map('center', 10**9) | list }}", "characters"),
]


@pytest.mark.parametrize(("source", "unit"), UNBOUNDED, ids=[s for s, _ in UNBOUNDED])
def test_unbounded_templates_are_refused_as_render_errors(source: str, unit: str) -> None:
    with pytest.raises(RenderError) as caught:
        render_value({"text": source}, {"inputs": {}}, Where("flows/x.yaml", "s", "with"))
    message = str(caught.value)
    assert message.startswith("flows/x.yaml: step 's', with.text: cannot render ")
    assert "over a render limit" in caught.value.problem and unit in caught.value.problem


@pytest.mark.parametrize(("source", "unit"), [
    ("{% for a in inputs.l %}{% for b in inputs.l %}{% for c in inputs.l %}{% endfor %}{% endfor %}{% endfor %}",
     "longer than the limit of 2 s"),
    ("{% for a in inputs.l %}{% for b in inputs.l %}{{ b }}{% endfor %}{% endfor %}", "characters"),
    ("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "deeper than the limit of 100"),
])
def test_loops_over_data_and_recursive_loops_are_bounded(source: str, unit: str) -> None:
    with pytest.raises(RenderError) as caught:
        render_value(source, {"inputs": {"l": list(range(1000))}}, W)
    assert unit in caught.value.problem


def test_templates_within_the_limits_render_as_before() -> None:
    names = {"inputs": {"a": "hi", "l": list(range(1000))}}
    assert render_value("{{ 2 ** 100 }}", names, W) == 2 ** 100
    assert render_value("{{ [1, 2] * 3 }}", names, W) == [1, 2] * 3
    assert render_value("{{ 'ab' | center(6) }}|{{ 'x' | indent(2, true) }}", names, W) == "  ab  |  x"
    assert render_value("{{ '%05d-%s' % (7, inputs.a) }} {{ '{:>4}'.format(1) }}", names, W) == "00007-hi    1"
    assert render_value("{{ inputs.l | map('string') | join(',') | length }}", names, W) == 3889
    assert render_value("{% for i in range(300) %}{% for j in range(300) %}{% endfor %}{% endfor %}ok", names,
                        W) == "ok"
    assert render_value("{% macro f(n) %}{{ n }}{% if n %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(20) }}",
                        names, W) == "".join(str(n) for n in range(20, -1, -1))


def test_limits_are_a_typed_value_and_a_field_can_be_given_others() -> None:
    assert render_value("{{ 'x' * 1000 }}", {}, W) == "x" * 1000  # the defaults
    tight = RenderLimits(max_output_chars=10, max_items=3)
    assert render_value("{{ 'x' * 10 }}", {}, W, tight) == "x" * 10
    with pytest.raises(RenderError, match="limit of 10 characters"):
        render_value("{{ 'x' * 11 }}", {}, W, tight)
    with pytest.raises(RenderError, match="limit of 3 items"):
        render_value("{{ range(4) | list }}", {}, W, tight)


DOS_FLOW = """\
flow: dos
workspace: acme-staging
steps:
  - id: fine
    uses: kv.put
    with: {key: fine, value: "{{ 6 * 7 }}"}
  - id: bomb
    uses: kv.put
    with: {key: bomb, value: "TEMPLATE"}
finally:
  - id: after
    uses: kv.get
    with: {key: fine}
"""


@pytest.mark.parametrize("template", [
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",  # was: RecursionError, exit 70
    "{{ 'x'.center(10**9) }}",
    "{{ 10**(10**8) }}",
])
def test_a_run_fails_the_step_and_names_it(harness: Harness, template: str) -> None:
    harness.add_flow("dos", DOS_FLOW.replace("TEMPLATE", template))
    result = harness.runner().run("dos")
    by_id = {s.step_id: s for s in result.steps}
    assert result.status is RunStatus.FAILED
    assert by_id["fine"].status is StepStatus.SUCCEEDED and by_id["after"].status is StepStatus.SUCCEEDED
    bomb = by_id["bomb"]
    assert bomb.status is StepStatus.FAILED and bomb.error_code == "TEMPLATE_ERROR"
    assert "flows/dos.yaml: step 'bomb', with.value: cannot render" in bomb.error
    assert "over a render limit" in bomb.error


def test_the_cli_run_exits_1_with_the_step_error(harness: Harness) -> None:
    harness.add_flow("dos", DOS_FLOW.replace("TEMPLATE", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"))
    result = CliRunner().invoke(cli, ["run", "dos", "--project", str(harness.root)])
    assert result.exit_code == 1, result.output
    assert "Internal error" not in result.output and "Traceback" not in result.output
    assert "step 'bomb', with.value" in result.output and "a macro calling itself" in result.output


def test_a_dry_run_reports_the_limit_too(harness: Harness) -> None:
    harness.add_flow("dos", DOS_FLOW.replace("TEMPLATE", "{{ 'a' * 10**9 }}"))
    result = CliRunner().invoke(cli, ["run", "dos", "--dry-run", "--project", str(harness.root)])
    assert "Internal error" not in result.output and "Traceback" not in result.output
    assert "step 'bomb', with.value" in result.output and "over a render limit" in result.output
