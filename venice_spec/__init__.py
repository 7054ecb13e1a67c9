"""Spec tooling: read Venice's OpenAPI document and compare two revisions of it.

Build-time and maintenance code, kept out of the runtime package `venice_ext`: the
client never imports it; only the `venice spec` command and `scripts/` do.
"""
