"""Compiles packs to durable_rules, evaluates cases, cross-checks every decision and explains it."""
from .core.runner import ENGINE_VERSION, Engine
from .inputs.case import Case, FactError, huvudman_case, unit_case

__all__ = ["Case", "ENGINE_VERSION", "Engine", "FactError", "huvudman_case", "unit_case"]
