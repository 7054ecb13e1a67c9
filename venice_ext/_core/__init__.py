"""The client's engine: configuration, transport and retries, the failure budget,
headers, errors mapping, request building, SSE decoding and stream accumulation.

Nothing here imports from `venice_ext.resources`, `venice_ext.jobs`, `venice_ext.tools`
or the client; those build on it.
"""
