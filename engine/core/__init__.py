"""Evaluating one case: the pack compiled to durable_rules, the cross-check, the decision, the record and its typed reading."""
