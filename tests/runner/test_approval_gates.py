"""A flow whose step a Human Gates policy pauses: the run waits (recorded waiting_approval, nothing after the gate
runs, finally steps wait too), and resuming it runs the approved call exactly once, or fails the step as decided."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.runner.conftest import Harness
from tests.runner.gated_flow import decide, gate_slack, gated_flow, posts
from tests.stubs.slack import SlackStub
from weavz_flow.engine.stamps import format_time
from weavz_flow.runner.outcome import RunStatus, StepStatus
from weavz_flow.runner.records import OUTPUT_CAP, RunRecords
from weavz_flow.runner.resume import ResumeRefusedError, resume_run
from weavz_flow.runner.retry import idempotency_key


@pytest.fixture
def gated(stub_harness: Harness) -> Harness:
    stub_harness.add_flow("gated-post", gated_flow())
    gate_slack(stub_harness.backend)
    return stub_harness


def _resume(h: Harness, run_id: str):
    return resume_run(h.records, h.backend, run_id, root=h.root, on_event=h.events.append)


def test_a_gated_step_makes_the_run_wait_and_nothing_after_it_runs(gated: Harness, slack_stub: SlackStub):
    result = gated.runner().run("gated-post")
    assert result.status is RunStatus.WAITING_APPROVAL, result.error
    assert [s.step_id for s in result.steps] == ["remember", "post"]  # neither `after` nor the finally step ran
    post = result.steps[1]
    assert post.status is StepStatus.APPROVAL_REQUIRED
    [approval] = post.approvals
    assert approval["status"] == "pending" and approval["id"]
    assert approval["retry"]["idempotencyKey"] == idempotency_key(result.run_id, "post", None)
    assert posts(slack_stub) == []
    record = gated.records.get(result.run_id)
    assert record.status is RunStatus.WAITING_APPROVAL and record.finished_at is None
    assert [s.step_id for s in record.steps] == ["remember", "post"]
    assert record.steps[1].approvals[0]["id"] == approval["id"]
    assert record.flow_version is not None and record.flow_version["flow"]["flow"] == "gated-post"
    # A reader never calls a waiting run lost: it has no process, and no heartbeat to miss.
    assert [r.status for r in gated.records.recent()] == [RunStatus.WAITING_APPROVAL]


def test_approved_the_resumed_run_posts_once_and_finishes(gated: Harness, slack_stub: SlackStub):
    waiting = gated.runner().run("gated-post")
    [approval] = waiting.approvals()
    still = _resume(gated, waiting.run_id)  # not decided yet: waits again, still nothing sent
    assert still.status is RunStatus.WAITING_APPROVAL and posts(slack_stub) == []
    decide(gated.backend, approval["id"], "approve", reason="planned deploy")
    result = _resume(gated, waiting.run_id)
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.run_id == waiting.run_id
    by_id = {s.step_id: s for s in result.steps}
    assert list(by_id) == ["remember", "post", "after", "cleanup"]
    assert by_id["after"].output["value"] == "deploy v2 to production"
    assert by_id["post"].approvals[0]["id"] == approval["id"]
    [sent] = posts(slack_stub)
    assert sent["text"] == "deploy v2 to production (noted: succeeded)"
    record = gated.records.get(waiting.run_id)
    assert record.status is RunStatus.SUCCEEDED and record.finished_at is not None
    assert [s.step_id for s in record.steps] == ["remember", "post", "after", "cleanup"]
    assert record.steps[1].approvals[0]["id"] == approval["id"]
    # The run is over: resuming it again is refused and sends nothing.
    with pytest.raises(ResumeRefusedError, match="succeeded"):
        _resume(gated, waiting.run_id)
    assert len(posts(slack_stub)) == 1


def test_rejected_the_step_fails_with_the_engines_code_and_finally_runs(gated: Harness, slack_stub: SlackStub):
    waiting = gated.runner().run("gated-post")
    decide(gated.backend, waiting.approvals()[0]["id"], "reject", reason="not today")
    result = _resume(gated, waiting.run_id)
    assert result.status is RunStatus.FAILED
    by_id = {s.step_id: s for s in result.steps}
    assert by_id["post"].status is StepStatus.FAILED and by_id["post"].error_code == "APPROVAL_REJECTED"
    assert by_id["after"].status is StepStatus.SKIPPED
    assert by_id["cleanup"].status is StepStatus.SUCCEEDED and by_id["cleanup"].is_finally
    assert posts(slack_stub) == []


def test_a_rejection_with_continue_on_error_lets_the_run_go_on(stub_harness: Harness, slack_stub: SlackStub):
    stub_harness.add_flow("gated-post", gated_flow(continue_on_error=True))
    gate_slack(stub_harness.backend)
    waiting = stub_harness.runner().run("gated-post")
    decide(stub_harness.backend, waiting.approvals()[0]["id"], "reject")
    result = _resume(stub_harness, waiting.run_id)
    assert result.status is RunStatus.SUCCEEDED
    by_id = {s.step_id: s for s in result.steps}
    assert by_id["post"].tolerated and by_id["post"].error_code == "APPROVAL_REJECTED"
    assert by_id["after"].status is StepStatus.SUCCEEDED


def test_a_gated_for_each_waits_for_each_items_approval_and_runs_each_once(stub_harness: Harness,
                                                                           slack_stub: SlackStub):
    stub_harness.add_flow("gated-many", """\
