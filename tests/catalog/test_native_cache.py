"""The native integrations' catalog entries read from their cache: equal to the imported ones, rebuilt whenever what
they are made of changes or the file is damaged, and read without importing the integration modules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.catalog.overlay_cache import load_overlaid_catalog, overlay_cache_path, sources_hash
from weavz_flow.catalog.sdk_cache import CACHE_DIR_ENV, sdk_cache_path
from weavz_flow.catalog.sdk_cache_format import CacheFile, encode
from weavz_flow.catalog.sdk_version import sdk_version
from weavz_flow.integrations.custom_api_names import profile_names
from weavz_flow.integrations.registry import (
    MODULES,
    NATIVE_INTEGRATIONS,
    NATIVE_SOURCES,
    load_full_catalog,
    native_catalog_key,
    overlaid_native_entries,
)

REPO = Path(__file__).resolve().parents[2]
NATIVE_MODULES = [f"weavz_flow.integrations.{m}" for m in MODULES.values()]


class CountingBuild:
    """The registry's own builder, counting how often the cache had to call it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, sdk: Catalog) -> list[IntegrationInfo]:
        self.calls += 1
        return overlaid_native_entries(sdk)


@pytest.fixture
def cache_dir(sdk_cache_dir: Path, tmp_path: Path) -> Path:
    """A cache dir of this test's own holding a copy of the real SDK cache, so damage here touches no one else."""
    own = tmp_path / "cache"
    own.mkdir()
    shutil.copy2(sdk_cache_path(sdk_cache_dir), sdk_cache_path(own))
    return own


def native_cache(cache_dir: Path) -> Path:
    return overlay_cache_path("native", sdk_version(), cache_dir)


def test_the_cached_catalog_equals_the_one_built_by_importing_the_modules(cache_dir: Path) -> None:
    imported = load_full_catalog(cached=False, cache_dir=cache_dir)
    build = CountingBuild()
    first = load_overlaid_catalog("native", native_catalog_key(), build, cache_dir)
    cached = load_overlaid_catalog("native", native_catalog_key(), build, cache_dir)
    assert build.calls == 1  # the second load read the file
    assert native_cache(cache_dir).is_file()
    assert {i.name for i in cached if i.native} == set(NATIVE_INTEGRATIONS) == {*MODULES, *profile_names()}
    assert len(cached) == len(imported) == len(first)
    for name in NATIVE_INTEGRATIONS:
        want, got = imported.integration(name), cached.integration(name)
        assert got == want  # every attribute, every action, every field (types, required, enums, defaults)
        assert got.native and got.auth_types == NATIVE_INTEGRATIONS[name].auth_types
        assert got.metadata() == want.metadata()
        for action in want.actions.values():
            assert got.actions[action.name].input_schema() == action.input_schema()
        for action_name, native_action in NATIVE_INTEGRATIONS[name].actions.items():
            assert got.actions[action_name] == native_action.info
        for trigger_name, native_trigger in NATIVE_INTEGRATIONS[name].triggers.items():
            assert got.triggers[trigger_name] == native_trigger.info  # type, sample data, fields
        assert set(got.triggers) == set(NATIVE_INTEGRATIONS[name].triggers)
    assert cached.integration("http").triggers["catch_webhook"].type == "WEBHOOK"
    # the SDK's own integrations are untouched and still decoded from the SDK cache
    assert cached.integration("mailchimp") == imported.integration("mailchimp")
    assert not cached.integration("mailchimp").native


def test_native_entries_are_decoded_on_first_lookup(cache_dir: Path) -> None:
    load_full_catalog(cache_dir=cache_dir)  # writes the cache
    cached = load_full_catalog(cache_dir=cache_dir)
    top = cached.names.maps[0]  # type: ignore[attr-defined]  # the overlay over the SDK entries
    assert top.built_count == 0
    assert "slack" in cached and "http" in cached
    assert top.built_count == 0
    cached.action("slack", "send_channel_message")
    assert top.built_count == 1


