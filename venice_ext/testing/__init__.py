"""A fake Venice server for tests: yours and ours.

    from venice_ext import Venice
    from venice_ext.testing import FakeVenice, Reply

    with FakeVenice() as fake:
        fake.script("POST", "/chat/completions", Reply(429, json={"error": "slow down"}), Reply(json={...}))
        client = Venice(api_key=fake.api_key, base_url=fake.base_url)
        ...
        assert len(fake.requests_to("POST", "/chat/completions")) == 2

Every operation of the spec has a realistic default answer; scripted answers and
faults (`Reset`, `DropAfter`, `Stall`) take precedence, in order, per route. The models
are Venice's real listing: a default answer refuses any other model as Venice does,
unless the test lists it (`fake.add_model("my-model", "text")`).
"""

from venice_ext.testing._defaults import chat_completion_events, response_events
from venice_ext.testing._ratelimit import RateLimit
from venice_ext.testing._replies import SSE, Action, DropAfter, RecordedRequest, Reply, Reset, Respond, Stall
from venice_ext.testing._server import FakeVenice
from venice_ext.testing._x402 import FakeX402

__all__ = [
    "SSE",
    "Action",
    "DropAfter",
    "FakeVenice",
    "FakeX402",
    "RateLimit",
    "RecordedRequest",
    "Reply",
    "Reset",
    "Respond",
    "Stall",
    "chat_completion_events",
    "response_events",
]