flow: gated-many
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    for_each: "{{ ['one', 'two'] }}"
    with: {text: "{{ item }}"}
""")
    gate_slack(stub_harness.backend)
    waiting = stub_harness.runner().run("gated-many")
    assert waiting.status is RunStatus.WAITING_APPROVAL
    approvals = waiting.approvals()
    assert len(approvals) == 2 and posts(slack_stub) == []
    decide(stub_harness.backend, approvals[0]["id"], "approve")
    assert _resume(stub_harness, waiting.run_id).status is RunStatus.WAITING_APPROVAL  # item 1 still pending
    assert [p["text"] for p in posts(slack_stub)] == ["one"]
    decide(stub_harness.backend, approvals[1]["id"], "approve")
    result = _resume(stub_harness, waiting.run_id)
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert sorted(p["text"] for p in posts(slack_stub)) == ["one", "two"]  # item 0 replayed, not sent again


def test_a_resume_whose_secret_is_missing_leaves_the_run_waiting(gated: Harness, slack_stub: SlackStub,
                                                                  monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    gated.add_flow("gated-secret", gated_flow().replace("flow: gated-post", "flow: gated-secret").replace(
        "inputs:", "secrets:\n  token: {env: GATED_TOKEN}\ninputs:"))
    monkeypatch.setenv("GATED_TOKEN", "tok-123")
    waiting = gated.runner().run("gated-secret")
    assert waiting.status is RunStatus.WAITING_APPROVAL
    decide(gated.backend, waiting.approvals()[0]["id"], "approve")
    monkeypatch.delenv("GATED_TOKEN")
    with pytest.raises(Exception, match="GATED_TOKEN"):
        _resume(gated, waiting.run_id)
    assert gated.records.get(waiting.run_id).status is RunStatus.WAITING_APPROVAL
    monkeypatch.setenv("GATED_TOKEN", "tok-123")
    assert _resume(gated, waiting.run_id).status is RunStatus.SUCCEEDED
    assert len(posts(slack_stub)) == 1


def test_a_resumed_run_reads_an_earlier_steps_output_in_full_though_its_record_is_capped(gated: Harness,
                                                                                         slack_stub: SlackStub):
    big = "x" * (OUTPUT_CAP + 10)
    waiting = gated.runner().run("gated-post", {"text": big})
    record = gated.records.get(waiting.run_id)
    assert record.steps[0].output_truncated and record.steps[0].resume_output["value"] == big
    decide(gated.backend, waiting.approvals()[0]["id"], "approve")
    result = _resume(gated, waiting.run_id)
    assert result.status is RunStatus.SUCCEEDED, result.error
    [sent] = posts(slack_stub)
    assert sent["text"] == f"{big} (noted: succeeded)"
    # Once the run is over its record keeps no full copy.
    assert gated.records.get(waiting.run_id).steps[0].resume_output is None


@pytest.mark.parametrize(("on_timeout", "code"), [("expire", "APPROVAL_EXPIRED"), ("reject", "APPROVAL_REJECTED")])
def test_a_timed_out_approval_fails_the_step_as_its_policy_says(stub_harness: Harness, slack_stub: SlackStub,
                                                                on_timeout: str, code: str):
    stub_harness.add_flow("gated-post", gated_flow())
    gate_slack(stub_harness.backend, defaultOnTimeout=on_timeout)
    waiting = stub_harness.runner().run("gated-post")
    assert stub_harness.backend.engine.approvals.expire_due(now=format_time(datetime(2100, 1, 1, tzinfo=UTC))) == 1
    result = _resume(stub_harness, waiting.run_id)
    assert result.status is RunStatus.FAILED
    by_id = {s.step_id: s for s in result.steps}
    assert by_id["post"].error_code == code and by_id["cleanup"].status is StepStatus.SUCCEEDED
    assert posts(slack_stub) == []


def test_a_canceled_approval_fails_the_step_with_its_code(gated: Harness, slack_stub: SlackStub):
    waiting = gated.runner().run("gated-post")
    decide(gated.backend, waiting.approvals()[0]["id"], "cancel")
    result = _resume(gated, waiting.run_id)
    assert {s.step_id: s.error_code for s in result.steps}["post"] == "APPROVAL_CANCELED"
    assert result.status is RunStatus.FAILED and posts(slack_stub) == []


def test_a_failure_elsewhere_ends_the_run_while_a_step_waits_and_finally_runs(gated: Harness,
                                                                             slack_stub: SlackStub):
    gated.add_flow("gated-and-broken", """\
