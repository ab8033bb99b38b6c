"""Which partials an execute applied, and why, as every backend reports them (the engine defines the record; the
runner and the CLI reach it here)."""

from weavz_flow.engine.applied_partial import AppliedPartial, PartialReason

__all__ = ["AppliedPartial", "PartialReason"]
