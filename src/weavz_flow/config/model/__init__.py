"""Typed models of the three kinds of config file; later layers (plan, runner, schedule) consume these."""
