"""The fake server's default answers: the canned ones, streamed when the request asks.

A chat completion or Responses request with `"stream": true` gets Server-Sent Events
built from the canned answer (word by word, so text arrives in pieces like tokens),
and a speech request with `"streaming": true` gets its audio in chunks, the way
Venice answers them. Every operation that takes a model refuses one the fake's
catalogue does not list, as Venice does (`_model_check.py`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from venice_ext.testing._canned import CANNED
from venice_ext.testing._canned_models import listing_answer, traits_answer
from venice_ext.testing._catalogue import ModelCatalogue
from venice_ext.testing._model_check import checking_model
from venice_ext.testing._replies import SSE, Action, RecordedRequest, Reply, Respond
from venice_ext.testing._schema_answer import instance_of

__all__ = ["chat_completion_events", "default_routes", "response_events"]


def _words(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text) or [""]


def _body(request: RecordedRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def chat_completion_events(completion: Mapping[str, Any], *, include_usage: bool = True) -> list[dict[str, Any]]:
    """The chunks a streamed version of `completion` arrives in."""
    base = {key: completion[key] for key in ("id", "created", "model") if key in completion}
    base["object"] = "chat.completion.chunk"
    events: list[dict[str, Any]] = []
    for index, choice in enumerate(completion.get("choices", [])):
        message = choice.get("message", {})
        first: dict[str, Any] = {"role": message.get("role", "assistant")}
        pieces = [("reasoning_content", w) for w in _words(message.get("reasoning_content") or "") if w]
        pieces += [("content", w) for w in _words(message.get("content") or "") if w]
        deltas = [first] + [{field: word} for field, word in pieces] + _tool_call_deltas(message)
        for position, delta in enumerate(deltas):
            last = position == len(deltas) - 1
            chunk = {
                **base,
                "choices": [
                    {
                        "index": choice.get("index", index),
                        "delta": delta,
                        "finish_reason": choice.get("finish_reason") if last else None,
                    }
                ],
            }
            if not events and "venice_parameters" in completion:
                chunk["venice_parameters"] = completion["venice_parameters"]
            events.append(chunk)
    if include_usage and "usage" in completion:
        events.append({**base, "choices": [], "usage": completion["usage"]})
    return events


def _tool_call_deltas(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each tool call as a head (id, name) then its arguments in a few fragments."""
    deltas: list[dict[str, Any]] = []
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function", {})
        head = {
            "index": index,
            "id": call.get("id"),
            "type": "function",
            "function": {"name": function.get("name"), "arguments": ""},
        }
        deltas.append({"tool_calls": [head]})
        arguments = function.get("arguments") or ""
        step = max(1, len(arguments) // 3)
        for start in range(0, len(arguments), step):
            fragment = {"index": index, "function": {"arguments": arguments[start : start + step]}}
            deltas.append({"tool_calls": [fragment]})
    return deltas


def response_events(response: Mapping[str, Any]) -> list[str]:
    """The Responses API events for a streamed `response`, as `event:`/`data:` frames."""
    in_progress = {**response, "status": "in_progress", "output": []}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": in_progress},
        {"type": "response.in_progress", "response": in_progress},
    ]
    for output_index, item in enumerate(response.get("output", [])):
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": output_index,
                "item": {**item, "status": "in_progress", "content": []},
            }
        )
        for content_index, part in enumerate(item.get("content", [])):
            ids = {"item_id": item.get("id"), "output_index": output_index, "content_index": content_index}
            events.append({"type": "response.content_part.added", **ids, "part": {**part, "text": ""}})
            for word in _words(part.get("text", "")):
                events.append({"type": "response.output_text.delta", **ids, "delta": word})
            events.append({"type": "response.output_text.done", **ids, "text": part.get("text", "")})
            events.append({"type": "response.content_part.done", **ids, "part": part})
        events.append({"type": "response.output_item.done", "output_index": output_index, "item": item})
    events.append({"type": "response.completed", "response": response})
    return [
        f"event: {event['type']}\ndata: {json.dumps({**event, 'sequence_number': n})}\n\n"
        for n, event in enumerate(events)
    ]


def _streamable(route: tuple[str, str], flag: str, stream: Callable[[Reply, Mapping[str, Any]], Action]) -> Respond:
    canned = CANNED[route]

    def answer(request: RecordedRequest) -> Action:
        body = _body(request)
        reply = _fitting_schema(canned, body) if route == ("POST", "/chat/completions") else canned
        if body.get(flag) is True:
            return stream(copy.deepcopy(reply), body)
        return reply

    return Respond(answer)


def _fitting_schema(canned: Reply, body: Mapping[str, Any]) -> Reply:
    """The canned completion, its content a JSON document that fits the request's `json_schema`, if any."""
    response_format = body.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return canned
    wrapper = response_format.get("json_schema")
    schema = wrapper.get("schema") if isinstance(wrapper, dict) else None
    if not isinstance(schema, dict):
        return canned
    completion = copy.deepcopy(canned.json)
    for choice in completion.get("choices", []):
        choice["message"]["content"] = json.dumps(instance_of(schema))
    return Reply(json=completion, headers=dict(canned.headers))


def _chat_stream(canned: Reply, body: Mapping[str, Any]) -> SSE:
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    return SSE(chat_completion_events(canned.json, include_usage=include_usage))


def _speech_stream(canned: Reply, body: Mapping[str, Any]) -> Reply:
    audio = canned.payload()
    size = max(1, len(audio) // 4)
    chunks = [audio[start : start + size] for start in range(0, len(audio), size)]
    return Reply(chunks=chunks, content_type=canned.media_type(), headers=canned.headers)


def _responses_stream(canned: Reply, body: Mapping[str, Any]) -> SSE:
    return SSE(response_events(canned.json), done=False)


def _character_by_slug() -> Respond:
    """The canned character for its own slug; Venice's 404 for any other, so `NotFoundError` can be tried."""
    canned = CANNED[("GET", "/characters/{slug}")]
    # The canned character, and the one Venice's spec gives as its example slug.
    known = {canned.json["data"]["slug"]: None, "alan-watts": "Alan Watts"}

    def answer(request: RecordedRequest) -> Action:
        slug = request.path.rsplit("/", 1)[-1]
        if slug not in known:
            return Reply(404, json={"error": "Character not found"})
        name = known[slug]
        if name is None:
            return canned
        reply = copy.deepcopy(canned.json)
        reply["data"].update(slug=slug, name=name)
        return Reply(json=reply)

    return Respond(answer)


def default_routes(catalogue: ModelCatalogue) -> dict[tuple[str, str], Action]:
    """Every operation's default answer for a fake whose models are `catalogue`'s.

    The listing and traits come from the catalogue, and every operation that takes a model
    refuses one it does not list (`_model_check.py`), before any other answer.
    """
    routes: dict[tuple[str, str], Action] = {
        **CANNED,
        ("POST", "/chat/completions"): _streamable(("POST", "/chat/completions"), "stream", _chat_stream),
        ("POST", "/responses"): _streamable(("POST", "/responses"), "stream", _responses_stream),
        ("POST", "/audio/speech"): _streamable(("POST", "/audio/speech"), "streaming", _speech_stream),
        ("GET", "/characters/{slug}"): _character_by_slug(),
        ("GET", "/models"): listing_answer(catalogue),
        ("GET", "/models/traits"): traits_answer(catalogue),
    }
    return {route: checking_model(catalogue, route, action) for route, action in routes.items()}
