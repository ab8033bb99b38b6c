"""What a reviewer sees of a paused call: enforced values, secret-named keys and the call's secret strings masked,
each mask's path listed; everything else shown as it is."""

from __future__ import annotations

from weavz_flow.engine.gates.preview import preview_of
from weavz_flow.redact import REDACTED


def test_enforced_secret_named_and_secret_valued_parts_are_masked() -> None:
    values = {
        "channel": "C0LOCKED", "text": "deploy with xoxb-bot-secret-0000 now", "api_key": "k-123",
        "options": {"clientSecret": "shh", "retries": 3, "tags": ["a", "xoxb-bot-secret-0000"]},
        "count": 2, "flag": None,
    }
    preview = preview_of(values, enforced_keys=["channel"], secrets=["xoxb-bot-secret-0000"])
    assert preview.input == {
        "channel": REDACTED, "text": f"deploy with {REDACTED} now", "api_key": REDACTED,
        "options": {"clientSecret": REDACTED, "retries": 3, "tags": ["a", REDACTED]},
        "count": 2, "flag": None,
    }
    assert preview.redacted_paths == ("input.channel", "input.text", "input.api_key", "input.options.clientSecret",
                                      "input.options.tags[1]")


def test_ordinary_keys_that_merely_contain_a_secret_word_are_shown() -> None:
    preview = preview_of({"max_tokens": 100, "tokenizer": "cl100k", "page_token": "abc", "passwordless": True},
                         enforced_keys=[], secrets=[])
    assert preview.input == {"max_tokens": 100, "tokenizer": "cl100k", "page_token": REDACTED, "passwordless": True}
    assert preview.redacted_paths == ("input.page_token",)


def test_long_text_is_cut_for_the_reader() -> None:
    preview = preview_of({"body": "x" * 5000}, enforced_keys=[], secrets=[])
    assert len(preview.input["body"]) == 2001 and preview.input["body"].endswith("…")
    assert preview.redacted_paths == ()
