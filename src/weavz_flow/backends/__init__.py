"""Backends: where live state lives and actions run. One protocol, two implementations (local engine, remote API)."""
