"""Build-time tooling: fetch, transform and generate the Venice client. Never imported at runtime."""
