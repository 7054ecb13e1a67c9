"""The unit of a spec diff: one change, at one place of one operation, with its verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Change", "Side", "Verdict"]

# Which way data flows where the change sits: a change to something the client sends
# (request) and the same change to something it receives (response) have opposite
# effects, so every rule is keyed by side. "operation" is the operation as a whole.
Side = Literal["operation", "request", "response"]

# "notable" is not breaking, but worth a look before regenerating (a value older code
# may not handle); "compatible" needs nothing from anyone.
Verdict = Literal["breaking", "notable", "compatible"]


@dataclass(frozen=True)
class Change:
    """One change between two spec versions, as a client user sees it.

    `location` names the place inside the operation, e.g. "request body application/json:
    messages[].content" or "query parameter: type"; "" is the operation itself.
    `breaking` says whether code written against the old client can break, and `reason`
    says why (or why not); `notable` marks the non-breaking changes worth a look.
    """

    kind: str
    operation: str
    location: str
    detail: str
    breaking: bool
    reason: str
    notable: bool = False

    @property
    def verdict(self) -> Verdict:
        return "breaking" if self.breaking else "notable" if self.notable else "compatible"
