"""What an E2EE request may carry, decided before anything is sent. Pure.

Only `user` and `system` contents are encrypted by the protocol, and the enclave
can't call tools or search the web without the prompt leaving it. So tools, web
search and scraping, the Venice system prompt, multimodal parts, log probabilities
(tokens in clear), and roles the protocol leaves in plaintext are refused, each with
an E2EEUnsupportedRequestError naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from venice_ext.e2ee._options import E2EEOptions
from venice_ext.errors import E2EEUnsupportedRequestError

__all__ = ["ENCRYPTED_ROLES", "check_capability", "e2ee_venice_parameters", "refuse_what_e2ee_cannot_carry"]

ENCRYPTED_ROLES = frozenset({"user", "system"})
_TOOL_FIELDS = ("tools", "tool_choice", "functions", "function_call", "parallel_tool_calls")
_CLEAR_TEXT_FIELDS = ("logprobs", "top_logprobs", "prompt_logprobs")
_BODY_FIELDS_E2EE_OWNS = ("messages", "stream", "venice_parameters", *_TOOL_FIELDS, *_CLEAR_TEXT_FIELDS)
_SEARCH_SUFFIX = re.compile(r"enable_(web_search|web_scraping|x_search)=(?!off\b|false\b)", re.IGNORECASE)


def _refuse(model: str, check: str, message: str) -> E2EEUnsupportedRequestError:
    return E2EEUnsupportedRequestError(f"E2EE with {model}: {message}; nothing was sent", check=check, model=model)


def refuse_what_e2ee_cannot_carry(
    model: str,
    messages: Iterable[Mapping[str, Any]],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    options: E2EEOptions,
) -> list[dict[str, Any]]:
    """The messages, as plain dicts, if E2EE can carry this request; else the typed refusal."""
    for name in _TOOL_FIELDS:
        if params.get(name):
            raise _refuse(model, "tools", f"function calling ({name}) is not supported")
    for name in _CLEAR_TEXT_FIELDS:
        if params.get(name):
            raise _refuse(model, "logprobs", f"{name} would return tokens in clear")
    owned = sorted(set(extra_body or ()) & set(_BODY_FIELDS_E2EE_OWNS))
    if owned:
        raise _refuse(model, "extra_body", f"extra_body may not set {', '.join(owned)}")
    if _SEARCH_SUFFIX.search(model.partition(":")[2]):
        raise _refuse(model, "web_search", "a model suffix turns on web search, which would send the prompt out")
    e2ee_venice_parameters(model, params)
    checked = [dict(message) for message in messages]
    if not checked:
        raise _refuse(model, "messages", "there are no messages")
    for index, message in enumerate(checked):
        _check_message(model, index, message, options)
    return checked


def _check_message(model: str, index: int, message: Mapping[str, Any], options: E2EEOptions) -> None:
    role = message.get("role")
    content = message.get("content")
    where = f"messages[{index}] ({role})"
    if role in ENCRYPTED_ROLES:
        if not isinstance(content, str):
            raise _refuse(
                model, "multimodal", f"{where} has {type(content).__name__} content; only text can be encrypted"
            )
        return
    if role == "assistant" and options.plaintext_assistant_turns:
        if message.get("tool_calls"):
            raise _refuse(model, "tools", f"{where} carries tool calls")
        if content is not None and not isinstance(content, str):
            raise _refuse(model, "multimodal", f"{where} has {type(content).__name__} content")
        return
    if role == "assistant":
        raise _refuse(
            model,
            "plaintext_role",
            f"{where}: the protocol sends assistant turns unencrypted; pass "
            "E2EEOptions(plaintext_assistant_turns=True) to allow it",
        )
    raise _refuse(model, "plaintext_role", f"{where}: only user and system messages are encrypted")


def e2ee_venice_parameters(model: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """`venice_parameters` for an E2EE request: E2EE on, web search and the Venice system prompt off."""
    given = params.get("venice_parameters") or {}
    if not isinstance(given, Mapping):
        raise _refuse(model, "venice_parameters", "venice_parameters must be an object")
    search = given.get("enable_web_search")
    if search not in (None, "off"):
        raise _refuse(model, "web_search", f"enable_web_search={search!r} would send the prompt to a search engine")
    for name in ("enable_web_scraping", "enable_x_search"):
        if given.get(name):
            raise _refuse(model, "web_search", f"{name} would send the prompt out of the enclave")
    if given.get("include_venice_system_prompt"):
        raise _refuse(model, "system_prompt", "the Venice system prompt would be added in clear")
    return {**given, "enable_e2ee": True, "enable_web_search": "off", "include_venice_system_prompt": False}


def check_capability(model: str, listing: Mapping[str, Any]) -> None:
    """Refuse a model `/models` does not list with `capabilities.supportsE2EE: true`."""
    wanted = model.partition(":")[0]
    for entry in listing.get("data") or ():
        if isinstance(entry, Mapping) and entry.get("id") == wanted:
            spec = entry.get("model_spec")
            capabilities = spec.get("capabilities") if isinstance(spec, Mapping) else None
            if isinstance(capabilities, Mapping) and capabilities.get("supportsE2EE") is True:
                return
            raise _refuse(model, "model", "/models does not list E2EE among its capabilities (supportsE2EE)")
    raise _refuse(model, "model", "/models does not list this model")
