"""Compiles packs to durable_rules, evaluates cases and explains each decision (see issue 3)."""
