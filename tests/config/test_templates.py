from __future__ import annotations

from tests.config.conftest import ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.templates import TemplateRef, TemplateSyntaxProblem, is_template, scan_template
from weavz_flow.config.validate import validate_project


def test_scan_finds_names_and_keyed_references() -> None:
    scan = scan_template("{{ inputs.a }} {{ steps['b'].output }} {% for x in inputs.list %}{{ x }}{% endfor %}")
    assert not isinstance(scan, TemplateSyntaxProblem)
    assert scan.names == {"inputs", "steps"}
    assert TemplateRef("inputs", "a") in scan.refs and TemplateRef("steps", "b", "output") in scan.refs


def test_scan_records_the_field_read_from_a_step() -> None:
    scan = scan_template("{{ steps.a.outputs }} {{ steps['b']['status'] }} {{ steps.c }} {{ steps.d[inputs.k] }}")
    assert not isinstance(scan, TemplateSyntaxProblem)
    steps = [r for r in scan.refs if r.root == "steps"]
    assert steps == [TemplateRef("steps", "a", "outputs"), TemplateRef("steps", "b", "status"),
                     TemplateRef("steps", "c"), TemplateRef("steps", "d")]


def test_scan_reports_syntax_errors_with_the_template_line() -> None:
    problem = scan_template("line one\n{{ broken }")
    assert isinstance(problem, TemplateSyntaxProblem) and problem.line == 2


def test_unknown_filters_are_reported_with_a_suggestion() -> None:
    problem = scan_template("{{ steps.a.output | ojson }}")
    assert problem == TemplateSyntaxProblem("unknown filter 'ojson'", 1, "did you mean 'tojson' or 'join'?")


def test_is_template() -> None:
    assert is_template("{{ x }}") and is_template("{% if x %}y{% endif %}")
    assert not is_template("plain") and not is_template(3)


def test_template_references_are_checked(make_project: ProjectMaker, catalog: Catalog) -> None:
    workspace = "workspace: main\nintegrations:\n  kv: {integration: kv-store}\n"
    root = make_project({"w.yaml": workspace, "f.yaml": """\
flow: f
workspace: main
end_user: "{{ inputs.user }}"
inputs:
  user: {type: string, default: u1}
secrets:
  token: {env: API_TOKEN}
steps:
  - id: a
    uses: kv.put
    with: {key: "{{ inputs.usr }}", value: "{{ secrets.tokn }}{{ env.HOME }}{{ item }}{{ nonsense }}"}
  - id: b
    uses: kv.put
    for_each: "{{ steps.a.output + [item] }}"
    if: "yes"
    with: {key: "{{ item }}-{{ index }}", value: "{{ steps.b.output }}{{ run.id }}{{ flow.name }}"}
  - id: c
    uses: kv.put
    needs: [a]
    with: {key: "{{ steps.b.output }}", value: "{{ steps.a.output }}"}
finally:
  - id: z
    uses: kv.put
    with: {key: "{{ steps.c.output }}", value: "{{ steps.zz.output }}"}
  - id: y
    uses: kv.put
    with: {key: "{{ steps.a.get('status') }}{{ steps.a.error }}", value: "{{ steps.a.outputs }}"}
"""}, project_file="version: 1\nenv: [PATH]\n")
    assert [str(d) for d in validate_project(root, catalog).diagnostics] == [
        "f.yaml:11:17: error: template reads undeclared input 'usr' (did you mean 'user'?)",
        "f.yaml:11:44: error: 'item' is only defined in a step with 'for_each'",
        "f.yaml:11:44: error: environment variable 'HOME' is not in the project's 'env' allow-list "
        "(add it to 'env' in weavz-flow.yaml)",
        "f.yaml:11:44: error: template reads undeclared secret 'tokn' (did you mean 'token'?)",
        "f.yaml:11:44: error: template reads unknown name 'nonsense' (known names: env, flow, inputs, run, secrets, "
        "steps)",
        "f.yaml:14:15: error: 'item' is only defined in a step with 'for_each'",
        "f.yaml:15:9: error: 'if' must be a template such as \"{{ inputs.enabled }}\" or a boolean",
        "f.yaml:16:50: error: step 'b' reads its own result (read it from a later step)",
        "f.yaml:20:17: error: template reads step 'b', which may still be running (add 'b' to this step's 'needs')",
        "f.yaml:24:48: error: template reads unknown step 'zz' (did you mean 'z'?)",
        "f.yaml:27:74: error: steps.a has no 'outputs' (did you mean 'output'?)",
    ]
