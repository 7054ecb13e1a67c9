"""The SSE decoder: WHATWG cases, and any split of the bytes gives the same events."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from venice_ext._core._sse import ServerSentEvent, SSEDecoder


def decode(*reads: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for read in reads:
        events += decoder.feed(read)
    return events + decoder.flush()


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_line_endings(newline: bytes) -> None:
    stream = b"data: one" + newline + newline + b"data: two" + newline + newline
    assert [e.data for e in decode(stream)] == ["one", "two"]


def test_multi_line_data_joined_with_lf() -> None:
    assert decode(b"data: first\ndata: second\ndata:\n\n")[0].data == "first\nsecond\n"


def test_data_without_a_space_and_colons_in_values() -> None:
    [event] = decode(b'data:{"a": "b:c"}\n\n')
    assert event.data == '{"a": "b:c"}'


def test_only_one_leading_space_is_removed() -> None:
    assert decode(b"data:  two spaces\n\n")[0].data == " two spaces"


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
@given(spaces=st.integers(0, 4), value=st.text(alphabet="ab: ", max_size=6))
def test_every_field_loses_exactly_one_leading_space(newline: bytes, spaces: int, value: str) -> None:
    # `data: ` has a fast path of its own; event, id and retry go through the general one.
    padded = (" " * spaces + value).encode()
    kept = padded.removeprefix(b" ")
    lines = [b"event:" + padded, b"id:" + padded, b"retry:" + b" " * spaces + b"7", b"data:" + padded]
    [event] = decode(newline.join(lines) + newline * 2)
    assert event.data == event.id == kept.decode()
    assert event.event == (kept.decode() or "message")
    assert event.retry == (7 if spaces <= 1 else None), "a retry value with a space left in it is not digits"


def test_comments_and_keep_alives_are_ignored() -> None:
    events = decode(b": keep-alive\n\n:ping\ndata: x\n: inside\n\n")
    assert [e.data for e in events] == ["x"]


def test_event_id_and_retry_fields() -> None:
    events = decode(b"event: response.output_text.delta\nid: 7\nretry: 3000\ndata: {}\n\ndata: next\n\n")
    assert (events[0].event, events[0].id, events[0].retry) == ("response.output_text.delta", "7", 3000)
    assert (events[1].event, events[1].id) == ("message", "7"), "the last id carries over, the type does not"


def test_id_with_nul_and_non_numeric_retry_are_ignored() -> None:
    [event] = decode(b"id: good\nid: bad\x00id\nretry: soon\ndata: x\n\n")
    assert event.id == "good" and event.retry is None


def test_unknown_fields_and_a_field_without_colon() -> None:
    assert [e.data for e in decode(b"foo: bar\ndata\n\n")] == [""]


def test_blank_lines_without_data_dispatch_nothing() -> None:
    assert decode(b"\n\nevent: lonely\n\n\n") == []


def test_an_unterminated_event_at_the_end_is_dropped() -> None:
    assert [e.data for e in decode(b"data: complete\n\ndata: cut off")] == ["complete"]


def test_bom_is_dropped_even_when_split() -> None:
    assert decode(b"\xef", b"\xbb", b"\xbfdata: x\n\n")[0].data == "x"


def test_utf8_split_across_reads() -> None:
    payload = "data: héllo wörld 🌍\n\n".encode()
    for cut in range(1, len(payload)):
        assert decode(payload[:cut], payload[cut:])[0].data == "héllo wörld 🌍"


def test_cr_at_the_end_of_a_read_then_lf() -> None:
    assert [e.data for e in decode(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n")] == ["a", "b"]


def test_done_marker_is_an_ordinary_event() -> None:
    assert decode(b"data: [DONE]\n\n")[0].data == "[DONE]"


# Values start with spaces often, so the oracle below sees how many each field loses.
padding = st.sampled_from(["", " ", "  "])
plain_text = st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=12)
line_text = st.tuples(padding, plain_text).map("".join)
field_lines = st.one_of(
    st.builds(lambda t: f"data: {t}", line_text),
    st.builds(lambda t: f"data:{t}", line_text),
    st.builds(lambda t: f": {t}", line_text),
    st.builds(lambda t: f"event: {t}", line_text),
    st.builds(lambda t: f"id: {t}", line_text),
    st.builds(lambda pad, n: f"retry:{pad}{n}", padding, st.integers(0, 10_000)),
    st.just(""),
)
streams = st.tuples(
    st.lists(field_lines, max_size=25),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
).map(lambda t: (("\ufeff" if t[2] else "") + t[1].join(t[0]) + t[1] * 2).encode())


@given(stream=streams, cuts=st.lists(st.integers(0, 400), max_size=12))
@settings(max_examples=400)
def test_any_split_into_reads_gives_the_same_events(stream: bytes, cuts: list[int]) -> None:
    points = sorted({min(cut, len(stream)) for cut in cuts})
    reads = [stream[start:end] for start, end in zip([0, *points], [*points, len(stream)], strict=True)]
    assert decode(*reads) == decode(stream)


@given(stream=streams)
def test_byte_at_a_time_gives_the_same_events(stream: bytes) -> None:
    assert decode(*(stream[i : i + 1] for i in range(len(stream)))) == decode(stream)


def reference_decode(stream: bytes) -> list[ServerSentEvent]:
    """The WHATWG algorithm written as plainly as possible, as an oracle."""
    import re

    text = stream.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = re.split(r"\r\n|\r|\n", text)[:-1]  # whatever follows the last line end is incomplete
    events, data, kind, last_id, retry = [], [], "", "", None
    for line in lines:
        if line == "":
            if data:
                events.append(ServerSentEvent("\n".join(data), kind or "message", last_id, retry))
            data, kind = [], ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        value = value[1:] if colon and value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name == "event":
            kind = value
        elif name == "id" and "\x00" not in value:
            last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            retry = int(value)
    return events


@given(stream=streams)
@settings(max_examples=300)
def test_agrees_with_a_plain_reference_implementation(stream: bytes) -> None:
    assert decode(stream) == reference_decode(stream)


def decode_general(*reads: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder(fast_path=False)
    return [event for read in reads for event in decoder.feed(read)] + decoder.flush()


# Streams the fast path sees most: plain `data:` blocks ending in LF LF, mixed with
# everything it must hand over (comments, fields, multi-line data, stray blank lines,
# CR, split UTF-8, BOM, [DONE]).
fast_blocks = st.one_of(
    st.builds(lambda t: f"data: {t}\n\n", line_text),
    st.just("data: [DONE]\n\n"),
    st.just('data: {"choices": [{"delta": {"content": "é🌍"}}]}\n\n'),
    st.builds(lambda a, b: f"data: {a}\ndata: {b}\n\n", line_text, line_text),
    st.builds(lambda line: line + "\n", field_lines),
    st.sampled_from(["\n", "\r\n", "\r", ": keep-alive\n\n", "event: error\n", "id: 9\n", "retry: 50\n"]),
)
fast_streams = st.tuples(st.lists(fast_blocks, max_size=20), st.booleans()).map(
    lambda t: (("\ufeff" if t[1] else "") + "".join(t[0])).encode()
)


@given(stream=st.one_of(fast_streams, streams), cuts=st.lists(st.integers(0, 400), max_size=12))
@settings(max_examples=500)
def test_the_fast_path_agrees_with_the_general_decoder_on_any_split(stream: bytes, cuts: list[int]) -> None:
    points = sorted({min(cut, len(stream)) for cut in cuts})
    reads = [stream[start:end] for start, end in zip([0, *points], [*points, len(stream)], strict=True)]
    assert decode(*reads) == decode_general(*reads) == decode_general(stream)


@given(stream=st.binary(max_size=200), cuts=st.lists(st.integers(0, 200), max_size=8))
def test_the_fast_path_agrees_with_the_general_decoder_on_any_bytes(stream: bytes, cuts: list[int]) -> None:
    points = sorted({min(cut, len(stream)) for cut in cuts})
    reads = [stream[start:end] for start, end in zip([0, *points], [*points, len(stream)], strict=True)]
    assert decode(*reads) == decode_general(*reads)


def decode_payloads(*reads: bytes) -> list[tuple[str, str]]:
    """feed_payloads, with plain events' bytes read back as events are: (event, data)."""
    decoder = SSEDecoder()
    out = []
    for read in reads:
        for item in decoder.feed_payloads(read):
            if isinstance(item, bytes):
                out.append(("message", item.decode("utf-8", "replace")))
            else:
                out.append((item.event, item.data))
    return out


