"""The catalog over HTTP shows each native integration's triggers (weavz-api.md §2.2, weavz-sdk-wire.md §2.11); the
official SDK's ``client.integrations.get()`` reads them, and SDK-only integrations keep an empty map."""

from __future__ import annotations

import httpx
from weavz_sdk import WeavzClient

from tests.server.accounts import Account
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS


def test_sdk_reads_the_native_triggers(sdk: WeavzClient) -> None:
    http = sdk.integrations.get("http")["integration"]
    webhook = http["triggers"]["catch_webhook"]
    assert webhook["type"] == "WEBHOOK" and webhook["displayName"] == "Catch Webhook"
    assert set(webhook["props"]) == {"authType", "secret", "signatureHeader", "eventIdHeader"}
    assert webhook["sampleData"]["method"] == "POST"
    for name, native in NATIVE_INTEGRATIONS.items():
        if native.triggers:
            got = sdk.integrations.get(name)["integration"]["triggers"]
            assert set(got) == set(native.triggers), name
            assert all(got[t]["type"] == native.triggers[t].info.type for t in got)
    assert sdk.integrations.get("mailchimp")["integration"]["triggers"] == {}


def test_rest_catalog_shows_triggers_and_counts_them(account: Account) -> None:
    one = httpx.get(f"{account.url}/api/v1/integrations", params={"name": "github"}).json()["integration"]
    assert set(one["triggers"]) == set(NATIVE_INTEGRATIONS["github"].triggers)
    summary = httpx.get(f"{account.url}/api/v1/integrations", params={"summary": "true"}, timeout=60).json()
    by_name = {i["name"]: i for i in summary["integrations"]}
    assert by_name["http"]["triggerCount"] == len(NATIVE_INTEGRATIONS["http"].triggers) >= 1
    assert by_name["mailchimp"]["triggerCount"] == 0
    assert "triggers" not in by_name["http"]  # the summary leaves the definitions out
