"""What changed between two versions of Venice's spec, for a user of this client.

`diff_specs(old, new)` compares two loaded specs (read with YAML 1.2 rules and
repaired where they break OpenAPI, as `venice_spec.load.read_spec` does) and returns
`Change`s: operations added or removed; parameters, request and response fields added, removed, renamed or retyped;
enum values added or removed; required-ness and nullability changes; alternatives
(`anyOf`/`oneOf` members) and media types added or removed. `$ref`s are resolved, so a
change to a shared component is reported at each operation that uses it.
`render_text` and `render_json` format the list; `venice spec diff OLD NEW [--json]`
(`make spec-diff OLD=... NEW=...`) prints it.

Each change gets a verdict for someone whose code was written against the client
generated from the old spec. The side is where the change sits: in what the client
sends (request: parameters and request bodies) or in what it receives (response). The
reasons are in `_rules.RULES`.

    change kind                  operation   request     response
    ---------------------------- ----------- ----------- -----------
    operation-added              compatible  -           -
    operation-removed            BREAKING    -           -
    deprecated                   notable     notable     notable
    parameter-added              -           compatible  -
    required-parameter-added     -           BREAKING    -
    parameter-removed            -           BREAKING    -
    parameter-renamed            -           BREAKING    -
    request-body-added           -           compatible  -
    required-request-body-added  -           BREAKING    -
    request-body-removed         -           BREAKING    -
    field-added                  -           compatible  compatible
    required-field-added         -           BREAKING    compatible
    field-removed                -           BREAKING    BREAKING
    field-renamed                -           BREAKING    BREAKING
    became-required              -           BREAKING    compatible
    became-optional              -           compatible  BREAKING
    became-nullable              -           compatible  BREAKING
    became-non-nullable          -           BREAKING    compatible
    type-changed                 -           BREAKING    BREAKING
    type-widened                 -           compatible  BREAKING
    type-narrowed                -           BREAKING    compatible
    format-changed               -           compatible  compatible
    enum-value-added             -           compatible  notable
    enum-value-removed           -           BREAKING    compatible
    enum-constraint-added        -           BREAKING    compatible
    enum-constraint-removed      -           compatible  notable
    variant-added                -           compatible  notable
    variant-removed              -           BREAKING    compatible
    content-type-added           -           compatible  notable
    content-type-removed         -           BREAKING    BREAKING
    success-response-added       -           -           notable
    success-response-removed     -           -           BREAKING
    response-added               -           -           compatible
    response-removed             -           -           compatible

Decisions behind the less obvious rows:

- A response field that becomes optional or nullable is breaking: the generated attribute
  becomes `T | Unset` or `T | None`, and code that read it unguarded fails.
- An enum value added to a response is notable, not breaking: this client's literal enums
  let unknown values through, but code that switches over the old values may not expect it.
  The same holds for a new alternative, media type or success status in a response.
- A removed enum value, alternative or media type is breaking in a request (the client
  might send it) and harmless in a response (one case fewer to handle).
- "Retyped": `type-widened` means every old value is still valid (integer -> number, or
  any type at all), `type-narrowed` the reverse, `type-changed` neither. Changing a format
  the generator maps to its own Python type (date, date-time, binary, uuid) is
  `type-changed`; other formats are hints (`format-changed`).
- A renamed field or parameter (one removed and one added at the same place, with the
  same schema and required-ness, pairing one to one, and, for a bare scalar schema, with
  names alike) is a heuristic; it is as breaking as the removal.
- Error statuses appearing or disappearing are compatible: the client raises a typed
  error for any status; success statuses carry the result, so they count.
"""

from venice_spec.diff._change import Change, Side, Verdict
from venice_spec.diff._render import render_json, render_text, summarize, summary_line
from venice_spec.diff._walk import diff_specs

__all__ = ["Change", "Side", "Verdict", "diff_specs", "render_json", "render_text", "summarize", "summary_line"]
