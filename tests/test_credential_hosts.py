"""Origins as the credential-host rule compares them: scheme, host and port, never a string prefix."""

from __future__ import annotations

import httpx
import pytest

from weavz_flow.credential_hosts import origin

SLACK = ("https", "slack.com", 443)


@pytest.mark.parametrize("url", ["https://slack.com/api", "HTTPS://SLACK.COM/api", "https://slack.com:443/x",
                                 "https://Slack.Com"])
def test_the_same_host_in_any_spelling(url: str) -> None:
    assert origin(url) == SLACK


@pytest.mark.parametrize("url", ["https://slack.com.evil.test/api", "https://api.slack.com", "http://slack.com",
                                 "https://slack.com:8443", "https://slack.com./api", "https://evil.test/slack.com"])
def test_other_hosts(url: str) -> None:
    found = origin(url)
    assert found is not None and found != SLACK
    # Whatever we compare is what httpx would connect to.
    parsed = httpx.URL(url)
    assert (parsed.scheme, parsed.host, parsed.port or {"http": 80, "https": 443}[parsed.scheme]) == found


@pytest.mark.parametrize("url", [
    "https://slack.com@evil.test/api", "https://user:pw@slack.com", "https://evil.test#@slack.com",
    "https://evil.test?@slack.com", "https://evil.test\\@slack.com", "https://evil.test\\.slack.com",
    "https://sl%61ck.com", "https://slück.com", "https://slack.com /x", "https://slack.com\t", "https://slack.com:0",
    "https://slack.com:65536", "https://slack.com:", "//slack.com", "slack.com", "ftp://slack.com", "https://",
    "https:///slack.com", "javascript:alert(1)", "https://slack.com/api?token=1",
])
def test_not_a_base_url(url: str) -> None:
    assert origin(url) is None
