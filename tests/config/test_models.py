from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from weavz_flow.config.model.base import SecretRef, parse_duration
from weavz_flow.config.model.flow import FlowFile, InputSpec, ScheduleConfig
from weavz_flow.config.model.project_file import ProjectFile, RemoteBackend
from weavz_flow.config.model.workspace import AliasConfig, ConnectionConfig, PersistenceSettings, Strategy


@pytest.mark.parametrize(
    ("text", "seconds"), [("500ms", 0.5), ("2s", 2), ("5m", 300), ("1h30m", 5400), ("1d", 86400), ("1.5s", 1.5)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["2", 2, "2 s", "s", "", "2y", None])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_secret_ref_takes_exactly_one_source_and_never_a_literal() -> None:
    assert SecretRef.model_validate({"env": "TOKEN"}).describe() == "env:TOKEN"
    assert SecretRef.model_validate({"file": "secrets/t"}).describe() == "file:secrets/t"
    for bad in ({}, {"env": "A", "file": "b"}, "literal-token", {"env": "1BAD"}):
        with pytest.raises(ValidationError) as info:
            SecretRef.model_validate(bad)
        assert "literal-token" not in str(info.value.errors(include_input=False))


def test_connection_credentials_follow_the_type() -> None:
    ok = ConnectionConfig.model_validate(
        {"integration": "github", "type": "BASIC_AUTH", "username": "bob", "password": {"env": "PW"}}
    )
    assert list(ok.secret_refs()) == ["password"]
    with pytest.raises(ValidationError, match="needs 'secret'"):
        ConnectionConfig.model_validate({"integration": "slack", "type": "SECRET_TEXT"})
    with pytest.raises(ValidationError, match="does not take 'password'"):
        ConnectionConfig.model_validate(
            {"integration": "slack", "type": "SECRET_TEXT", "secret": {"env": "S"}, "password": {"env": "P"}}
        )
    custom = ConnectionConfig.model_validate(
        {"integration": "x", "type": "CUSTOM_AUTH", "props": {"api_key": {"env": "K"}, "domain": {"env": "D"}}}
    )
    assert set(custom.secret_refs()) == {"props.api_key", "props.domain"}


def test_alias_defaults_and_persistence_rules() -> None:
    alias = AliasConfig.model_validate({"integration": "kv-store"})
    assert alias.strategy is Strategy.FIXED and alias.actions is None
    with pytest.raises(ValidationError, match="external_id"):
        PersistenceSettings.model_validate({"scope": "external"})
    assert PersistenceSettings.model_validate({"scope": "external", "external_id": "t1"}).external_id == "t1"


def test_input_defaults_must_match_their_type() -> None:
    assert InputSpec.model_validate({"type": "integer", "default": 3}).has_default
    assert not InputSpec.model_validate({"type": "integer"}).has_default
    with pytest.raises(ValidationError, match="default does not match"):
        InputSpec.model_validate({"type": "integer", "default": True})


def test_schedule_validates_cron_and_timezone() -> None:
    sched = ScheduleConfig.model_validate({"cron": "*/5 9-17 * * 1-5", "timezone": "Europe/Berlin"})
    assert sched.overlap == "skip" and sched.missed == "last" and sched.enabled
    for bad in ({"cron": "* * * *"}, {"cron": "61 * * * *"}, {"cron": "* * * * *", "timezone": "Mars/Base"}):
        with pytest.raises(ValidationError):
            ScheduleConfig.model_validate(bad)


def test_step_order_and_needs_give_predecessors() -> None:
    flow = FlowFile.model_validate({
        "flow": "f", "workspace": "w",
        "steps": [
            {"id": "a", "uses": "x.y"},
            {"id": "b", "uses": "x.y"},
            {"id": "c", "uses": "x.y", "needs": ["a"]},
            {"id": "d", "uses": "x.y"},
        ],
        "finally": [{"id": "z", "uses": "x.y"}],
    })
    assert flow.predecessors("a") == frozenset()
    assert flow.predecessors("b") == {"a"}
    assert flow.predecessors("c") == {"a"}  # runs alongside b
    assert flow.predecessors("d") == {"a", "c"}
    assert flow.predecessors("z") == {"a", "b", "c", "d"}
    step = flow.steps[0]
    assert (step.alias, step.action) == ("x", "y")


def test_project_file_backends() -> None:
    assert ProjectFile.model_validate({"version": 1}).backend.type == "local"
    remote = ProjectFile.model_validate(
        {"version": 1, "backend": {"type": "remote", "api_url": "https://api.weavz.io", "api_key": {"env": "K"}}}
    )
    assert isinstance(remote.backend, RemoteBackend)
    with pytest.raises(ValidationError):
        ProjectFile.model_validate({"version": 2})
