"""Every resource method that sends a request takes the same per-call options.

Walked from the clients themselves, so a method added later without them fails here.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import pytest

from tests.ext.conftest import API_KEY
from venice_api.api.billing import get_billing_balance
from venice_ext import AsyncVenice, RequestValidationError, Venice, aiohttp_transport
from venice_ext.testing import FakeVenice

PER_CALL_OPTIONS = (
    "timeout",
    "max_retries",
    "retry_ambiguous",
    "extra_headers",
    "extra_query",
    "extra_body",
    "deadline",
    "strict_parsing",
)

# Methods that send nothing, or whose answer is not parsed (bytes): named so the list is reviewed.
LOCAL_ONLY = {"close", "aclose", "to_file", "with_options"}
# Not a request of its own: each request of a batch, and each job a resume binds, carries its own.
NOT_ONE_REQUEST = {"batch", "video.resume", "audio.resume"}
# Cached views: the listing requests they make on a miss are models.list and models.traits.
CACHED_VIEWS = {"models.resolve", "models.priced_listing"}
# Options that cannot apply, by method (each reason is in the method's docstring):
# bytes or CSV are never parsed, tee answers are always checked strictly, a GET has no body.
CANNOT_APPLY: dict[str, set[str]] = {
    "audio.speech.create": {"strict_parsing"},
    "audio.speech.stream": {"strict_parsing"},
    "billing.export_usage_history": {"strict_parsing", "extra_body"},
    "tee.attestation": {"strict_parsing", "extra_body"},
    "tee.verify": {"strict_parsing", "extra_body"},
    "tee.signature": {"strict_parsing", "extra_body"},
    "tee.verify_signature": {"strict_parsing", "extra_body"},
    "x402.balance": {"extra_body"},
    "x402.transactions": {"extra_body"},
}
# Attributes that are not resources.
NOT_RESOURCES = {
    "with_raw_response",
    "requester",
    "http_client",
    "raw",
    "spend",
    "wallet",
    "retry_policy",
    "failure_budget",
}


RESOURCE_MODULES = ("venice_ext.resources", "venice_ext.jobs", "venice_api.resources")


def resource_methods(root: Any) -> Iterator[tuple[str, Any]]:
    seen: set[int] = set()

    def walk(obj: Any, path: str, depth: int) -> Iterator[tuple[str, Any]]:
        for name in dir(obj):
            if name.startswith("_") or name in NOT_RESOURCES:
                continue
            attribute = getattr(obj, name)
            dotted = f"{path}.{name}".lstrip(".")
            if inspect.ismethod(attribute):
                yield dotted, attribute
            elif depth < 4 and id(attribute) not in seen and type(attribute).__module__.startswith(RESOURCE_MODULES):
                seen.add(id(attribute))  # resources live as long as the client: their ids stay theirs
                yield from walk(attribute, dotted, depth + 1)

    yield from walk(root, "", 0)


@pytest.mark.parametrize("client_class", [Venice, AsyncVenice])
def test_every_sending_method_takes_every_per_call_option(client_class: type[Any]) -> None:
    client = client_class(api_key="k", base_url="http://127.0.0.1:9")
    checked, missing = 0, {}
    for dotted, method in resource_methods(client):
        if dotted.rsplit(".", 1)[-1] in LOCAL_ONLY or dotted in NOT_ONE_REQUEST | CACHED_VIEWS:
            continue
        wanted = [o for o in PER_CALL_OPTIONS if o not in CANNOT_APPLY.get(dotted, set())]
        lacking = [o for o in wanted if o not in inspect.signature(method).parameters]
        if lacking:
            missing[dotted] = lacking
        checked += 1
    assert checked >= 49, "the walk no longer reaches the resources"
    assert missing == {}


@pytest.mark.parametrize("twin", ["sync", "async", "async-aiohttp"])
def test_extra_body_on_a_call_without_a_body_is_refused_before_sending(fake: FakeVenice, twin: str) -> None:
    if twin == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url) as client:
            with pytest.raises(RequestValidationError, match="extra_body"):
                client.models.list(extra_body={"type": "image"})
            with pytest.raises(RequestValidationError, match="extra_body"):
                client.call(get_billing_balance, extra_body={"x": 1})
    else:

        async def main() -> None:
            transport = aiohttp_transport() if twin == "async-aiohttp" else None
            async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, transport=transport) as client:
                with pytest.raises(RequestValidationError, match="extra_body"):
                    await client.models.list(extra_body={"type": "image"})
                with pytest.raises(RequestValidationError, match="extra_body"):
                    await client.call(get_billing_balance, extra_body={"x": 1})

        asyncio.run(main())
    assert fake.requests == []
