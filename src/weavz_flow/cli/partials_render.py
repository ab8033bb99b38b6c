"""How the text views (``run --dry-run``, ``runs show``) name the partials a call applied and why."""

from __future__ import annotations

from collections.abc import Iterable

from weavz_flow.backends.applied import AppliedPartial, PartialReason

# What each reason a partial applied for means, for the legend under a text view that shows it.
REASON_MEANING = {
    PartialReason.DEFAULT: "a default partial of the alias (the step names no partials)",
    PartialReason.REQUESTED: "named in the step's partials",
    PartialReason.DEFAULT_ENFORCED: "a default partial that enforces keys: it applies although the step's partials "
                                    "leave it out",
}


def partial_text(applied: AppliedPartial) -> str:
    return f"{applied.name} ({applied.reason.value})"


def reasons_legend(partials: Iterable[AppliedPartial]) -> list[str]:
    """One line per reason that ``partials`` show, in the enum's order."""
    shown = {p.reason for p in partials}
    return [f"  {r.value}: {REASON_MEANING[r]}" for r in PartialReason if r in shown]
