"""Mutated config files never crash the loader or the validator: each gives a project or positioned diagnostics."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.config.conftest import EXAMPLES
from tests.config.small_catalog import small_catalog
from weavz_flow.config.validate import validate_project
from weavz_flow.diagnostics import Diagnostic

SEEDS = {
    "workspaces/acme-prod.yaml": (EXAMPLES / "workspaces" / "acme-prod.yaml").read_text(encoding="utf-8"),
    "flows/issues-to-sheet.yaml": (EXAMPLES / "flows" / "issues-to-sheet.yaml").read_text(encoding="utf-8"),
    "flows/offline-report.yaml": (EXAMPLES / "flows" / "offline-report.yaml").read_text(encoding="utf-8"),
}
CATALOG = small_catalog()
GARBAGE = st.sampled_from([
    "", ":", "- ", "{", "}", "[", "]", "&a", "*a", "!tag", "? ", "<<: *a", "\t", "'", '"', "{{", "}}", "{%", "#",
    "null", "~", "-1", "1e999", "true", "yes", "- [x]", "\x00", "é", "key: value", "  nested:", "|", ">",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=12),
    st.sampled_from(["{{ inputs.repository }}", "{{ steps.nope.output", "fixed", "OAUTH2", "0 9 * * *", "2s"]),
)


def _mutate_text(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    kind = data.draw(st.sampled_from(["truncate", "insert", "indent", "delete", "replace"]))
    i = data.draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "truncate":
        return text[: data.draw(st.integers(0, len(text)))]
    if kind == "insert":
        lines.insert(i, data.draw(GARBAGE) + data.draw(st.text(max_size=6)))
    elif kind == "indent" and lines:
        lines[i] = " " * data.draw(st.integers(0, 7)) + lines[i].lstrip()
    elif kind == "delete" and lines:
        del lines[i]
    elif lines:
        pos = data.draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:pos] + data.draw(GARBAGE) + lines[i][pos + 1:]
    return "\n".join(lines) + "\n"


def _mutate_data(value: object, data: st.DataObject, depth: int = 0) -> object:
    """Rename a key, retype a value, drop or add an entry somewhere in the tree."""
    if isinstance(value, dict) and value and depth < 6:
        key = data.draw(st.sampled_from(sorted(value, key=str)))
        action = data.draw(st.sampled_from(["recurse", "rename", "retype", "drop", "add"]))
        out = dict(value)
        if action == "recurse":
            out[key] = _mutate_data(value[key], data, depth + 1)
        elif action == "rename":
            out[str(key)[:-1] + data.draw(st.text(max_size=2))] = out.pop(key)
        elif action == "retype":
            out[key] = data.draw(SCALARS)
        elif action == "drop":
            del out[key]
        else:
            out[data.draw(st.text(min_size=1, max_size=8))] = data.draw(SCALARS)
        return out
    if isinstance(value, list) and value and depth < 6:
        i = data.draw(st.integers(0, len(value) - 1))
        return [*value[:i], _mutate_data(value[i], data, depth + 1), *value[i + 1:]]
    return data.draw(SCALARS)


def _check(files: dict[str, str], root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "weavz-flow.yaml").write_text("version: 1\nenv: [ACME_ENVIRONMENT]\n", encoding="utf-8")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    report = validate_project(root, CATALOG)
    for d in report.diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.position is not None and d.position.line >= 1 and d.position.column >= 1
        assert d.message
    if report.valid:
        assert report.project.workspaces or report.project.flows


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_text(tmp_path: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(SEEDS)))
    files = dict(SEEDS)
    files[name] = _mutate_text(SEEDS[name], data)
    _check(files, tmp_path / "p")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_structure(tmp_path: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(SEEDS)))
    files = dict(SEEDS)
    tree = yaml.safe_load(SEEDS[name])
    files[name] = yaml.safe_dump(_mutate_data(tree, data), allow_unicode=True, sort_keys=False)
    _check(files, tmp_path / "p")