flow: gated-and-broken
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {text: hello}
  - id: broken
    needs: []
    uses: kv.put
    with: {key: k, value: "{{ inputs.missing.deeper }}"}
finally:
  - id: cleanup
    uses: kv.put
    with: {key: last, value: done}
""")
    result = gated.runner().run("gated-and-broken")
    assert result.status is RunStatus.FAILED
    by_id = {s.step_id: s for s in result.steps}
    assert by_id["broken"].status is StepStatus.FAILED
    assert by_id["post"].status is StepStatus.SKIPPED and "while it waited for approval" in (by_id["post"].error or "")
    assert by_id["cleanup"].status is StepStatus.SUCCEEDED
    with pytest.raises(ResumeRefusedError):
        _resume(gated, result.run_id)
    assert posts(slack_stub) == []


def test_a_resume_runs_the_flow_version_the_run_started_with(gated: Harness, slack_stub: SlackStub):
    waiting = gated.runner().run("gated-post")
    # The checkout changes while the run waits: the step after the gate is gone from it.
    gated.add_flow("gated-post", gated_flow().replace('''  - id: after
    uses: kv.get
    with: {key: "last-deploy"}
''', ""))
    decide(gated.backend, waiting.approvals()[0]["id"], "approve")
    result = _resume(gated, waiting.run_id)
    assert [s.step_id for s in result.steps] == ["remember", "post", "after", "cleanup"]
    assert result.status is RunStatus.SUCCEEDED and len(posts(slack_stub)) == 1


def test_independent_steps_go_on_while_a_step_waits(gated: Harness, slack_stub: SlackStub):
    gated.add_flow("gated-branches", """\
flow: gated-branches
workspace: acme-prod
steps:
  - id: post
    uses: slack_bot.send_channel_message
    with: {text: hello}
  - id: after_post
    uses: kv.put
    with: {key: a, value: "{{ steps.post.output.ts }}"}
  - id: elsewhere
    needs: []
    uses: kv.put
    with: {key: b, value: independent}
""")
    waiting = gated.runner().run("gated-branches")
    assert waiting.status is RunStatus.WAITING_APPROVAL
    assert {s.step_id: s.status for s in waiting.steps} == {"post": StepStatus.APPROVAL_REQUIRED,
                                                            "elsewhere": StepStatus.SUCCEEDED}
    decide(gated.backend, waiting.approvals()[0]["id"], "approve")
    result = _resume(gated, waiting.run_id)
    by_id = {s.step_id: s for s in result.steps}
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert by_id["after_post"].output["value"] == by_id["post"].output["ts"]  # the approved call's output
    assert len(posts(slack_stub)) == 1
    assert by_id["elsewhere"].started_at == waiting.steps[1].started_at  # taken as recorded, not run again


def test_a_gated_finally_step_makes_a_failed_run_wait_and_it_ends_failed_once_run(gated: Harness,
                                                                                   slack_stub: SlackStub):
    gated.add_flow("gated-finally", """\
flow: gated-finally
workspace: acme-prod
steps:
  - id: broken
    uses: kv.put
    with: {key: k, value: "{{ inputs.missing.deeper }}"}
finally:
  - id: first
    uses: kv.put
    with: {key: first, value: done}
  - id: tell
    uses: slack_bot.send_channel_message
    with: {text: "the run failed"}
""")
    waiting = gated.runner().run("gated-finally")
    assert waiting.status is RunStatus.WAITING_APPROVAL and "step 'broken' failed" in (waiting.error or "")
    decide(gated.backend, waiting.approvals()[0]["id"], "approve")
    result = _resume(gated, waiting.run_id)
    assert result.status is RunStatus.FAILED
    by_id = {s.step_id: s for s in result.steps}
    assert by_id["tell"].status is StepStatus.SUCCEEDED and len(posts(slack_stub)) == 1
    assert by_id["first"].started_at == waiting.steps[1].started_at  # ran before the wait: not again


def test_a_waiting_run_is_never_judged_lost(gated: Harness):
    waiting = gated.runner().run("gated-post")
    # A reader for which every heartbeat is overdue at once: a running record would be lost now; a waiting one has no
    # process to lose (the `run` that recorded it may have exited long ago).
    strict = RunRecords.for_project(gated.root, lost_after=timedelta(0), legacy_lost_after=timedelta(0))
    try:
        assert strict.get(waiting.run_id).status is RunStatus.WAITING_APPROVAL
        assert [r.status for r in strict.recent()] == [RunStatus.WAITING_APPROVAL]
    finally:
        strict.close()
