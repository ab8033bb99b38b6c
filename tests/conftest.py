"""Fixtures shared by every test area.

Provider stubs (see ``tests/stubs/base.py`` for their API: ``url``, ``token``, ``requests``, ``last``, ``reset()``,
``fail_next(status, n=1, retry_after=None, body=None, headers=None)``) run once per session on 127.0.0.1:

- ``slack_stub``, ``github_stub``, ``sheets_stub``, ``echo_stub``, ``items_stub`` (trigger tests): the running
  stub, reset (requests, queued failures and seed data) before each test that uses it.
- ``*_stub_server`` (session scope): the same stub without the reset, for session-scoped fixtures of other areas.

Point an integration at a stub with ``ActionContext(base_url=stub.url, ...)`` or an alias/connection base-URL
override; authenticate with ``stub.token`` (``tests.stubs.slack.SLACK_TOKEN`` etc.).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stubs.base import running
from tests.stubs.echo import EchoStub
from tests.stubs.github import GitHubStub
from tests.stubs.items import ItemsStub
from tests.stubs.oauth2 import OAuth2Stub
from tests.stubs.sheets import SheetsStub
from tests.stubs.slack import SlackStub


@pytest.fixture(scope="session")
def slack_stub_server() -> Iterator[SlackStub]:
    with running(SlackStub()) as stub:
        yield stub


@pytest.fixture(scope="session")
def github_stub_server() -> Iterator[GitHubStub]:
    with running(GitHubStub()) as stub:
        yield stub


@pytest.fixture(scope="session")
def sheets_stub_server() -> Iterator[SheetsStub]:
    with running(SheetsStub()) as stub:
        yield stub


@pytest.fixture(scope="session")
def echo_stub_server() -> Iterator[EchoStub]:
    with running(EchoStub()) as stub:
        yield stub


@pytest.fixture
def slack_stub(slack_stub_server: SlackStub) -> SlackStub:
    slack_stub_server.reset()
    return slack_stub_server


@pytest.fixture
def github_stub(github_stub_server: GitHubStub) -> GitHubStub:
    github_stub_server.reset()
    return github_stub_server


@pytest.fixture
def sheets_stub(sheets_stub_server: SheetsStub) -> SheetsStub:
    sheets_stub_server.reset()
    return sheets_stub_server


@pytest.fixture
def echo_stub(echo_stub_server: EchoStub) -> EchoStub:
    echo_stub_server.reset()
    return echo_stub_server


@pytest.fixture(scope="session")
def oauth2_stub_server() -> Iterator[OAuth2Stub]:
    with running(OAuth2Stub()) as stub:
        yield stub


@pytest.fixture
def oauth2_stub(oauth2_stub_server: OAuth2Stub) -> OAuth2Stub:
    oauth2_stub_server.reset()
    return oauth2_stub_server


@pytest.fixture(scope="session")
def items_stub_server() -> Iterator[ItemsStub]:
    with running(ItemsStub()) as stub:
        yield stub


@pytest.fixture
def items_stub(items_stub_server: ItemsStub) -> ItemsStub:
    items_stub_server.reset()
    return items_stub_server
