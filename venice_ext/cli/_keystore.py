"""Where `venice auth login` keeps the key: the system keyring if importable, else a 0600 file.

No click here: the command module and the client factory both read it.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["KEYRING_SERVICE", "KEYRING_USER", "config_path", "keyring_module", "stored_key"]

KEYRING_SERVICE = "venice-client"
KEYRING_USER = "api_key"


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "venice" / "config.json"


def keyring_module() -> Any:
    """The keyring module, or None when it is not installed or has no usable backend."""
    try:
        import keyring  # type: ignore[import-not-found, unused-ignore]
        from keyring.backends.fail import Keyring as NoBackend  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return None if isinstance(keyring.get_keyring(), NoBackend) else keyring


def stored_key() -> tuple[str | None, str | None]:
    """(key, where it was found) from the keyring or the config file; (None, None) if neither has one."""
    ring = keyring_module()
    if ring is not None:
        with contextlib.suppress(Exception):  # a locked or broken keyring: fall back to the file
            key = ring.get_password(KEYRING_SERVICE, KEYRING_USER)
            if key:
                return key, "keyring"
    path = config_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    key = document.get("api_key") if isinstance(document, dict) else None
    return (key, str(path)) if isinstance(key, str) and key else (None, None)