def copy_of_sources(tmp_path: Path) -> Path:
    copy = tmp_path / "integrations"
    shutil.copytree(NATIVE_SOURCES[0], copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_editing_a_native_source_file_changes_the_key_even_with_its_old_mtime(tmp_path: Path) -> None:
    copy = copy_of_sources(tmp_path)
    assert sources_hash(copy) == sources_hash(NATIVE_SOURCES[0])
    before = native_catalog_key((copy,))
    assert native_catalog_key((copy,)) == before
    slack = copy / "slack.py"
    stat = slack.stat()
    slack.write_bytes(slack.read_bytes().replace(b"Send", b"Post", 1))
    os.utime(slack, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert slack.stat().st_mtime_ns == stat.st_mtime_ns and slack.stat().st_size == stat.st_size
    assert native_catalog_key((copy,)) != before
    renamed = tmp_path / "renamed"
    copy.rename(renamed)
    (renamed / "slack.py").rename(renamed / "slack2.py")
    assert sources_hash(renamed) != sources_hash(NATIVE_SOURCES[0])


def test_a_changed_key_rebuilds_the_cache(cache_dir: Path, tmp_path: Path) -> None:
    copy = copy_of_sources(tmp_path)
    build = CountingBuild()
    load_overlaid_catalog("native", native_catalog_key((copy,)), build, cache_dir)
    load_overlaid_catalog("native", native_catalog_key((copy,)), build, cache_dir)
    assert build.calls == 1
    (copy / "http.py").write_text((copy / "http.py").read_text() + "\n# an edit\n")
    load_overlaid_catalog("native", native_catalog_key((copy,)), build, cache_dir)
    assert build.calls == 2
    load_overlaid_catalog("native", native_catalog_key((copy,)), build, cache_dir)
    assert build.calls == 2


def twin_with(action: str) -> IntegrationInfo:
    return IntegrationInfo(name="slack", display_name="Slack",
                           actions={action: ActionInfo(integration="slack", name=action)})


def test_another_sdk_catalog_rebuilds_the_cache(tmp_path: Path) -> None:
    """The natives keep their SDK twin's other actions, so the SDK catalog's content is part of the key."""
    path = sdk_cache_path(tmp_path)
    build = CountingBuild()
    path.write_bytes(encode(sdk_version(), [twin_with("only_in_first")]))
    first = load_overlaid_catalog("native", "k", build, tmp_path)
    assert "only_in_first" in first.integration("slack").actions
    path.write_bytes(encode(sdk_version(), [twin_with("only_in_second")]))
    second = load_overlaid_catalog("native", "k", build, tmp_path)
    assert build.calls == 2
    assert "only_in_second" in second.integration("slack").actions
    assert "only_in_first" not in second.integration("slack").actions
    assert second.integration("slack").native


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: b"", id="empty"),
        pytest.param(lambda d: d[: len(d) // 2], id="truncated"),
        pytest.param(lambda d: d[:-3] + b"xyz", id="flipped-body-bytes"),
        pytest.param(lambda d: b"\x00\xff garbage" * 10, id="garbage"),
        pytest.param(lambda d: d.replace(b'"key":"', b'"key":"0', 1), id="other-key"),
    ],
)
def test_a_damaged_cache_file_is_rebuilt_silently(damage, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    key = native_catalog_key()
    build = CountingBuild()
    load_overlaid_catalog("native", key, build, cache_dir)
    path = native_cache(cache_dir)
    good = path.read_bytes()
    path.write_bytes(damage(good))
    catalog = load_overlaid_catalog("native", key, build, cache_dir)
    assert build.calls == 2
    assert catalog.integration("slack") == NATIVE_INTEGRATIONS["slack"].catalog_entry(
        load_full_catalog(cached=False, cache_dir=cache_dir).integration("slack"))
    assert path.read_bytes() == good  # rewritten whole
    assert [p.name for p in cache_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_an_unwritable_cache_is_only_a_slower_load(tmp_path: Path) -> None:
    path = sdk_cache_path(tmp_path)
    path.write_bytes(encode(sdk_version(), [twin_with("twin_only")]))
    native_cache(tmp_path).mkdir()  # a directory where the file should go: the rename over it fails
    build = CountingBuild()
    for _ in range(2):
        catalog = load_overlaid_catalog("native", "k", build, tmp_path)
        assert "twin_only" in catalog.integration("slack").actions and catalog.integration("http").native
    assert build.calls == 2


def run_python(code: str, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, CACHE_DIR_ENV: str(cache_dir)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=False)


def test_concurrent_processes_with_a_cold_cache_agree(cache_dir: Path) -> None:
    code = (
        "from weavz_flow.integrations.registry import load_full_catalog\n"
        "c = load_full_catalog()\n"
        "entries = [c.integration(n) for n in ('slack', 'http', 'storage')]\n"
        "print(sorted((a.key, a.field_names) for i in entries for a in i.actions.values()))\n"
    )
    env = {**os.environ, CACHE_DIR_ENV: str(cache_dir)}
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=REPO) for _ in range(3)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in results]
    assert all(err == "" for _, err in results)
    assert len({out for out, _ in results}) == 1
    assert CacheFile.read(native_cache(cache_dir)).key is not None
    assert [p.name for p in cache_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_validate_with_a_warm_cache_imports_no_native_integration(cache_dir: Path) -> None:
    load_full_catalog(cache_dir=cache_dir)  # warms the cache
    probe = (
        "import sys\n"
        "from weavz_flow.config.validate import validate_project\n"
        "from weavz_flow.integrations.registry import load_full_catalog\n"
        "report = validate_project('examples', load_full_catalog())\n"
        "print(report.valid, report.files_checked)\n"
        f"print(sorted(m for m in {NATIVE_MODULES!r} if m in sys.modules))\n"
    )
    out = run_python(probe, cache_dir)
    assert out.returncode == 0, out.stderr
    valid, natives = out.stdout.splitlines()
    assert valid.startswith("True ")
    assert natives == "[]"


def test_the_cli_validate_with_a_warm_cache_imports_no_native_integration(cache_dir: Path) -> None:
    load_full_catalog(cache_dir=cache_dir)
    probe = (
        "import sys\n"
        "from weavz_flow.cli.main import main\n"
        "sys.argv = ['weavz-flow', 'validate', 'examples']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"print('natives:', sorted(m for m in {NATIVE_MODULES!r} if m in sys.modules), code)\n"
    )
    out = run_python(probe, cache_dir)
    assert out.stdout.splitlines()[-1] == "natives: [] 0", out.stdout + out.stderr


def test_looking_up_a_native_imports_its_module_only(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS\n"
        f"mods = {NATIVE_MODULES!r}\n"
        "print(len(NATIVE_INTEGRATIONS), 'slack' in NATIVE_INTEGRATIONS, [m for m in mods if m in sys.modules])\n"
        "http = NATIVE_INTEGRATIONS['http']\n"
        "print(http.name, [m.rsplit('.', 1)[1] for m in mods if m in sys.modules])\n"
    )
    out = run_python(probe, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"{len({*MODULES, *profile_names()})} True []", "http ['http']"]
