"""Saved plans (``plan --out FILE``) and the check that makes ``apply FILE`` apply exactly what was reviewed.

A saved plan holds no secret: it keeps the plan document (as ``--json`` prints it), the options it was made with,
the backend's identity, the live-state fingerprint, the serial of the project's state on the backend, and a digest
over the changes including the credential fingerprints. Applying it recomputes the plan under the apply lock and
refuses when the live state, the state's serial or the resulting changes differ from the saved ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.model import FORMAT_VERSION, Address, Plan
from weavz_flow.plan.render_json import plan_document

KIND = "weavz-flow-plan"


class StalePlanError(WeavzFlowError):
    """The saved plan no longer describes what apply would do."""


@dataclass(frozen=True, slots=True)
class SavedPlan:
    project_root: Path
    backend_identity: str
    live_fingerprint: str
    digest: str
    prune: bool
    targets: tuple[Address, ...]
    document: dict[str, Any]
    state_serial: int | None = None


def plan_digest(plan: Plan) -> str:
    doc = plan_document(plan)
    doc.pop("backend", None)
    doc.pop("schedules", None)  # shown beside the plan, but apply never touches schedules
    actionable = {c.address for c in plan.actionable}
    secrets = {str(a): hashlib.sha256(fp.encode()).hexdigest() for a, fp in plan.credential_fingerprints.items()
               if a in actionable}
    for a, fps in plan.secret_fingerprints.items():  # a webhook approver's secret, changed since the plan was made
        if a in actionable:
            secrets[str(a)] = hashlib.sha256(json.dumps(list(fps)).encode()).hexdigest()
    text = json.dumps({"plan": doc, "secrets": secrets}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_plan(plan: Plan, path: Path, *, project_root: Path, backend_identity: str) -> None:
    doc = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "project_root": str(project_root),
        "backend_identity": backend_identity,
        "live_state_fingerprint": plan.live_fingerprint,
        "state_serial": plan.state_serial,
        "digest": plan_digest(plan),
        "prune": plan.prune,
        "targets": [str(t) for t in plan.targets],
        "plan": plan_document(plan),
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_plan(path: Path) -> SavedPlan:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeavzFlowError(f"cannot read the plan file {path}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise WeavzFlowError(f"{path} is not a saved weavz-flow plan (make one with `weavz-flow plan --out FILE`)")
    if doc.get("format_version") != FORMAT_VERSION:
        raise WeavzFlowError(f"{path} has plan format {doc.get('format_version')!r}; this weavz-flow reads "
                             f"{FORMAT_VERSION!r}: run plan again")
    serial = doc.get("state_serial")
    return SavedPlan(Path(doc["project_root"]), doc["backend_identity"], doc["live_state_fingerprint"],
                     doc["digest"], bool(doc["prune"]), tuple(Address.parse(t) for t in doc["targets"]), doc["plan"],
                     serial if isinstance(serial, int) else None)


def check_still_valid(saved: SavedPlan, plan: Plan, backend_identity: str) -> None:
    """Raise StalePlanError unless ``plan`` (recomputed now) is exactly the saved one."""
    if saved.backend_identity != backend_identity:
        raise StalePlanError(f"the saved plan was made for {saved.backend_identity}, not {backend_identity}")
    if saved.live_fingerprint != plan.live_fingerprint:
        raise StalePlanError("the live state changed since the plan was made; run plan again and review the result")
    if saved.state_serial != plan.state_serial:
        raise StalePlanError(f"the project's state on the backend changed since the plan was made (serial "
                             f"{saved.state_serial}, now {plan.state_serial}): another apply ran; run plan again")
    if saved.digest != plan_digest(plan):
        raise StalePlanError(
            "the configuration or its secrets changed since the plan was made; run plan again and review the result"
        )
