"""The Weavz wire format, declared once: the request and response bodies of the Weavz-compatible API and the
vocabulary they share with the engine and the config files. The server validates requests into these models and
answers with them; the remote backend builds its requests from them (``model_dump(by_alias=True,
exclude_none=True)``) and reads the answers with ``model_validate``. Beneath the engine: imports nothing of
weavz_flow's but the bottom vocabulary."""
