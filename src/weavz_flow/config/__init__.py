"""Layer 6: the config language: load a project (``config.load``), check it (``config.validate``), read the secrets
it references (``config.secret_values``). Models live in ``weavz_flow.config.model``.
"""
