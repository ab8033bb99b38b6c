"""Layer 1: integration and action metadata and input schemas."""

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, InputField, IntegrationInfo

__all__ = ["ActionInfo", "Catalog", "InputField", "IntegrationInfo"]
