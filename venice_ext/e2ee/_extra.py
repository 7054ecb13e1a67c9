"""The `e2ee` extra, loaded on demand: a missing library is a typed error, not an ImportError."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from venice_ext.errors import E2EENotInstalledError

__all__ = ["needs_extra"]

_EXTRA_PACKAGES = ("cryptography", "Crypto")


@contextmanager
def needs_extra() -> Iterator[None]:
    """Wrap the imports of the modules built on the extra's libraries."""
    try:
        yield
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in _EXTRA_PACKAGES:
            raise
        raise E2EENotInstalledError(
            f"E2EE needs the e2ee extra ({exc.name} is missing): pip install 'venice-client[e2ee]'", check="extra"
        ) from exc
