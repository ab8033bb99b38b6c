"""The engine: store, credential encryption, services, connection resolution, partials and the execute pipeline.

Import from the defining modules (``weavz_flow.engine.engine``, ``.store``, ``.inputs``...); the library's own
entry points are listed in ``weavz_flow.__all__``.
"""
