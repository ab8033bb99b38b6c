"""``watch``: every save re-validates and re-plans; broken YAML is reported and survived; --run previews a flow;
nothing is ever written to the backend. The last test runs the real command and records the time from each save to
its plan."""

from __future__ import annotations

import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from watchfiles import Change

from tests.config.small_catalog import small_catalog
from tests.schedule.watch_project import (
    clean_env,
    converge,
    flow_file,
    isolate_env,
    save_by_rename,
    workspace_file,
    workspace_text,
    write_project,
)
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.local import LocalBackend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.main import cli
from weavz_flow.cli.watch_render import render_cycle
from weavz_flow.config.discovery import display_path
from weavz_flow.plan.live_state import read_live
from weavz_flow.plan.model import Action, Address, ObjectKind
from weavz_flow.schedule.watch import WatchCycle, Watcher, WatchOptions
from weavz_flow.schedule.watch_delta import DeltaKind
from weavz_flow.schedule.watch_paths import ChangeKind, ConfigPathFilter, FileChange, batch_changes, file_change

DEADLINE_S = 10.0  # a generous bound so that a broken watcher fails the test instead of hanging it


def alias(name: str) -> Address:
    return Address("lab", ObjectKind.ALIAS, name)


def creates(cycle: WatchCycle) -> set[Address]:
    assert cycle.plan is not None, render_cycle(cycle)
    return {c.address for c in cycle.plan.changes if c.action is Action.CREATE}


def modified(path: Path) -> tuple[FileChange, ...]:
    return (file_change(path, ChangeKind.MODIFIED),)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return small_catalog()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return write_project(tmp_path / "project")


@pytest.fixture
def watcher(root: Path, catalog: Catalog) -> Iterator[Watcher]:
    with Watcher(root, catalog) as w:
        yield w


# -- cycles driven by the library ----------------------------------------------------------------------------------


def test_a_save_gives_a_new_plan_and_the_difference_from_the_previous_one(root: Path, watcher: Watcher) -> None:
    first = watcher.cycle()
    assert first.number == 1 and first.trigger == () and first.delta is None
    # The flow is a plan object too (deployed to the schedule store by apply).
    assert creates(first) == {Address("lab"), *(alias(a) for a in ("kv", "files", "transform", "http")),
                              Address("", ObjectKind.FLOW, "report")}
    assert "#1 initial plan" in render_cycle(first)

    workspace_file(root).write_text(workspace_text(extra_kv=1), encoding="utf-8")
    second = watcher.cycle(modified(workspace_file(root)))
    assert alias("kv1") in creates(second)
    assert second.delta is not None
    assert [(e.address, e.kind) for e in second.delta.entries] == [(alias("kv1"), DeltaKind.APPEARED)]
    text = render_cycle(second)
    assert "#2 project/workspaces/lab.yaml (modified)" in text
    assert "+ workspace.lab/integration.kv1: create (new in this plan)" in text
    assert "Plan: 7 to add, 0 to change, 0 to destroy." in text

    # Changing a pending create shows as changed; removing it shows as gone.
    changed = workspace_text(extra_kv=1).replace("  kv1:\n    integration: kv-store\n",
                                                 "  kv1:\n    integration: kv-store\n    actions: [put, get]\n")
    workspace_file(root).write_text(changed, encoding="utf-8")
    third = watcher.cycle(modified(workspace_file(root)))
    assert third.delta is not None
    assert [(e.address, e.kind) for e in third.delta.entries] == [(alias("kv1"), DeltaKind.CHANGED)]
    assert "~ workspace.lab/integration.kv1: create (attributes enabled_actions)" in render_cycle(third)

    workspace_file(root).write_text(workspace_text(), encoding="utf-8")
    fourth = watcher.cycle(modified(workspace_file(root)))
    assert fourth.delta is not None
    assert [(e.address, e.kind) for e in fourth.delta.entries] == [(alias("kv1"), DeltaKind.DISAPPEARED)]
    assert alias("kv1") not in creates(fourth)

    unchanged = watcher.cycle(modified(workspace_file(root)))
    assert unchanged.delta is not None and unchanged.delta.empty
    assert "Since the previous plan: no difference." in render_cycle(unchanged)


