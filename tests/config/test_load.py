from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.conftest import ProjectMaker
from weavz_flow.config.discovery import config_files, find_project_root
from weavz_flow.config.load import load_project, read_project
from weavz_flow.errors import ConfigError, ProjectNotFoundError

WORKSPACE = "workspace: main\nintegrations:\n  kv: {integration: kv-store}\n"
FLOW = "flow: count\nworkspace: main\nsteps:\n  - id: put\n    uses: kv.put\n    with: {key: k, value: 1}\n"


def test_root_is_found_by_walking_up(make_project: ProjectMaker) -> None:
    root = make_project({"flows/deep/f.yaml": FLOW})
    assert find_project_root(root / "flows" / "deep") == root.resolve()
    assert find_project_root(root / "flows" / "deep" / "f.yaml") == root.resolve()


def test_no_project_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFoundError, match=r"no weavz-flow.yaml found"):
        find_project_root(tmp_path)


def test_default_files_skip_hidden_folders_and_nested_projects(make_project: ProjectMaker) -> None:
    root = make_project({
        "w.yaml": WORKSPACE,
        "flows/f.yml": FLOW,
        ".github/workflows/ci.yaml": "on: push\n",
        "sub/weavz-flow.yaml": "version: 1\n",
        "sub/w.yaml": "workspace: other\n",
        "notes.txt": "x",
    })
    names = [p.relative_to(root.resolve()).as_posix() for p in config_files(root.resolve())]
    assert names == ["flows/f.yml", "w.yaml"]


def test_include_globs_select_exactly_those_files(make_project: ProjectMaker) -> None:
    root = make_project({"config/w.yaml": WORKSPACE, "other.yaml": "not: ours\n"},
                        project_file="version: 1\ninclude: ['config/**/*.yaml']\n")
    project = load_project(root)
    assert list(project.workspaces) == ["main"]


def test_load_project_gives_typed_models_and_sources(make_project: ProjectMaker) -> None:
    root = make_project({"workspaces/main.yaml": WORKSPACE, "flows/count.yaml": FLOW})
    project = load_project(root)
    assert project.root == root.resolve()
    assert project.workspaces["main"].integrations["kv"].integration == "kv-store"
    assert project.flows["count"].steps[0].with_ == {"key": "k", "value": 1}
    assert str(project.flow_source("count").at("steps", 0, "uses")) == "flows/count.yaml:5:11"
    assert project.flows_of("main") == [project.flows["count"]]


def test_load_project_raises_with_every_problem(make_project: ProjectMaker) -> None:
    root = make_project({
        "a.yaml": "workspace: main\nintegratons: {}\n",
        "b.yaml": "flow: f\nworkspace: main\nsteps: []\n",
        "c.yaml": "something: else\n",
    })
    with pytest.raises(ConfigError) as info:
        load_project(root)
    assert [str(d) for d in info.value.diagnostics] == [
        "a.yaml:2:1: error: unknown key 'integratons' (did you mean 'integrations'?)",
        "b.yaml:3:8: error: 'steps': list should have at least 1 item after validation, not 0",
        "c.yaml:1:1: error: not a weavz-flow config file: expected a top-level 'workspace' or 'flow' key "
        "(list the project's config files with 'include' in weavz-flow.yaml to skip other YAML)",
    ]


def test_missing_keys_point_at_their_parent(make_project: ProjectMaker) -> None:
    root = make_project({"w.yaml": "workspace: main\nconnections:\n  gh:\n    integration: github\n"})
    result = read_project(root)
    assert [str(d) for d in result.diagnostics] == [
        "w.yaml:3:3: error: missing required key 'type' in 'connections.gh' "
        "(add 'type:' with one of 'SECRET_TEXT', 'BASIC_AUTH', 'CUSTOM_AUTH' or 'OAUTH2')"
    ]


def test_a_scalar_where_a_list_belongs_gets_the_list_spelling(make_project: ProjectMaker) -> None:
    workspace = "workspace: main\nintegrations:\n  kv:\n    integration: kv-store\n    actions: put\n"
    root = make_project({"w.yaml": workspace})
    result = read_project(root)
    (diag,) = result.diagnostics
    assert diag.hint == "write a list, e.g. actions: [...], or one '- item' per line"


def test_a_key_literally_named_like_pydantics_key_marker_is_an_unknown_key(make_project: ProjectMaker) -> None:
    # pydantic locates an invalid mapping key with a trailing "[key]"; a user's key with that name is not one.
    root = make_project({"f.yaml": FLOW + "'[key]': null\n", "w.yaml": WORKSPACE + "  '[key]': {integration: http}\n"})
    result = read_project(root)
    assert [str(d) for d in result.diagnostics] == [
        "f.yaml:7:1: error: unknown key '[key]' (valid keys here: 'concurrency', 'description', 'end_user', "
        "'finally', 'flow', 'inputs', 'on', 'schedule', 'secrets', 'steps', 'workspace')",
        "w.yaml:4:3: error: invalid name '[key]': use a lowercase letter, then lowercase letters, digits, '_' or '-'",
    ]


def test_bad_project_file_is_reported_and_the_rest_still_loads(make_project: ProjectMaker) -> None:
    root = make_project({"w.yaml": WORKSPACE}, project_file="version: 1\nbakend: {}\n")
    result = read_project(root)
    assert [d.code for d in result.diagnostics] == ["unknown-key"]
    assert "main" in result.project.workspaces


def test_messages_use_absolute_paths_outside_the_working_directory(
    make_project: ProjectMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"w.yaml": "workspace: BAD\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (diag,) = read_project(root).diagnostics
    assert diag.position is not None and diag.position.file == (root.resolve() / "w.yaml").as_posix()


def test_empty_and_non_mapping_files(make_project: ProjectMaker) -> None:
    root = make_project({"empty.yaml": "", "list.yaml": "- a\n"})
    result = read_project(root)
    assert [(d.code, d.severity.value) for d in result.diagnostics] == [
        ("empty-file", "warning"), ("invalid-file", "error")
    ]


@pytest.mark.parametrize(("cron", "field", "accepts"), [
    ("61 * * * *", "minute", "0-59"),
    ("0 24 * * *", "hour", "0-23"),
    ("0 0 0 * *", "day-of-month", "1-31"),
    ("0 0 * 13 *", "month", "1-12 or JAN-DEC"),
    ("0 0 * * MONN", "day-of-week", "0-7 (0 and 7 are Sunday) or SUN-SAT"),
])
def test_a_bad_cron_names_the_field_at_fault(make_project: ProjectMaker, cron: str, field: str, accepts: str) -> None:
    root = make_project({"w.yaml": WORKSPACE, "f.yaml": FLOW + f"schedule: {{cron: '{cron}'}}\n"})
    (diag,) = read_project(root).diagnostics
    assert diag.message == f"'schedule.cron': invalid cron expression '{cron}': the {field} field takes {accepts}"


def test_a_misspelled_time_zone_gets_the_close_names(make_project: ProjectMaker) -> None:
    schedule = "schedule: {cron: '0 9 * * *', timezone: America/New_Yrok}\n"
    (diag,) = read_project(make_project({"w.yaml": WORKSPACE, "f.yaml": FLOW + schedule})).diagnostics
    assert diag.message == "'schedule.timezone': unknown time zone 'America/New_Yrok'"
    assert diag.hint is not None and diag.hint.startswith("did you mean 'America/New_York'")
