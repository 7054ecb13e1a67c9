"""The tool-calling loop against the fake server, with scripted conversations."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest

from tests.ext.conftest import API_KEY
from venice_ext import AsyncVenice, Venice
from venice_ext.testing import SSE, FakeVenice, Reply, chat_completion_events
from venice_ext.tools._calls import MaxIterationsError
from venice_ext.tools._loop import LoopFinished, TextDelta, ToolCallFinished, ToolCallStarted
from venice_ext.tools._tool import tool

MESSAGES = [{"role": "user", "content": "What's the weather in Paris and the time in Tokyo?"}]


def completion(content: str | None = None, calls: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
    tool_calls = [{"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls or []]
    return {
        "id": "chatcmpl-t",
        "object": "chat.completion",
        "created": 1760000000,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls" if calls else "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content, "tool_calls": tool_calls},
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def asks(*calls: tuple[str, str, str]) -> Reply:
    return Reply(json=completion(None, list(calls)))


def answers(text: str) -> Reply:
    return Reply(json=completion(text))


seen: list[tuple[str, Any]] = []


def get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
    """Current weather.

    Args:
        city: City name.
    """
    seen.append(("weather", city))
    return {"city": city, "temperature": 21, "unit": unit}


def get_time(zone: str) -> str:
    """Current time in a time zone."""
    seen.append(("time", zone))
    return "09:00"


@pytest.fixture(autouse=True)
def forget() -> None:
    seen.clear()


def sent_messages(fake: FakeVenice, index: int) -> list[dict[str, Any]]:
    return fake.requests_to("POST", "/chat/completions")[index].json()["messages"]


def test_one_call(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", asks(("c1", "get_weather", '{"city": "Paris"}')), answers("21 C."))
    records: list[Any] = []
    result = client.chat.run_tools(model="m", messages=MESSAGES, tools=[get_weather], on_tool_call=records.append)
    assert result.final.choices[0].message.content == "21 C." and result.iterations == 2
    assert [r.name for r in result.tool_calls] == ["get_weather"] == [r.name for r in records]
    assert result.tool_calls[0].result == {"city": "Paris", "temperature": 21, "unit": "celsius"}
    first = fake.requests_to("POST", "/chat/completions")[0].json()
    assert first["tools"][0]["function"]["name"] == "get_weather"
    second = sent_messages(fake, 1)
    assert second[-1] == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": '{"city": "Paris", "temperature": 21, "unit": "celsius"}',
    }
    assert second[-2]["tool_calls"][0]["id"] == "c1"
    assert len(MESSAGES) == 1, "the caller's list is never mutated"
    assert result.messages == [*second, {"role": "assistant", "content": "21 C."}]


def test_two_parallel_calls_in_one_turn(fake: FakeVenice, client: Venice) -> None:
    barrier = threading.Barrier(2, timeout=5)

    def slow_weather(city: str) -> str:
        barrier.wait()  # both calls must be running at once, or this times out
        return f"sunny in {city}"

    def slow_time(zone: str) -> str:
        barrier.wait()
        return "09:00"

    fake.script(
        "POST",
        "/chat/completions",
        asks(("a", "slow_weather", '{"city": "Paris"}'), ("b", "slow_time", '{"zone": "Asia/Tokyo"}')),
        answers("Sunny, 9 am."),
    )
    result = client.chat.run_tools(model="m", messages=MESSAGES, tools=[slow_weather, slow_time], parallel=True)
    assert [r.output for r in result.tool_calls] == ["sunny in Paris", "09:00"]
    assert [m["tool_call_id"] for m in sent_messages(fake, 1) if m["role"] == "tool"] == ["a", "b"]


def test_a_chain_of_three_turns(fake: FakeVenice, client: Venice) -> None:
    fake.script(
        "POST",
        "/chat/completions",
        asks(("1", "get_weather", '{"city": "Paris"}')),
        asks(("2", "get_time", '{"zone": "Europe/Paris"}')),
        asks(("3", "get_weather", '{"city": "Lyon", "unit": "fahrenheit"}')),
        answers("Done."),
    )
    result = client.chat.run_tools(model="m", messages=MESSAGES, tools=[get_weather, get_time])
    assert result.iterations == 4
    assert seen == [("weather", "Paris"), ("time", "Europe/Paris"), ("weather", "Lyon")]


def test_bad_json_and_a_schema_violation_are_reported_and_corrected(fake: FakeVenice, client: Venice) -> None:
    fake.script(
        "POST",
        "/chat/completions",
        asks(("x", "get_weather", '{"city": ')),
        asks(("y", "get_weather", '{"city": 75}')),
        asks(("z", "get_weather", '{"city": "Paris"}')),
        answers("ok"),
    )
    result = client.chat.run_tools(model="m", messages=MESSAGES, tools=[get_weather])
    outputs = [r.output for r in result.tool_calls]
    assert "not valid JSON" in outputs[0] and "city: expected string, got integer" in outputs[1]
    assert result.tool_calls[2].error is None and seen == [("weather", "Paris")]


def test_a_tool_that_raises_and_an_unknown_tool(fake: FakeVenice, client: Venice) -> None:
    def broken(city: str) -> str:
        raise RuntimeError("station offline")

    fake.script(
        "POST",
        "/chat/completions",
        asks(("1", "broken", '{"city": "Paris"}'), ("2", "teleport", "{}")),
        answers("Sorry."),
    )
    result = client.chat.run_tools(model="m", messages=MESSAGES, tools=[broken])
    assert result.tool_calls[0].output == "Error: broken raised RuntimeError: station offline"
    assert result.tool_calls[1].output.startswith("Error: there is no tool named 'teleport'")


def test_raise_tool_errors_propagates(fake: FakeVenice, client: Venice) -> None:
    def broken(city: str) -> str:
        raise RuntimeError("station offline")

    fake.script("POST", "/chat/completions", asks(("1", "broken", '{"city": "Paris"}')))
    with pytest.raises(RuntimeError, match="station offline"):
        client.chat.run_tools(model="m", messages=MESSAGES, tools=[broken], raise_tool_errors=True)


def test_max_iterations(fake: FakeVenice, client: Venice) -> None:
    fake.set_default("POST", "/chat/completions", asks(("again", "get_time", '{"zone": "UTC"}')))
    with pytest.raises(MaxIterationsError) as caught:
        client.chat.run_tools(model="m", messages=MESSAGES, tools=[get_time], max_iterations=3)
    assert caught.value.iterations == 3 and len(fake.requests_to("POST", "/chat/completions")) == 3
    assert caught.value.messages[-1]["tool_calls"][0]["id"] == "again"
    assert seen == [("time", "UTC")], "a repeated call id runs once; its answer is reused"


def test_tool_timeout(fake: FakeVenice, client: Venice) -> None:
    def slow(city: str) -> str:
        time.sleep(1)
        return "late"

    fake.script("POST", "/chat/completions", asks(("1", "slow", '{"city": "Paris"}')), answers("ok"))
    result = client.chat.run_tools(model="m", messages=MESSAGES, tools=[slow], tool_timeout=0.1)
    assert result.tool_calls[0].output == "Error: slow did not finish within 0.1 s"


def test_explicit_tools_and_async_functions_in_the_sync_loop(fake: FakeVenice, client: Venice) -> None:
    async def lookup(code: str) -> dict[str, str]:
        await asyncio.sleep(0)
        return {"code": code}

    definition = {
        "name": "add",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    }
    fake.script(
        "POST",
        "/chat/completions",
        asks(("1", "add", '{"a": 2, "b": 3}'), ("2", "find", '{"code": "x"}')),
        answers("5"),
    )
    result = client.chat.run_tools(
        model="m", messages=MESSAGES, tools=[(definition, lambda a, b: a + b), tool(lookup, name="find")]
    )
    assert [r.output for r in result.tool_calls] == ["5", '{"code": "x"}']


def test_streaming_variant(fake: FakeVenice, client: Venice) -> None:
    first = completion(None, [("c1", "get_weather", '{"city": "Paris"}')])
    fake.script(
        "POST",
        "/chat/completions",
        SSE(chat_completion_events(first)),
        SSE(chat_completion_events(completion("It is 21 C in Paris."))),
    )
    events = list(client.chat.run_tools_stream(model="m", messages=MESSAGES, tools=[get_weather]))
    kinds = [type(e).__name__ for e in events]
    assert kinds[:2] == ["ToolCallStarted", "ToolCallFinished"] and kinds[-1] == "LoopFinished"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "It is 21 C in Paris."
    assert isinstance(events[0], ToolCallStarted) and events[0].arguments == '{"city": "Paris"}'
    assert isinstance(events[1], ToolCallFinished) and json.loads(events[1].record.output)["temperature"] == 21
    assert isinstance(events[-1], LoopFinished) and events[-1].result.iterations == 2


def test_async_loop_runs_sync_tools_off_the_event_loop(fake: FakeVenice) -> None:
    loop_threads: list[bool] = []

    def blocking(city: str) -> str:
        loop_threads.append(threading.current_thread() is threading.main_thread())
        return city

    async def gentle(zone: str) -> str:
        await asyncio.sleep(0)
        return zone

    fake.script(
        "POST",
        "/chat/completions",
        asks(("1", "blocking", '{"city": "Paris"}'), ("2", "gentle", '{"zone": "UTC"}')),
        answers("done"),
    )

    async def main() -> Any:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
            return await client.chat.run_tools(model="m", messages=MESSAGES, tools=[blocking, gentle], parallel=True)

    result = asyncio.run(main())
    assert [r.output for r in result.tool_calls] == ["Paris", "UTC"] and loop_threads == [False]


def test_async_streaming_variant(fake: FakeVenice) -> None:
    fake.script(
        "POST",
        "/chat/completions",
        SSE(chat_completion_events(completion(None, [("c1", "get_time", '{"zone": "UTC"}')]))),
        SSE(chat_completion_events(completion("9 am"))),
    )

    async def main() -> list[Any]:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
            return [e async for e in client.chat.run_tools_stream(model="m", messages=MESSAGES, tools=[get_time])]

    events = asyncio.run(main())
    assert [type(e).__name__ for e in events][-1] == "LoopFinished" and seen == [("time", "UTC")]