def test_broken_yaml_shows_diagnostics_with_positions_and_the_next_good_save_plans_again(
        root: Path, watcher: Watcher) -> None:
    good = watcher.cycle()
    assert good.plan is not None
    lab = workspace_file(root)
    lab.write_text(workspace_text() + "  kv1: {integration: kv-store\n", encoding="utf-8")  # unclosed mapping
    broken = watcher.cycle(modified(lab))
    assert not broken.valid and broken.plan is None and broken.delta is None
    # The flow names a workspace that no longer loads: that is reported too, at its own position.
    where = [(str(d.position), d.message.split(":")[0]) for d in broken.diagnostics if d.is_error]
    assert where == [(f"{display_path(flow_file(root))}:2:12", "workspace 'lab' is not declared in this project"),
                     (f"{display_path(lab)}:15:1", "YAML syntax error")]
    text = render_cycle(broken)
    assert f"{display_path(lab)}:15:1: error: YAML syntax error" in text
    assert "Not planned: fix the errors above" in text and "Plan:" not in text

    typo = workspace_text().replace("    integration: kv-store\n", "    integration: kv-store\n    stratgy: x\n", 1)
    lab.write_text(typo, encoding="utf-8")
    schema = watcher.cycle(modified(lab))
    assert ("unknown-key", 6, 5) in [(d.code, d.position.line, d.position.column) for d in schema.diagnostics
                                     if d.is_error and d.position is not None]
    assert "did you mean 'strategy'?" in render_cycle(schema)

    lab.write_text(workspace_text(extra_kv=1), encoding="utf-8")
    fixed = watcher.cycle(modified(lab))
    assert fixed.valid and alias("kv1") in creates(fixed)
    assert fixed.fixed == "invalid" and "Fixed: the project validates again." in render_cycle(fixed)
    assert "Fixed:" not in render_cycle(watcher.cycle(modified(lab)))  # said once, not on every later plan
    assert "Fixed:" not in text and good.fixed is None
    # The difference is against the last plan shown, from before the breakage.
    assert fixed.delta is not None
    assert [(e.address, e.kind) for e in fixed.delta.entries] == [(alias("kv1"), DeltaKind.APPEARED)]


def test_a_deleted_project_file_is_reported_and_its_return_plans_again(root: Path, watcher: Watcher) -> None:
    assert watcher.cycle().plan is not None
    project_file = root / "weavz-flow.yaml"
    text = project_file.read_text(encoding="utf-8")
    project_file.unlink()
    gone = watcher.cycle((file_change(project_file, ChangeKind.DELETED),))
    assert [d.code for d in gone.diagnostics] == ["project-not-found"]
    assert "weavz-flow.yaml is gone" in render_cycle(gone)
    project_file.write_text(text, encoding="utf-8")
    back = watcher.cycle((file_change(project_file, ChangeKind.ADDED),))
    assert back.plan is not None and back.delta is not None and back.delta.empty


