"""The scheduler's storage port: fires and each schedule's watermark, and the flows ``apply`` deployed, all in the
store. The scheduler (``weavz_flow.schedule``) reaches the engine only through here."""

from weavz_flow.engine.deployments import DeploymentStore
from weavz_flow.engine.schedule_state import Begin, Fire, FireRecord, FireStatus, ScheduleRow, ScheduleState

__all__ = ["Begin", "DeploymentStore", "Fire", "FireRecord", "FireStatus", "ScheduleRow", "ScheduleState"]
