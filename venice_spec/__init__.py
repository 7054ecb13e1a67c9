"""Spec tooling: read Venice's OpenAPI document, validate and repair it, compare two revisions.

Build-time and maintenance code, kept out of the runtime package `venice_ext`: the
client never imports it; only the `venice spec` command and `scripts/` do, and it
imports neither of them. `venice_spec.load` reads a spec, `venice_spec.repairs`
holds the repairs, `venice_spec.diff` compares.
"""
