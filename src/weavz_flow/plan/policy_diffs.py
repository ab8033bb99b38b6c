"""An approval policy's attribute diffs, named as the workspace file names them (``aliases``, ``actions``), and its
webhook secrets' diffs, which compare fingerprints: a secret never appears in a plan, but a changed one shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from weavz_flow.backends.approval_policies import SETTING_NAMES, PolicySettings
from weavz_flow.config.model.approval_policies import ApprovalPolicyConfig
from weavz_flow.plan.model import AttributeDiff
from weavz_flow.sensitive import Sensitive

# The wire's names that the config spells otherwise (config/model/approval_policies.py).
CONFIG_NAMES: Mapping[str, str] = {"integration_aliases": "aliases", "action_names": "actions"}
NO_RECORD = "no record of the webhook secret last applied, so it is set again"
_WIRE_NAMES = {config: wire for wire, config in CONFIG_NAMES.items()}
# Plans list the settings in the order a workspace file declares them.
ORDER: tuple[str, ...] = tuple(_WIRE_NAMES.get(n, n) for n in ApprovalPolicyConfig.model_fields)
assert sorted(ORDER) == sorted(SETTING_NAMES), "the config and the settings name the same fields"


def attributes(settings: PolicySettings) -> list[tuple[str, Any]]:
    """(config name, plain value) of every setting, in the config's order of declaration."""
    out = []
    for name in ORDER:
        value = getattr(settings, name)
        if name == "approvers":
            value = [a.plain() for a in value]
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        out.append((CONFIG_NAMES.get(name, name), value))
    return out


def created(settings: PolicySettings) -> tuple[AttributeDiff, ...]:
    return tuple(AttributeDiff(name, None, value) for name, value in attributes(settings) if value is not None)


def setting_diffs(live: PolicySettings, desired: PolicySettings) -> tuple[AttributeDiff, ...]:
    return tuple(AttributeDiff(name, before, after)
                 for (name, before), (_, after) in zip(attributes(live), attributes(desired), strict=True)
                 if before != after)


def secret_diffs(wanted: Sequence[str | None], stored: Sequence[str | None] | None,
                 ) -> tuple[tuple[AttributeDiff, ...], str | None]:
    """A sensitive diff per approver whose declared secret's fingerprint differs from the stored one's (``stored``
    None: a create), and a reason when some stored fingerprint was unknown."""
    diffs = []
    unknown = False
    for i, fp in enumerate(wanted):
        if fp is None:
            continue  # no secret declared: the backend keeps the one it has
        before = stored[i] if stored is not None and i < len(stored) else None
        if before == fp:
            continue
        unknown = unknown or (stored is not None and before is None)
        diffs.append(AttributeDiff(f"approvers[{i}].webhook_secret", Sensitive(before) if before else None,
                                   Sensitive(fp), sensitive=True))
    return tuple(diffs), NO_RECORD if unknown else None
