"""Breaking or not, for a user of this client: one verdict per (change kind, side).

The walker only states facts ("this request field was removed"); whether that can break
someone's code is decided here, from the table below, so the policy lives in one place
and the package docstring can show it whole (a test keeps the two in step).

Why the sides differ: a client *sends* requests, so anything that stops accepting what it
used to accept breaks it (a removed field, value or member, a new requirement). It
*receives* responses, so anything that may now be missing, null or of another type breaks
it, while a response that only promises more is harmless. New response values are
"notable": this client tolerates enum values it does not know (its literal enums let them
through) and keeps unknown fields, but code written against the old list may not expect
them.
"""

from __future__ import annotations

from typing import NamedTuple

from venice_spec.diff._change import Side, Verdict

__all__ = ["RULES", "Rule", "judge"]


class Rule(NamedTuple):
    verdict: Verdict
    reason: str


_OP: Side = "operation"
_REQ: Side = "request"
_RES: Side = "response"

RULES: dict[tuple[str, Side], Rule] = {
    # -- the operation as a whole ------------------------------------------------------
    ("operation-added", _OP): Rule("compatible", "a new operation; existing code does not use it"),
    ("operation-removed", _OP): Rule("breaking", "its generated module disappears and calls to it fail"),
    ("deprecated", _OP): Rule("notable", "still works, but Venice plans to remove it"),
    # -- what the client sends ---------------------------------------------------------
    ("parameter-added", _REQ): Rule("compatible", "optional: existing calls need not pass it"),
    ("required-parameter-added", _REQ): Rule("breaking", "existing calls do not pass it"),
    ("parameter-removed", _REQ): Rule("breaking", "calls that pass it no longer match the generated signature"),
    ("parameter-renamed", _REQ): Rule("breaking", "calls that pass the old name no longer match"),
    ("request-body-added", _REQ): Rule("compatible", "optional: existing calls need not send one"),
    ("required-request-body-added", _REQ): Rule("breaking", "existing calls send no body"),
    ("request-body-removed", _REQ): Rule("breaking", "calls that send a body no longer match"),
    ("field-added", _REQ): Rule("compatible", "optional: existing requests stay valid"),
    ("required-field-added", _REQ): Rule("breaking", "existing requests do not set it"),
    ("field-removed", _REQ): Rule("breaking", "code that sets it fails against the regenerated model"),
    ("field-renamed", _REQ): Rule("breaking", "code that sets the old name fails against the regenerated model"),
    ("became-required", _REQ): Rule("breaking", "existing requests may leave it out"),
    ("became-optional", _REQ): Rule("compatible", "requests that set it stay valid"),
    ("became-nullable", _REQ): Rule("compatible", "null is now accepted as well"),
    ("became-non-nullable", _REQ): Rule("breaking", "a client that sends null is now rejected"),
    ("type-changed", _REQ): Rule("breaking", "values of the old type are no longer accepted"),
    ("type-widened", _REQ): Rule("compatible", "everything accepted before is still accepted"),
    ("type-narrowed", _REQ): Rule("breaking", "some values accepted before are now rejected"),
    ("format-changed", _REQ): Rule("compatible", "a format hint that does not change the generated Python type"),
    ("enum-value-added", _REQ): Rule("compatible", "one more value the client may send"),
    ("enum-value-removed", _REQ): Rule("breaking", "the client might send it"),
    ("enum-constraint-added", _REQ): Rule("breaking", "values outside the new list are rejected"),
    ("enum-constraint-removed", _REQ): Rule("compatible", "any value of the type is now accepted"),
    ("variant-added", _REQ): Rule("compatible", "one more accepted shape"),
    ("variant-removed", _REQ): Rule("breaking", "requests of that shape are no longer accepted"),
    ("content-type-added", _REQ): Rule("compatible", "one more way to send the body"),
    ("content-type-removed", _REQ): Rule("breaking", "the client might send this media type"),
    ("deprecated", _REQ): Rule("notable", "still accepted, but Venice plans to remove it"),
    # -- what the client receives ------------------------------------------------------
    ("field-added", _RES): Rule("compatible", "a new field; unknown fields were kept anyway"),
    ("required-field-added", _RES): Rule("compatible", "a new field; unknown fields were kept anyway"),
    ("field-removed", _RES): Rule("breaking", "code that reads it fails"),
    ("field-renamed", _RES): Rule("breaking", "code that reads the old name fails"),
    ("became-required", _RES): Rule("compatible", "now always present"),
    ("became-optional", _RES): Rule("breaking", "it may be missing: the generated attribute becomes `T | Unset`"),
    ("became-nullable", _RES): Rule("breaking", "code that reads it may get None"),
    ("became-non-nullable", _RES): Rule("compatible", "never null any more"),
    ("type-changed", _RES): Rule("breaking", "code that reads it gets a value of another type"),
    ("type-widened", _RES): Rule("breaking", "code that reads it may get a value of a type it does not handle"),
    ("type-narrowed", _RES): Rule("compatible", "every value it can take was possible before"),
    ("format-changed", _RES): Rule("compatible", "a format hint that does not change the generated Python type"),
    ("enum-value-added", _RES): Rule(
        "notable", "older clients may not know it; this client lets unknown values through"
    ),
    ("enum-value-removed", _RES): Rule("compatible", "one value fewer to handle"),
    ("enum-constraint-added", _RES): Rule("compatible", "the values are now listed; they stay plain strings/numbers"),
    ("enum-constraint-removed", _RES): Rule("notable", "any value of the type may now arrive"),
    ("variant-added", _RES): Rule("notable", "a shape code written against the old union may not handle"),
    ("variant-removed", _RES): Rule("compatible", "one shape fewer to handle"),
    ("content-type-added", _RES): Rule("notable", "a new media type may come back"),
    ("content-type-removed", _RES): Rule("breaking", "code that asks for or handles this media type no longer gets it"),
    ("success-response-added", _RES): Rule("notable", "a new success status with its own result type"),
    ("success-response-removed", _RES): Rule("breaking", "the result code relies on is no longer returned"),
    ("response-added", _RES): Rule("compatible", "a newly documented error status"),
    ("response-removed", _RES): Rule("compatible", "an error status no longer documented"),
    ("deprecated", _RES): Rule("notable", "still sent, but Venice plans to remove it"),
}


def judge(kind: str, side: Side) -> Rule:
    """The verdict for a change; a combination without a rule is a bug in the walker."""
    try:
        return RULES[kind, side]
    except KeyError:
        raise ValueError(f"no rule for a {kind!r} change on the {side} side") from None
