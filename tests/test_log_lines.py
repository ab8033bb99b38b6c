"""Every weavz_flow log record is one line: its message and arguments lose their control characters."""

from __future__ import annotations

import logging

import pytest

from weavz_flow.log_lines import escape_controls


@pytest.mark.parametrize(("raw", "shown"), [
    ("a\nb", "a\\nb"), ("a\r\nb", "a\\r\\nb"), ("tab\there", "tab\\there"), ("\x00\x1b[31m\x7f", "\\x00\\x1b[31m\\x7f"),
    ("nel\x85", "nel\\x85"), ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"), ("bidi\u202e\u2066", "bidi\\u202e\\u2066"),
    ("plain ünïcode, 日本 ok", "plain ünïcode, 日本 ok"),
])
def test_escape_controls(raw: str, shown: str) -> None:
    assert escape_controls(raw) == shown


@pytest.mark.parametrize("name", ["weavz_flow.server.access", "weavz_flow.engine", "weavz_flow.schedule",
                                  "weavz_flow.runner", "weavz_flow.integrations"])
def test_arguments_and_embedded_values_of_every_weavz_flow_logger(name: str, caplog: pytest.LogCaptureFixture) -> None:
    value = 'x\n2026-01-01 ERROR forged "line"'
    with caplog.at_level(logging.INFO, logger=name):
        logging.getLogger(name).warning("fire %s finished", value)
        logging.getLogger(name).warning(f"embedded {value}")
    messages = [r.getMessage() for r in caplog.records if r.name == name]
    shown = 'x\\n2026-01-01 ERROR forged "line"'
    assert messages == [f"fire {shown} finished", f"embedded {shown}"]
    assert "\nforged" not in caplog.text and "\n2026-01-01" not in caplog.text


def test_other_loggers_are_left_alone(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="somebody.else"):
        logging.getLogger("somebody.else").warning("keeps\nits lines")
    assert [r.getMessage() for r in caplog.records] == ["keeps\nits lines"]
