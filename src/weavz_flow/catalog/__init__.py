"""Layer 1: integration and action metadata and input schemas."""
