"""The engine's services: one module per managed object, each a class over the store with typed inputs/outputs."""
