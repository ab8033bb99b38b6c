"""The Gmail API as the gmail actions reach it: the provider profile (Gmail, and the People API for contacts, both
with the connection's Google OAuth token), and the confirmation a permanent delete needs.

Gmail's REST API is ``https://gmail.googleapis.com/gmail/v1/users/{userId}/...`` with ``me`` for the connection's
own mailbox (https://developers.google.com/gmail/api/reference/rest); the People API is
``https://people.googleapis.com/v1`` (https://developers.google.com/people/api/rest).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.google_api import google_profile
from weavz_flow.integrations.native_action import invalid_input

PEOPLE_BASE_URL = "https://people.googleapis.com/v1"
GMAIL = google_profile("gmail", "Gmail", "https://gmail.googleapis.com/gmail/v1/users/me", PEOPLE_BASE_URL)


def confirmed(ctx: ActionContext, values: Mapping[str, Any]) -> None:
    """A permanent delete runs only with ``confirmPermanentDelete`` true (it skips the Trash)."""
    if values.get("confirmPermanentDelete") is not True:
        raise invalid_input(ctx, "confirmPermanentDelete", "must be true: this deletes permanently, skipping Trash")
