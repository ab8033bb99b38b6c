"""The example project copied into tmp_path, its secrets set, and converged on a LocalBackend by plan/apply."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.load import load_project
from weavz_flow.config.project import Project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CANARY = "canary-s3cr3t-7f1e9b2a"  # the status-check flow's token: it must never leave a run

EXAMPLE_ENV = {
    "ACME_PROD_SLACK_BOT_TOKEN": "xoxb-placeholder-prod",
    "ACME_PROD_GITHUB_TOKEN": "ghp_placeholder_prod",
    "ALICE_GITHUB_TOKEN": "ghp_placeholder_alice",
    "ACME_PROD_SHEETS_ACCESS_TOKEN": "ya29.placeholder",
    "ACME_PROD_GMAIL_ACCESS_TOKEN": "ya29.placeholder-gmail",
    "ACME_PROD_NOTION_TOKEN": "secret_placeholder_notion",
    "ACME_PROD_OPENAI_API_KEY": "sk-placeholder-openai",
    "ACME_STAGING_SLACK_BOT_TOKEN": "xoxb-placeholder-staging",
    "ACME_STAGING_GITHUB_TOKEN": "ghp_placeholder_staging",
    "ACME_ENVIRONMENT": "test",
    "ACME_STATUS_TOKEN": CANARY,
    "WEAVZ_FLOW_SECRET_KEY": "runner-test-secret-key-0123456789",
}


def copy_examples(dest: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str] | None = None) -> Path:
    shutil.copytree(EXAMPLES, dest, ignore=shutil.ignore_patterns("broken", ".weavz-flow"))
    (dest / "secrets").mkdir(exist_ok=True)
    (dest / "secrets" / "sheets-refresh-token").write_text("1//refresh-placeholder\n", encoding="utf-8")
    for name in ("WEAVZ_FLOW_DATABASE_URL", "WEAVZ_API_URL", "WEAVZ_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**EXAMPLE_ENV, **(env or {})}.items():
        monkeypatch.setenv(name, value)
    return dest


def converge(root: Path, backend: LocalBackend) -> Project:
    project = load_project(root)
    result = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error
    return load_project(root)
