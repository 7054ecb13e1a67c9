"""`Range: bytes=N-` for answers that honour it: a 206 with the rest of the body, or a 416 past its end.

Only the open-ended form a resuming download sends; any other form gets the whole body,
as RFC 9110 allows a server to do.
"""

from __future__ import annotations

import dataclasses
import re

from venice_ext.testing._replies import SSE, DropAfter, Reply, Reset, Stall

__all__ = ["ranged"]


def ranged(
    action: Reply | SSE | Reset | DropAfter | Stall, range_header: str | None
) -> Reply | SSE | Reset | DropAfter | Stall:
    """`action`, answering `Range: bytes=N-` with the part from byte N if it honours ranges."""
    if isinstance(action, (DropAfter, Stall)) and isinstance(action.reply, Reply):
        return dataclasses.replace(action, reply=_ranged_reply(action.reply, range_header))
    return _ranged_reply(action, range_header) if isinstance(action, Reply) else action


def _ranged_reply(action: Reply, range_header: str | None) -> Reply:
    if not action.honour_range or not range_header:
        return action
    match = re.fullmatch(r"\s*bytes=(\d+)-\s*", range_header)
    if match is None:
        return action  # a multi-part or suffix range: the whole body, as RFC 9110 allows
    start = int(match.group(1))
    generated = action.body_from
    size = action.body_size if generated is not None and action.body_size is not None else len(action.payload())
    if start >= size:
        return Reply(416, headers={"content-range": f"bytes */{size}"})
    headers = {**action.headers, "content-range": f"bytes {start}-{size - 1}/{size}"}
    content_type = action.media_type()
    if generated is not None:
        return dataclasses.replace(
            action,
            status=206,
            headers=headers,
            content_type=content_type,
            body_from=lambda offset: generated(start + offset),
            body_size=size - start,
        )
    rest = action.payload()[start:]
    return dataclasses.replace(
        action, status=206, headers=headers, content_type=content_type, json=None, body=rest, chunks=None
    )
