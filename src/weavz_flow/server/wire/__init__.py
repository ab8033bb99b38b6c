"""Request and response bodies of the Weavz-compatible API, kept apart from the engine's own types."""
