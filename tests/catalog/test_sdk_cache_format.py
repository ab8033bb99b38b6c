"""The cache file: what is written reads back the same, and anything damaged or foreign is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weavz_flow.catalog.model import ActionInfo, InputField, IntegrationInfo, TriggerInfo
from weavz_flow.catalog.sdk_cache_format import MAGIC, CacheFile, CacheInvalid, encode, write_atomically

SAMPLE = [
    IntegrationInfo(
        name="aws-ses",
        display_name="Amazon SES",
        actions={
            "send_email": ActionInfo(
                integration="aws-ses",
                name="send_email",
                display_name="Send Email",
                fields=(
                    InputField("from", "string", required=True, description="Sender — verified identity"),
                    InputField("cc", "string"),
                    InputField("tags", None, description="Ünïcode ✓"),
                ),
            ),
            "get_account": ActionInfo(integration="aws-ses", name="get_account", display_name="Get Account"),
        },
    ),
    IntegrationInfo(
        name="kv-store",
        display_name="State KV",
        actions={
            "put": ActionInfo(
                integration="kv-store",
                name="put",
                display_name="Put",
                fields=(InputField("key", "string", required=True), InputField("value", None, required=True)),
            )
        },
    ),
]


WITH_TRIGGERS = IntegrationInfo(
    name="github",
    display_name="GitHub",
    native=True,
    actions={"create_issue": ActionInfo(integration="github", name="create_issue", display_name="Create Issue")},
    native_actions=frozenset({"create_issue"}),
    triggers={
        "new_issue": TriggerInfo(
            integration="github", name="new_issue", display_name="New Issue", description="A new issue",
            fields=(InputField("repository", "string", required=True),
                    InputField("labels", "array", default=[], display_name="Labels")),
            sample_data={"number": 1, "title": "Ünïcode ✓", "labels": [{"name": "bug"}], "closed": None},
        ),
        "catch": TriggerInfo(integration="github", name="catch", type="WEBHOOK"),
    },
)


def no_auth(name: str) -> tuple[str, ...]:
    return ()


def test_round_trip() -> None:
    cache = CacheFile(encode("9.9.9", SAMPLE), expected_sdk_version="9.9.9")
    assert cache.sdk_version == "9.9.9"
    assert list(cache.index) == ["aws-ses", "kv-store"]
    assert cache.index["aws-ses"].action_count == 2
    assert cache.index["aws-ses"].display_name == "Amazon SES"
    for original in SAMPLE:
        assert cache.integration(original.name, no_auth) == original


def test_triggers_round_trip_and_entries_without_them_keep_the_old_blob() -> None:
    data = encode("1", [*SAMPLE, WITH_TRIGGERS])
    cache = CacheFile(data)
    got = cache.integration("github")
    assert got == WITH_TRIGGERS
    assert got.triggers["new_issue"].metadata() == WITH_TRIGGERS.triggers["new_issue"].metadata()
    assert got.triggers["catch"].type == "WEBHOOK"
    # an SDK entry's blob is still the plain list of actions, as files written before triggers hold
    entry = cache.index["kv-store"]
    body = data[data.index(b"\n", len(MAGIC)) + 1:]
    assert isinstance(json.loads(body[entry.offset:entry.offset + entry.length]), list)
    assert cache.integration("kv-store", no_auth).triggers == {}


def test_sample_data_without_an_exact_json_form_is_refused() -> None:
    bad = TriggerInfo(integration="x", name="t", sample_data={"when": (1, 2)})
    with pytest.raises(ValueError, match="sample data"):
        encode("1", [IntegrationInfo(name="x", triggers={"t": bad})])


def test_auth_types_come_from_the_caller() -> None:
    cache = CacheFile(encode("1", SAMPLE))
    info = cache.integration("aws-ses", lambda name: ("SECRET_TEXT",) if name == "aws-ses" else ())
    assert info.auth_types == ("SECRET_TEXT",)
    assert cache.integration("kv-store", lambda name: ()).auth_types == ()


def test_other_sdk_version_is_refused() -> None:
    with pytest.raises(CacheInvalid, match=r"built for weavz-io-sdk 0\.0\.1, installed is 0\.1\.2"):
        CacheFile(encode("0.0.1", SAMPLE), expected_sdk_version="0.1.2")


def test_other_format_is_refused() -> None:
    data = encode("1", SAMPLE)
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC) : end])
    header["format"] = 999
    with pytest.raises(CacheInvalid, match="cache format 999"):
        CacheFile(MAGIC + json.dumps(header).encode() + data[end:])


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: b"", id="empty"),
        pytest.param(lambda d: b"PK\x03\x04" + d, id="foreign-magic"),
        pytest.param(lambda d: d[: len(MAGIC) + 10], id="truncated-header"),
        pytest.param(lambda d: d[:-7], id="truncated-body"),
        pytest.param(lambda d: d[:-3] + b"xyz", id="flipped-body-bytes"),
        pytest.param(lambda d: MAGIC + b"{not json}\n" + d[d.index(b"\n", len(MAGIC)) + 1 :], id="garbled-header"),
        pytest.param(lambda d: MAGIC + b'{"format": 1}\n', id="header-missing-keys"),
    ],
)
def test_damaged_files_are_refused(damage) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CacheInvalid):
        CacheFile(damage(encode("1", SAMPLE)))


def test_missing_file_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(CacheInvalid, match="cannot read"):
        CacheFile.read(tmp_path / "nope.cache")


def test_write_atomically_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "c.cache"
    write_atomically(target, b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["c.cache"]


def test_unknown_field_type_is_not_written() -> None:
    bad = IntegrationInfo(
        name="x", actions={"a": ActionInfo(integration="x", name="a", fields=(InputField("f", "date"),))}
    )
    with pytest.raises(ValueError, match="unknown type 'date'"):
        encode("1", [bad])


RICH = IntegrationInfo(
    name="state",
    display_name="State",
    description="Durable state",
    auth_types=(),
    native=True,
    actions={
        "put": ActionInfo(
            integration="state",
            name="put",
            display_name="Put",
            description="Store a value",
            fields=(
                InputField("key", "string", required=True, display_name="Key"),
                InputField("mode", "string", enum=("set", "add"), default="set"),
                InputField("ttl", "integer", default=None),
                InputField("tags", "array", default=["a", 1, {"b": [True, 1.5]}]),
            ),
        )
    },
)


def test_overlay_entries_keep_descriptions_flags_enums_and_defaults() -> None:
    cache = CacheFile(encode("1", [RICH, *SAMPLE], key="k1"), expected_key="k1")
    assert cache.key == "k1"
    assert cache.integration("state") == RICH  # connection types as stored: none, not the caller's
    stored_auth = IntegrationInfo(name="slack", auth_types=("SECRET_TEXT", "OAUTH2"), native=True)
    assert CacheFile(encode("1", [stored_auth])).integration("slack") == stored_auth
    field = cache.integration("state").actions["put"].field("ttl")
    assert field is not None and field.has_default and field.default is None


def test_sdk_entries_are_written_in_the_original_layout() -> None:
    data = encode("1", SAMPLE)
    header = json.loads(data[len(MAGIC) : data.index(b"\n", len(MAGIC))])
    assert "key" not in header
    assert all(len(row) == 5 for row in header["index"])
    body = data[data.index(b"\n", len(MAGIC)) + 1 :]
    blob = json.loads(body[: header["index"][0][4]])
    assert blob[0] == ["send_email", "Send Email", [
        ["from", "string", 1, "Sender — verified identity"], ["cc", "string", 0, ""], ["tags", None, 0, "Ünïcode ✓"]
    ]]


def test_other_key_is_refused() -> None:
    with pytest.raises(CacheInvalid, match="built from other sources"):
        CacheFile(encode("1", [RICH], key="k1"), expected_key="k2")
    with pytest.raises(CacheInvalid, match="built from other sources"):
        CacheFile(encode("1", [RICH]), expected_key="k2")


@pytest.mark.parametrize("default", [("a", "b"), {1: "x"}, {"s"}, float("nan")], ids=["tuple", "int-key", "set", "nan"])
def test_a_default_without_an_exact_json_form_is_not_written(default: object) -> None:
    bad = IntegrationInfo(
        name="x", actions={"a": ActionInfo(integration="x", name="a", fields=(InputField("f", None, default=default),))}
    )
    with pytest.raises((ValueError, TypeError)):
        encode("1", [bad])
