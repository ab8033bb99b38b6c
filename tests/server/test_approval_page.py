"""The hosted approval page in a real browser (Debian's chromium, JavaScript off): a person opens the
``hostedApprovalUrl`` of a 202, reads the redacted preview (the enforced channel hidden), types a reason and approves;
the caller's retry then posts to the Slack stub once. Rejecting works the same way, and a link used once opens as
"no longer valid". Screenshots: ``build/screenshots/approval-page.png``, ``approval-approved.png``,
``approval-rejected.png``, ``approval-link-invalid.png``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.browser import screenshot
from tests.server.accounts import Account
from tests.server.test_approvals_api import CHANNEL, Gated
from tests.stubs.slack import SlackStub
from weavz_flow.redact import REDACTED


@pytest.fixture
def gated(account: Account, api: httpx.Client, any_token_slack: SlackStub) -> Any:
    made = Gated(account, api, any_token_slack)
    yield made
    made.decider.close()


def _link(answer: httpx.Response) -> str:
    assert answer.status_code == 202, answer.text
    return str(answer.json()["approval"]["hostedApprovalUrl"])


def _decide(page: Page, button: str, reason: str) -> None:
    page.get_by_label("Reason (optional; the caller sees it)").fill(reason)
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def test_a_person_approves_on_the_page_and_the_retry_posts_once(gated: Gated, page: Page) -> None:
    page.goto(_link(gated.execute("deploy the release", key="page-1")))
    assert page.get_by_role("heading", name="Approve Send Channel Message on Slack?").is_visible()
    preview = page.get_by_role("table")
    channel = preview.get_by_role("row").filter(has_text="channel")
    assert channel.get_by_role("cell").inner_text() == REDACTED
    assert channel.get_by_text("enforced value, hidden").is_visible()
    assert preview.get_by_role("row").filter(has_text="text").get_by_role("cell").inner_text() == "deploy the release"
    assert CHANNEL not in page.content()
    assert page.get_by_text("the API key “admin”").is_visible()
    assert page.get_by_text("slack sends", exact=True).is_visible()  # the policy, and why it matched
    assert page.get_by_role("listitem").filter(has_text="alias slack_bot; action").is_visible()
    assert page.get_by_text("the REST API").is_visible()
    screenshot(page, "approval-page")

    _decide(page, "Approve", "Release notes checked")
    assert page.get_by_role("heading", name="Request approved").is_visible()
    screenshot(page, "approval-approved")
    assert gated.posts() == []  # approval lets the retry run; nothing ran yet

    ran = gated.execute("deploy the release", key="page-1")
    assert ran.status_code == 200 and ran.json()["success"] is True, ran.text
    assert gated.execute("deploy the release", key="page-1").status_code == 200  # replayed
    assert [(p["channel"], p["text"]) for p in gated.posts()] == [(CHANNEL, "deploy the release")]
    shown = gated.api.get("/api/v1/approvals", params={"workspaceId": gated.ws}).json()["approvals"][0]
    assert (shown["status"], shown["decidedVia"], shown["decisionReason"]) == \
        ("consumed", "link", "Release notes checked")


def test_a_person_rejects_and_the_used_link_is_no_longer_valid(gated: Gated, page: Page) -> None:
    url = _link(gated.execute("drop the table", key="page-2"))
    page.goto(url)
    _decide(page, "Reject", "Not on a Friday")
    assert page.get_by_role("heading", name="Request rejected").is_visible()
    screenshot(page, "approval-rejected")
    refused = gated.execute("drop the table", key="page-2")
    assert (refused.status_code, refused.json()["code"]) == (403, "APPROVAL_REJECTED")
    assert "Not on a Friday" in refused.json()["error"]

    page.goto(url)  # the same link again
    assert page.get_by_role("heading", name="This link is no longer valid").is_visible()
    assert "apl_" not in page.content()
    screenshot(page, "approval-link-invalid")
    assert gated.posts() == []


def test_a_page_left_open_cannot_decide_twice(gated: Gated, page: Page, browser: Any) -> None:
    url = _link(gated.execute("one decision only", key="page-3"))
    page.goto(url)
    second = browser.new_context(java_script_enabled=False).new_page()
    try:
        second.goto(url)  # the same link in another tab, before anyone decided
        _decide(page, "Approve", "first")
        _decide(second, "Reject", "second")
        assert second.get_by_role("heading", name="This link is no longer valid").is_visible()
    finally:
        second.context.close()
    shown = gated.api.get("/api/v1/approvals", params={"workspaceId": gated.ws}).json()["approvals"][0]
    assert (shown["status"], shown["decisionReason"]) == ("approved", "first")
