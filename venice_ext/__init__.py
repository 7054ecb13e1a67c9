"""Venice.ai client: the ergonomic layer over the generated `venice_api` package."""

__all__: list[str] = []