def test_a_plan_after_an_unreachable_backend_says_it_is_fixed(root: Path, watcher: Watcher,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    project_file = root / "weavz-flow.yaml"
    local = project_file.read_text(encoding="utf-8")
    monkeypatch.setenv("WATCH_TEST_API_KEY", "wvz-watch-test")
    # Port 9 (discard) on loopback: nothing listens, so the plan cannot be made.
    project_file.write_text("version: 1\nbackend: {type: remote, api_url: 'http://127.0.0.1:9', "
                            "api_key: {env: WATCH_TEST_API_KEY}}\n", encoding="utf-8")
    down = watcher.cycle(modified(project_file))
    assert down.valid and down.error is not None and down.problem == "not-planned"
    assert "Fixed:" not in render_cycle(down)
    project_file.write_text(local, encoding="utf-8")
    back = watcher.cycle(modified(project_file))
    assert back.plan is not None and back.fixed == "not-planned"
    assert "Fixed: the plan could be made again." in render_cycle(back)


def test_a_missing_secret_is_a_diagnostic_not_a_crash(root: Path, watcher: Watcher,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCH_TEST_TOKEN", raising=False)
    text = workspace_text() + ("connections:\n  slack-bot:\n    integration: slack\n    type: SECRET_TEXT\n"
                               "    secret: {env: WATCH_TEST_TOKEN}\n")
    workspace_file(root).write_text(text, encoding="utf-8")
    cycle = watcher.cycle()
    assert cycle.plan is None and not cycle.valid
    assert any("WATCH_TEST_TOKEN" in d.message and d.position is not None for d in cycle.diagnostics)
    monkeypatch.setenv("WATCH_TEST_TOKEN", "xoxb-watch-test")
    again = watcher.cycle(modified(workspace_file(root)))
    assert Address("lab", ObjectKind.CONNECTION, "slack-bot") in creates(again)
    assert "xoxb-watch-test" not in render_cycle(again)


def test_run_previews_the_flow_after_each_good_save(root: Path, catalog: Catalog) -> None:
    converge(root)
    options = WatchOptions(run_flow="report", run_inputs={"report": "weekly"})
    with Watcher(root, catalog, options) as watcher:
        first = watcher.cycle()
        assert first.plan is not None and not first.plan.has_changes
        assert first.previews is not None and first.run_error is None
        by_step = {p.step_id: p for p in first.previews}
        assert by_step["record_run"].final_input == {"key": "runs:weekly", "value": "dry-run"}
        assert by_step["write_report"].note == "needs the output of an earlier step"
        assert 'key: "runs:weekly"' in render_cycle(first)

        flow_file(root).write_text(flow_file(root).read_text(encoding="utf-8").replace("runs:", "count:"),
                                   encoding="utf-8")
        second = watcher.cycle(modified(flow_file(root)))
        assert second.previews is not None
        assert second.previews[0].final_input == {"key": "count:weekly", "value": "dry-run"}

        flow_file(root).write_text("flow: report\nworkspace: lab\nsteps: [\n", encoding="utf-8")
        broken = watcher.cycle(modified(flow_file(root)))
        assert broken.previews is None and broken.plan is None

        flow_file(root).unlink()
        without = watcher.cycle((file_change(flow_file(root), ChangeKind.DELETED),))
        assert without.plan is not None and without.previews is None
        assert without.run_error is not None and "no flow named 'report'" in without.run_error
        assert "Dry run of flow report: no flow named 'report'" in render_cycle(without)

        # Nothing ran: the list the first step would append to is still empty.
        backend = watcher.backend
        assert isinstance(backend, LocalBackend)
        got = backend.execute(ExecuteCall("lab", "kv-store", "get", {"key": "runs:weekly"}, alias="kv"))
        assert got.output["value"] is None


def _database_dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _assert_not_holding_the_store(root: Path) -> None:
    """Another process could apply right now: the apply lock is free, a write transaction starts without waiting,
    and no reader pins the WAL (a checkpoint completes)."""
    other = LocalBackend(root / ".weavz-flow")
    try:
        with other.lock(0):
            pass
    finally:
        other.close()
    con = sqlite3.connect(root / ".weavz-flow" / "state.db", timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        con.close()


def test_watch_never_writes_live_state_and_holds_no_lock_between_cycles(root: Path, catalog: Catalog) -> None:
    converge(root)
    database = root / ".weavz-flow" / "state.db"
    before = _database_dump(database)
    state_files = sorted(p.name for p in (root / ".weavz-flow").iterdir())
    reader = LocalBackend(root / ".weavz-flow")
    try:
        live_before = read_live(reader)
        with Watcher(root, catalog, WatchOptions(run_flow="report")) as watcher:
            for i in range(1, 21):
                if i % 5 == 0:
                    workspace_file(root).write_text("workspace: lab\nintegrations: [\n", encoding="utf-8")
                else:
                    save_by_rename(workspace_file(root), workspace_text(extra_kv=i))
                cycle = watcher.cycle(modified(workspace_file(root)))
                if i % 5:
                    assert alias(f"kv{i}") in creates(cycle) and cycle.previews is not None
                _assert_not_holding_the_store(root)
        assert read_live(reader) == live_before
    finally:
        reader.close()
    assert _database_dump(database) == before
    assert sorted(p.name for p in (root / ".weavz-flow").iterdir()) == state_files  # no runs.db, no new files


# -- which file events count ---------------------------------------------------------------------------------------


def test_the_filter_keeps_config_files_and_drops_state_editor_and_nested_project_files(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "nested").mkdir(parents=True)
    (root / "nested" / "weavz-flow.yaml").write_text("version: 1\n", encoding="utf-8")
    keep = ConfigPathFilter(root)
    kept = ["weavz-flow.yaml", "workspaces/lab.yaml", "flows/a.yml", "deep/er/x.yaml"]
    dropped = [".weavz-flow/state.db", ".weavz-flow/plan.yaml", ".git/x.yaml", "workspaces/.lab.yaml.swp",
               "workspaces/lab.yaml~", "workspaces/4913", "workspaces/#lab.yaml#", "workspaces/lab.yaml.tmp",
               "workspaces/lab.yaml___jb_tmp___", "workspaces/.#lab.yaml", "nested/workspaces/other.yaml",
               "README.md", "../outside.yaml"]
    assert [p for p in kept if not keep(Change.modified, str(root / p))] == []
    assert [p for p in dropped if keep(Change.modified, str(root / p))] == []
    # Folders pass (their files may have moved with them), except hidden ones such as the state folder.
    (root / ".weavz-flow").mkdir()
    (root / "flows").mkdir()
    assert keep(Change.added, str(root / "flows")) and not keep(Change.added, str(root / ".weavz-flow"))
    assert not keep.matches(root / "flows")
    only = ConfigPathFilter(root, include=["workspaces/*.yaml"])
    assert only.matches(root / "workspaces" / "lab.yaml") and only.matches(root / "weavz-flow.yaml")
    assert not only.matches(root / "flows" / "a.yaml")


def test_a_renamed_save_counts_as_modified_and_a_burst_as_one_change(tmp_path: Path) -> None:
    lab = tmp_path / "lab.yaml"
    lab.write_text("x: 1\n", encoding="utf-8")
    new = tmp_path / "new.yaml"
    new.write_text("x: 1\n", encoding="utf-8")
    gone = tmp_path / "gone.yaml"
    batch = {(Change.deleted, str(lab)), (Change.added, str(lab)), (Change.added, str(new)),
             (Change.deleted, str(gone)), (Change.modified, str(gone))}
    changes = batch_changes(batch, known={lab.resolve(), gone.resolve()})
    assert [(c.path.name, c.kind) for c in changes] == [
        ("gone.yaml", ChangeKind.DELETED), ("lab.yaml", ChangeKind.MODIFIED), ("new.yaml", ChangeKind.ADDED)]


# -- the loop on real file events ----------------------------------------------------------------------------------


class CycleFeed:
    """Runs :meth:`Watcher.cycles` in a thread and hands its cycles over with a deadline."""

    def __init__(self, watcher: Watcher) -> None:
        self.stop = threading.Event()
        self._queue: queue.Queue[WatchCycle | BaseException | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(watcher,), daemon=True)
        self._thread.start()
        self.seen: list[WatchCycle] = []

    def _run(self, watcher: Watcher) -> None:
        try:
            for cycle in watcher.cycles(self.stop):
                self._queue.put(cycle)
        except BaseException as exc:  # handed to the test thread, which fails with it
            self._queue.put(exc)
        self._queue.put(None)

    def next(self) -> WatchCycle | None:
        item = self._queue.get(timeout=DEADLINE_S)
        if isinstance(item, BaseException):
            raise item
        if item is not None:
            self.seen.append(item)
        return item

    def until(self, wanted: Callable[[WatchCycle], bool]) -> WatchCycle:
        while True:
            cycle = self.next()
            assert cycle is not None, "the watcher stopped"
            if wanted(cycle):
                return cycle

    def close(self) -> None:
        self.stop.set()
        self._thread.join(DEADLINE_S)
        assert not self._thread.is_alive()


def _triggered_by(path: Path, kind: ChangeKind) -> Callable[[WatchCycle], bool]:
    return lambda cycle: any(c.path.resolve() == path.resolve() and c.kind is kind for c in cycle.trigger)


def test_the_loop_follows_saves_renames_creations_and_deletions(root: Path, watcher: Watcher) -> None:
    feed = CycleFeed(watcher)
    try:
        first = feed.next()
        assert first is not None and first.trigger == () and first.plan is not None
        lab = workspace_file(root)

        lab.write_text(workspace_text(extra_kv=1), encoding="utf-8")
        saved = feed.until(_triggered_by(lab, ChangeKind.MODIFIED))
        assert alias("kv1") in creates(saved)

        # An editor's litter and the state folder cause no cycle; the save that follows does.
        for litter in (".lab.yaml.swp", "lab.yaml~", "4913", "#lab.yaml#"):
            (lab.parent / litter).write_text("noise", encoding="utf-8")
        (root / ".weavz-flow" / "notes.yaml").write_text("x: 1\n", encoding="utf-8")
        save_by_rename(lab, workspace_text(extra_kv=2))
        renamed = feed.until(_triggered_by(lab, ChangeKind.MODIFIED))
        assert alias("kv2") in creates(renamed)

        extra = root / "flows" / "second.yaml"
        extra.write_text("flow: second\nworkspace: lab\nsteps:\n  - id: one\n    uses: kv.put\n"
                         "    with: {key: a, value: b}\n", encoding="utf-8")
        feed.until(_triggered_by(extra, ChangeKind.ADDED))
        extra.unlink()
        feed.until(_triggered_by(extra, ChangeKind.DELETED))

        # A folder renamed as a whole reports no event for the files inside; comparing stamps finds them.
        (root / "flows").rename(root / "flows-renamed")
        moved = feed.until(_triggered_by(root / "flows-renamed" / "report.yaml", ChangeKind.ADDED))
        assert (flow_file(root), ChangeKind.DELETED) in [(c.path, c.kind) for c in moved.trigger]
        assert moved.plan is not None

        config_names = {"lab.yaml", "second.yaml", "report.yaml"}
        assert {c.path.name for cycle in feed.seen for c in cycle.trigger} <= config_names
    finally:
        feed.close()
    assert feed.next() is None  # the loop ended when stop was set


def test_a_stop_set_before_the_watcher_listens_ends_the_loop_without_a_cycle(watcher: Watcher) -> None:
    stop = threading.Event()
    stop.set()
    assert list(watcher.cycles(stop)) == []


def test_cli_watch_refuses_inputs_without_run_and_a_missing_project(tmp_path: Path) -> None:
    runner = CliRunner()
    usage = runner.invoke(cli, ["watch", str(tmp_path), "-i", "a=b"])
    assert usage.exit_code == 2 and "add --run FLOW" in usage.output
    missing = runner.invoke(cli, ["watch", str(tmp_path)])
    assert missing.exit_code == 1 and "no weavz-flow.yaml found" in missing.stderr
    assert "Traceback" not in missing.output


# -- acceptance: the real command, a new plan after each save (its latency: benchmarks/watch_latency.py) ---------

SUMMARY = re.compile(r"^(Plan: \d+ to add, \d+ to change, \d+ to destroy\.|No changes\. .*)$")


class OutputReader:
    """Reads a process's stdout in a thread and stamps each line with the moment it was read."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._lines: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self.text: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._lines.put((time.monotonic(), line.rstrip("\n")))
        self._lines.put(None)

    def until(self, pattern: re.Pattern[str], deadline_s: float = DEADLINE_S) -> tuple[float, str]:
        end = time.monotonic() + deadline_s
        while True:
            try:
                item = self._lines.get(timeout=max(end - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern.pattern!r} within {deadline_s} s; output so far:\n"
                                     + "\n".join(self.text[-40:])) from None
            if item is None:
                raise AssertionError("watch exited; output:\n" + "\n".join(self.text[-40:]))
            self.text.append(item[1])
            if pattern.search(item[1]):
                return item


def test_acceptance_watch_shows_a_new_plan_after_each_save(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    root = write_project(tmp_path / "project")
    env = {**clean_env(), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "weavz_flow", "watch", str(root)], cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    latencies: list[float] = []
    try:
        out = OutputReader(process)
        out.until(re.compile(r"#1 initial plan"), deadline_s=60)  # the first start may build the catalog cache
        out.until(SUMMARY)
        lab = workspace_file(root)
        for i in range(1, 7):
            text = workspace_text(extra_kv=i)
            if i == 3:  # a broken save: diagnostics with file:line:column, and the watcher keeps going
                lab.write_text(text + "  oops: [\n", encoding="utf-8")
                out.until(re.compile(r"workspaces/lab\.yaml:\d+:\d+: error: YAML syntax error"))
            if i == 5:  # another process applies meanwhile: watch holds no lock, and the next plan starts from it
                args = ["apply", "--project", str(root), "--auto-approve", "--lock-timeout", "0"]
                applied = CliRunner().invoke(cli, args, env={"WEAVZ_FLOW_DATABASE_URL": None, "WEAVZ_API_URL": None})
                assert applied.exit_code == 0, applied.output
            if i % 2:
                lab.write_text(text, encoding="utf-8")
            else:
                save_by_rename(lab, text)
            saved_at = time.monotonic()
            if i == 3:  # the save after the broken one says so before its plan
                out.until(re.compile(r"^Fixed: the project validates again\.$"))
            out.until(re.compile(rf"# workspace\.lab/integration\.kv{i} will be created"))
            seen_at, summary = out.until(SUMMARY)
            latencies.append(seen_at - saved_at)
            expected_add = i - 4 if i >= 5 else 6 + i  # the apply created the workspace, kv1..kv4 and the flow
            assert summary == f"Plan: {expected_add} to add, 0 to change, 0 to destroy.", summary
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=DEADLINE_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Stopped watching." in err
    assert "Since the previous plan:" in "\n".join(out.text)
    # Each save above got its own new plan. How fast (the bar: within a second) is a figure, not a pass/fail
    # line of a test on a shared CI machine: it is recorded here and measured by benchmarks/watch_latency.py.
    assert len(latencies) == 6
    record_property("save_to_plan_latencies_s", [round(x, 3) for x in latencies])
