"""Layer 7: the flow runner. :class:`FlowRunner` runs a flow of a loaded project through a backend and reports
events and results as values; :func:`dry_run` previews each step's final input; :class:`RunRecords` keeps runs."""

from weavz_flow.runner.dry_run import StepPreview, dry_run
from weavz_flow.runner.outcome import EventKind, RunEvent, RunResult, RunStatus, StepResult, StepStatus
from weavz_flow.runner.records import RunRecord, RunRecords, RunTrigger, StepRecord
from weavz_flow.runner.run import FlowRunner, find_flow

__all__ = [
    "EventKind",
    "FlowRunner",
    "RunEvent",
    "RunRecord",
    "RunRecords",
    "RunResult",
    "RunStatus",
    "RunTrigger",
    "StepPreview",
    "StepRecord",
    "StepResult",
    "StepStatus",
    "dry_run",
    "find_flow",
]
