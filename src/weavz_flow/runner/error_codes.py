"""The codes a step's error carries when the runner, not the backend, tells why it failed. A backend's own code (an
``ApiError``'s, such as ``RATE_LIMITED``) is passed through as it is, so ``StepResult.error_code`` stays a ``str``;
the values here are what run records and ``--json`` have always shown."""

from __future__ import annotations

from enum import StrEnum


class StepErrorCode(StrEnum):
    TEMPLATE_ERROR = "TEMPLATE_ERROR"  # a template of the step (`if`, `end_user`, `for_each`, `with`) did not render
    ALIAS_NOT_DECLARED = "ALIAS_NOT_DECLARED"  # the step's alias is not in its flow's workspace
    TIMEOUT = "TIMEOUT"  # the call outlived the step's `timeout`
    ERROR = "ERROR"  # any other error of this program while calling the backend
