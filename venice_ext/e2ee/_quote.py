"""Reading an Intel TDX quote (v4 or v5) for the two fields venice_ext checks itself. Pure.

The report data (64 bytes the enclave chose when it asked for the quote) and the TD
attributes (bit 0: the TD runs in debug mode, so the host can read its memory). Where
Venice's enclaves come from (dstack), the report data is the signing address padded
to 32 bytes, then the client's 32-byte nonce. This reads the quote; it does not
verify Intel's signature over it: that is a `verifier`'s job.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass

__all__ = ["QuoteError", "TdxQuote", "decode_quote"]

HEADER_BYTES = 48
TD_REPORT_BYTES = 584
TDX_TEE_TYPE = 0x81
_TD_ATTRIBUTES_AT = 120  # within the TD report: TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM, SEAMATTRIBUTES come first
_REPORT_DATA_AT = 520
_V5_BODY_DESCRIPTOR = 6  # body type (u16) and body size (u32) before a v5 report body
_DEBUG_BIT = 1
_HEX = re.compile(r"(0x)?[0-9a-fA-F]+")


class QuoteError(ValueError):
    """Bytes that are not a TDX quote this reader knows."""


def decode_quote(text: str) -> bytes:
    """A quote as sent (hex, as Venice sends it, or base64, as its docs say); QuoteError if neither."""
    stripped = text.strip()
    if _HEX.fullmatch(stripped) and len(stripped) % 2 == 0:
        return bytes.fromhex(stripped.removeprefix("0x"))
    try:
        return base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise QuoteError("the quote is neither hex nor base64") from exc


@dataclass(frozen=True)
class TdxQuote:
    version: int
    td_attributes: bytes
    report_data: bytes

    @property
    def debug(self) -> bool:
        return bool(self.td_attributes[0] & _DEBUG_BIT)

    @classmethod
    def parse(cls, quote: bytes) -> TdxQuote:
        if len(quote) < HEADER_BYTES:
            raise QuoteError(f"a TDX quote is at least {HEADER_BYTES + TD_REPORT_BYTES} bytes, got {len(quote)}")
        version, _key_type, tee_type = struct.unpack_from("<HHI", quote, 0)
        if tee_type != TDX_TEE_TYPE:
            raise QuoteError(f"not a TDX quote (TEE type {tee_type:#x}, expected {TDX_TEE_TYPE:#x})")
        if version == 4:
            body = HEADER_BYTES
        elif version == 5:
            body = HEADER_BYTES + _V5_BODY_DESCRIPTOR
        else:
            raise QuoteError(f"TDX quote version {version} is not one this reader knows (4 or 5)")
        if len(quote) < body + TD_REPORT_BYTES:
            raise QuoteError(f"the TDX quote is cut short: {len(quote)} bytes")
        attributes = quote[body + _TD_ATTRIBUTES_AT : body + _TD_ATTRIBUTES_AT + 8]
        report_data = quote[body + _REPORT_DATA_AT : body + _REPORT_DATA_AT + 64]
        return cls(version=version, td_attributes=attributes, report_data=report_data)

    @staticmethod
    def build(report_data: bytes, *, debug: bool = False, version: int = 4) -> bytes:
        """A quote-shaped blob (header and TD report, no valid signature), for fake enclaves in tests."""
        if len(report_data) != 64:
            raise ValueError("report data is 64 bytes")
        header = struct.pack("<HHI", version, 2, TDX_TEE_TYPE) + bytes(HEADER_BYTES - 8)
        descriptor = struct.pack("<HI", 2, TD_REPORT_BYTES) if version == 5 else b""
        report = bytearray(TD_REPORT_BYTES)
        report[_TD_ATTRIBUTES_AT] = _DEBUG_BIT if debug else 0
        report[_REPORT_DATA_AT : _REPORT_DATA_AT + 64] = report_data
        signature = b"\x00" * 4  # an empty signature section: nothing here is signed by Intel
        return header + descriptor + bytes(report) + signature
