"""Runs waiting for approval are resumed by schedulers and workers once decided (schedule.resumer): not while the
approval is pending; on PostgreSQL by one process of several; and by a real ``worker`` process with no checkout,
after a real ``run`` exited 75 (the acceptance test of issue 17's flow part)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.runner.conftest import Harness, point_prod_at_stubs, stub_harness  # noqa: F401  (fixture)
from tests.runner.example_project import converge, copy_examples
from tests.runner.gated_flow import decide, gate_slack, gated_flow, posts
from tests.schedule.queue_fixtures import LoggedProcess, QueueDatabase, queue_db, wait_until  # noqa: F401
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from tests.stubs.sheets import SHEETS_TOKEN, SheetsStub
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.cli.main import cli
from weavz_flow.config.project import Project
from weavz_flow.runner.outcome import RunResult, RunStatus
from weavz_flow.runner.records import RunRecords
from weavz_flow.runner.resume import ResumeRefusedError, resume_run
from weavz_flow.runner.run import FlowRunner
from weavz_flow.schedule.resumer import Resumer

TOKENS = {"ACME_PROD_SLACK_BOT_TOKEN": SLACK_TOKEN, "ACME_PROD_GITHUB_TOKEN": GITHUB_TOKEN,
          "ALICE_GITHUB_TOKEN": GITHUB_TOKEN, "ACME_PROD_SHEETS_ACCESS_TOKEN": SHEETS_TOKEN}


def test_the_resumer_leaves_a_pending_run_and_resumes_it_once_approved(stub_harness: Harness,  # noqa: F811
                                                                        slack_stub: SlackStub):
    stub_harness.add_flow("gated-post", gated_flow())
    gate_slack(stub_harness.backend)
    waiting = stub_harness.runner().run("gated-post")
    resumer = Resumer(stub_harness.records, stub_harness.backend, stub_harness.root)
    assert resumer.check() == []  # pending: not even asked again
    assert stub_harness.records.get(waiting.run_id).status is RunStatus.WAITING_APPROVAL
    decide(stub_harness.backend, waiting.approvals()[0]["id"], "approve")
    [resumed] = resumer.check()
    assert resumed.run_id == waiting.run_id and resumed.status is RunStatus.SUCCEEDED, resumed.error
    assert resumer.check() == []
    assert len(posts(slack_stub)) == 1


@dataclass
class PgProject:
    root: Path
    backend: LocalBackend
    project: Project


@pytest.fixture
def pg_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, queue_db: QueueDatabase,  # noqa: F811
               slack_stub: SlackStub, github_stub: GitHubStub, sheets_stub: SheetsStub) -> Iterator[PgProject]:
    """The example project on the PostgreSQL store, with the gated flow and its policy."""
    root = copy_examples(tmp_path / "project", monkeypatch, TOKENS)
    point_prod_at_stubs(root, slack_stub, github_stub, sheets_stub)
    settings = yaml.safe_load((root / "weavz-flow.yaml").read_text(encoding="utf-8"))
    settings["backend"]["database_url"] = queue_db.url
    (root / "weavz-flow.yaml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    (root / "flows" / "gated-post.yaml").write_text(gated_flow(), encoding="utf-8")
    backend = LocalBackend(root / ".weavz-flow", queue_db.url)
    try:
        project = converge(root, backend)
        gate_slack(backend)
        yield PgProject(root, backend, project)
    finally:
        backend.close()


pg = pytest.mark.postgres


@pg
def test_of_two_processes_resuming_one_run_on_postgresql_one_does(
        pg_project: PgProject, queue_db: QueueDatabase, slack_stub: SlackStub) -> None:  # noqa: F811
    project_root, backend = pg_project.root, pg_project.backend
    first = RunRecords.for_store(backend.store, project_root)
    # The second resumer as another process would be: its own engine and connections to the same database.
    other_backend = LocalBackend(project_root / ".weavz-flow", queue_db.url)
    second = RunRecords.for_store(other_backend.store, project_root)
    try:
        waiting = FlowRunner(pg_project.project, backend, records=first).run("gated-post")
        assert waiting.status is RunStatus.WAITING_APPROVAL
        decide(backend, waiting.approvals()[0]["id"], "approve")
        barrier = threading.Barrier(2)
        outcomes: list[RunResult | Exception] = []

        def resume(records: RunRecords, backend: LocalBackend) -> None:
            barrier.wait()
            try:
                outcomes.append(resume_run(records, backend, waiting.run_id, root=project_root))
            except ResumeRefusedError as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=resume, args=pair) for pair in ((first, backend),
                                                                             (second, other_backend))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results = [o for o in outcomes if isinstance(o, RunResult)]
        assert len(results) == 1 and len(outcomes) == 2, outcomes
        assert results[0].status is RunStatus.SUCCEEDED, results[0].error
        assert len(posts(slack_stub)) == 1
        assert first.get(waiting.run_id).status is RunStatus.SUCCEEDED
    finally:
        second.close()
        other_backend.close()
        first.close()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weavz_flow", *args], cwd=cwd, env=dict(os.environ), text=True,
                          capture_output=True, timeout=300)


@pg
def test_run_exits_75_and_a_worker_resumes_the_run_once_it_is_approved(pg_project: PgProject, tmp_path: Path,
                                                                       queue_db: QueueDatabase,  # noqa: F811
                                                                       slack_stub: SlackStub):
    root, backend = pg_project.root, pg_project.backend
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    worker = LoggedProcess(["worker", "--database-url", queue_db.url, "--resume-every", "0.2"], log=tmp_path / "w.log",
                           cwd=elsewhere, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    records = RunRecords.for_store(backend.store, root)
    try:
        assert wait_until(lambda: "serving fires" in worker.output(), timeout=120, every=0.1), worker.output()
        ran = _cli("run", "gated-post", "--project", str(root), cwd=root)
        assert ran.returncode == 75, ran.stdout + ran.stderr
        run_id = ran.stdout.split()[1]
        assert records.get(run_id).status is RunStatus.WAITING_APPROVAL
        assert posts(slack_stub) == []
        [approval] = records.get(run_id).steps[1].approvals
        approved = _cli("approvals", "approve", approval["id"], "--reason", "go ahead", "--project", str(root),
                        cwd=root)
        assert approved.returncode == 0, approved.stdout + approved.stderr

        assert wait_until(lambda: records.get(run_id).status is RunStatus.SUCCEEDED, timeout=120, every=0.1), \
            worker.output()
        assert len(posts(slack_stub)) == 1
        assert f"run {run_id} of gated-post resumed after approval: succeeded" in worker.output()
        shown = _cli("runs", "show", run_id, "--project", str(root), cwd=root)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert f"approval {approval['id']} consumed via cli at " in shown.stdout and ": go ahead" in shown.stdout
        assert [s.step_id for s in records.get(run_id).steps] == ["remember", "post", "after", "cleanup"]
    finally:
        worker.stop()
        records.close()


def test_schedule_once_resumes_a_decided_run(stub_harness: Harness, slack_stub: SlackStub):  # noqa: F811
    stub_harness.add_flow("gated-post", gated_flow())
    gate_slack(stub_harness.backend)
    waiting = stub_harness.runner().run("gated-post")
    decide(stub_harness.backend, waiting.approvals()[0]["id"], "approve")
    once = CliRunner().invoke(cli, ["schedule", "--once", str(stub_harness.root)])
    assert once.exit_code == 0, once.output
    assert stub_harness.records.get(waiting.run_id).status is RunStatus.SUCCEEDED
    assert len(posts(slack_stub)) == 1
