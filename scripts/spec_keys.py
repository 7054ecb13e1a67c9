"""Keys of an OpenAPI document whose values are data or names, never schemas."""

from __future__ import annotations

# Values under these keys are data (sample payloads, literals), never schemas...
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
# ...but in these maps the keys are names, and a property may well be called `default`.
_NAME_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs"})

JSON = "application/json"
MULTIPART = "multipart/form-data"
