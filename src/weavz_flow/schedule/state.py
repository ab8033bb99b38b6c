"""The scheduler's durable state in the store: each schedule's watermark, and one row per fire with its status.

Defined by the engine (:mod:`weavz_flow.engine.schedule_state`, where its docstring tells how a fire runs exactly
once) and reached through the backends' port, :mod:`weavz_flow.backends.schedules`.
"""

from weavz_flow.backends.schedules import Begin, FireRecord, ScheduleRow, ScheduleState

__all__ = ["Begin", "FireRecord", "ScheduleRow", "ScheduleState"]