@given(stream=st.one_of(fast_streams, streams), cuts=st.lists(st.integers(0, 400), max_size=12))
@settings(max_examples=500)
def test_plain_payloads_agree_with_the_general_decoder_on_any_split(stream: bytes, cuts: list[int]) -> None:
    points = sorted({min(cut, len(stream)) for cut in cuts})
    reads = [stream[start:end] for start, end in zip([0, *points], [*points, len(stream)], strict=True)]
    general = [(event.event, event.data) for event in decode_general(*reads)]
    assert decode_payloads(*reads) == general


@given(stream=st.binary(max_size=200), cuts=st.lists(st.integers(0, 200), max_size=8))
def test_plain_payloads_agree_with_the_general_decoder_on_any_bytes(stream: bytes, cuts: list[int]) -> None:
    points = sorted({min(cut, len(stream)) for cut in cuts})
    reads = [stream[start:end] for start, end in zip([0, *points], [*points, len(stream)], strict=True)]
    general = [(event.event, event.data) for event in decode_general(*reads)]
    assert decode_payloads(*reads) == general


def test_plain_events_come_out_as_bytes_and_the_rest_as_events() -> None:
    decoder = SSEDecoder()
    assert decoder.feed_payloads(b"data: a\n\ndata: b\n\ndata: c") == [b"a", b"b"]
    assert decoder.feed_payloads(b"\n\n") == [b"c"]
    assert decoder.feed_payloads(b"event: error\ndata: d\n\n") == [ServerSentEvent("d", "error")]


def test_the_fast_path_keeps_the_last_id_and_retry() -> None:
    events = decode(b"id: 4\nretry: 10\ndata: a\n\ndata: b\n\ndata: c\n\n")
    assert [(e.data, e.id, e.retry) for e in events] == [("a", "4", 10), ("b", "4", 10), ("c", "4", 10)]
