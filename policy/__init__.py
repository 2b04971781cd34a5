"""The rule-pack model, its loader and its schema: everything a policy officer's YAML becomes."""
from .diagnostics import Diagnostic, Diagnostics, Location, PackError
from .loader import load_pack
from .model import FORMAT_VERSION, Pack
from .registry import DEFAULT_ROOT, PackNotFound, Registry
from .schema import pack_schema

__all__ = [
    "DEFAULT_ROOT", "Diagnostic", "Diagnostics", "FORMAT_VERSION", "Location", "Pack", "PackError",
    "PackNotFound", "Registry", "load_pack", "pack_schema",
]
