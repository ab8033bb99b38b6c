"""The YAML ``weavz-flow import`` writes into an existing workspace file."""

from __future__ import annotations

import yaml

from weavz_flow.config.import_yaml import ImportedEntry, extend_file_text


def test_extend_keeps_indentation_and_opens_empty_flow_sections() -> None:
    text = "workspace: w\nend_users:\n    bob: {}\n\n# trailing comment\npartials: {}\n"
    out = extend_file_text(
        text,
        [
            ImportedEntry("end_users", "alice", {"email": "a@x.example"}),
            ImportedEntry("partials", "p", {"alias": "kv", "values": {"key": "k"}}),
        ],
    )
    assert out.startswith("workspace: w\nend_users:\n    bob: {}\n    alice:\n      email: a@x.example\n")
    assert yaml.safe_load(out) == {
        "workspace": "w",
        "end_users": {"bob": {}, "alice": {"email": "a@x.example"}},
        "partials": {"p": {"alias": "kv", "values": {"key": "k"}}},
    }
