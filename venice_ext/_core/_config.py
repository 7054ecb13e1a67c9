"""Resolving and checking a client's settings: key, base URL, timeouts, headers."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping

import httpx

from venice_ext.errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "ConfigurationError",
    "header_problem",
    "resolve_config",
]

DEFAULT_BASE_URL = "https://api.venice.ai/api/v1"
# No total deadline: `read` bounds the silence between bytes, so a long but healthy
# answer (a slow non-streamed completion) is never cut. Venice holds non-streamed
# completions until done, hence the generous read timeout.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=60.0, pool=60.0)
VERSION = "0.1.0"


class ClientConfig:
    """A client's resolved settings (a plain class: a frozen dataclass's generated methods
    cost about a millisecond of import time, and none is used)."""

    __slots__ = ("api_key", "base_url", "headers", "timeout")

    def __init__(self, api_key: str, base_url: httpx.URL, timeout: httpx.Timeout, headers: dict[str, str]) -> None:
        self.api_key = api_key
        self.base_url = base_url
        self.timeout = timeout
        self.headers = headers

    def __repr__(self) -> str:
        return f"ClientConfig(base_url={str(self.base_url)!r}, api_key=<redacted>)"


def _python_version() -> str:
    # What platform.python_version() says ("3.12.1", "3.13.0rc1"), without importing platform.
    return sys.version.split()[0]


def user_agent() -> str:
    return f"venice-client/{VERSION} python/{_python_version()} httpx/{httpx.__version__}"


def _header_safe(ch: str) -> bool:
    return " " <= ch <= "~"


_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def header_problem(name: str, value: str) -> str | None:
    """Why a header cannot be sent (naming it, never quoting its value), or None.

    Checked before sending, so a bad header is the caller's typed error and never a
    "connection failed" that the failure budget would count.
    """
    if not isinstance(name, str) or not name or not set(name) <= _TOKEN_CHARS:
        return f"header name {name!r} is not a valid HTTP token"
    if not isinstance(value, str):
        return f"header {name}: the value must be a string, got {type(value).__name__}"
    if value.isascii() and value.isprintable():  # the common case, in C: every character in " ".."~"
        return None
    bad = next((index for index, ch in enumerate(value) if not (_header_safe(ch) or ch == "\t")), None)
    if bad is not None:
        return (
            f"header {name}: the value has a character that cannot be sent at position {bad} "
            f"(U+{ord(value[bad]):04X}); HTTP header values are printable ASCII"
        )
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_config(
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: float | httpx.Timeout | None,
    default_headers: Mapping[str, str] | None,
    allow_insecure_http: bool,
    wallet: bool = False,
) -> ClientConfig:
    key = api_key if api_key is not None else os.environ.get("VENICE_API_KEY")
    if wallet:  # a wallet signs every request instead: no key, no Authorization header
        if api_key is not None:
            raise ConfigurationError("pass api_key or wallet, not both")
        key = ""
    elif not key or not key.strip():
        raise ConfigurationError("no Venice API key: pass api_key=... or set the VENICE_API_KEY environment variable")
    if any(ch in key for ch in "\r\n"):
        raise ConfigurationError("the API key contains a line break; check how it was read")
    bad = next((index for index, ch in enumerate(key.strip()) if not _header_safe(ch)), None)
    if bad is not None:
        # Never the key itself, nor the character's neighbours: position and code point only.
        raise ConfigurationError(
            f"the API key has a character that cannot travel in a header at position {bad} "
            f"(U+{ord(key.strip()[bad]):04X}); a zero-width space or a smart quote pasted with it?"
        )
    try:
        url = httpx.URL(str(base_url or os.environ.get("VENICE_BASE_URL") or DEFAULT_BASE_URL))
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"base URL is not a valid URL: {exc}") from None
    if url.userinfo:
        # httpx would send it as Basic auth in place of the Bearer key, and log and print it.
        raise ConfigurationError(
            f"base URL must not carry a user name or password (got them for host {url.host!r}); "
            "the API key is the only credential the client sends"
        )
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base URL must be an absolute http(s) URL, got {str(url)!r}")
    if url.scheme == "http" and not _is_loopback(url.host) and not allow_insecure_http:
        raise ConfigurationError(
            f"refusing plain http:// to {url.host}: the API key would travel unencrypted; "
            "use https://, or pass allow_insecure_http=True if you really mean it"
        )
    if not url.raw_path.endswith(b"/"):
        url = url.copy_with(raw_path=url.raw_path + b"/")
    if timeout is None:
        resolved_timeout = DEFAULT_TIMEOUT
    elif isinstance(timeout, httpx.Timeout):
        resolved_timeout = timeout
    else:
        resolved_timeout = httpx.Timeout(timeout)
    headers = {"User-Agent": user_agent()}
    for name, value in (default_headers or {}).items():
        problem = header_problem(name, value)
        if problem:
            raise ConfigurationError(f"default_headers: {problem}")
        headers[name] = value
    if key:
        headers["Authorization"] = f"Bearer {key.strip()}"
    return ClientConfig(key.strip(), url, resolved_timeout, headers)
