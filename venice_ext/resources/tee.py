"""`client.tee`: attestations and response signatures of Venice's TEE models, typed.

`/tee/attestation` and `/tee/signature` are not in the spec; these methods send them
through the same retry, error and redaction path as every operation. They share the
client's E2EE engine with `client.chat`, so an attestation verified here is the one
an `e2ee=True` request reuses (within its `attestation_ttl`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import httpx

from venice_ext._core._calls import options_of
from venice_ext._core._requester import AsyncRequester, Requester
from venice_ext.e2ee._engine import AsyncE2EEEngine, E2EEEngine
from venice_ext.e2ee._options import E2EEOptions
from venice_ext.e2ee._types import Attestation, ResponseSignature, SignatureCheck, VerifiedAttestation

__all__ = ["AsyncTee", "Tee"]


# unasync: begin async source
class AsyncTee:
    """`client.tee`: attestation(model), verify(model), signature(model, request_id), verify_signature(...).

    Each takes the per-call options for the GET it sends (none when `verify` reuses a verified
    attestation); no `strict_parsing`, as these answers are always checked against their shape.
    """

    def __init__(self, requester: AsyncRequester) -> None:
        self.engine = AsyncE2EEEngine(requester)

    async def attestation(
        self,
        model: str,
        *,
        nonce: str | bytes | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Attestation:
        """The model's attestation for `nonce` (32 bytes; random when None), as Venice sent it: nothing
        checked. `verify()` checks one."""
        return await self.engine.api.attestation(
            model,
            nonce,
            options_of(
                timeout=timeout,
                max_retries=max_retries,
                retry_ambiguous=retry_ambiguous,
                deadline=deadline,
                extra_headers=extra_headers,
                extra_query=extra_query,
            ),
        )

    async def verify(
        self,
        model: str,
        *,
        options: E2EEOptions | None = None,
        fresh: bool = False,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> VerifiedAttestation:
        """An attestation of `model` that passed every local check (and `options.verifier`), for a nonce
        just drawn; reused within `options.attestation_ttl` unless `fresh`. Raises E2EEAttestationError."""
        return await self.engine.verified_attestation(
            model,
            options,
            fresh=fresh,
            call_options=options_of(
                timeout=timeout,
                max_retries=max_retries,
                retry_ambiguous=retry_ambiguous,
                deadline=deadline,
                extra_headers=extra_headers,
                extra_query=extra_query,
            ),
        )

    async def signature(
        self,
        model: str,
        request_id: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> ResponseSignature:
        """The enclave's signature of one answer (`request_id` is the completion's id), unchecked."""
        return await self.engine.api.signature(
            model,
            request_id,
            options_of(
                timeout=timeout,
                max_retries=max_retries,
                retry_ambiguous=retry_ambiguous,
                deadline=deadline,
                extra_headers=extra_headers,
                extra_query=extra_query,
            ),
        )

    async def verify_signature(
        self,
        model: str,
        request_id: str,
        *,
        request_body: bytes,
        response_body: bytes,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> SignatureCheck:
        """Check an answer's signature against `model`'s verified attestation; E2EESignatureError if it fails.
        `request_body` and `response_body` are the exact bytes sent and received, to compare with the
        hashes the enclave signed (`SignatureCheck.request_bound`, `.response_bound`). The options go
        with the signature request and with the attestation request, when one is needed."""
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        attested = await self.engine.verified_attestation(model, call_options=options)
        return await self.engine.verify_signature(
            attested,
            request_id,
            request_body=request_body,
            response_sha256=hashlib.sha256(response_body).hexdigest(),
            call_options=options,
        )


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Tee:
    """`client.tee`: attestation(model), verify(model), signature(model, request_id), verify_signature(...).

    Each takes the per-call options for the GET it sends (none when `verify` reuses a verified
    attestation); no `strict_parsing`, as these answers are always checked against their shape.
    """

    def __init__(self, requester: Requester) -> None:
        self.engine = E2EEEngine(requester)

    def attestation(
        self,
        model: str,
        *,
        nonce: str | bytes | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Attestation:
        """The model's attestation for `nonce` (32 bytes; random when None), as Venice sent it: nothing
        checked. `verify()` checks one."""
        return self.engine.api.attestation(
            model,
            nonce,
            options_of(
                timeout=timeout,
                max_retries=max_retries,
                retry_ambiguous=retry_ambiguous,
                deadline=deadline,
                extra_headers=extra_headers,
                extra_query=extra_query,
            ),
        )

    def verify(
        self,
        model: str,
        *,
        options: E2EEOptions | None = None,
        fresh: bool = False,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> VerifiedAttestation:
        """An attestation of `model` that passed every local check (and `options.verifier`), for a nonce
        just drawn; reused within `options.attestation_ttl` unless `fresh`. Raises E2EEAttestationError."""
        return self.engine.verified_attestation(
            model,
            options,
            fresh=fresh,
            call_options=options_of(
                timeout=timeout,
                max_retries=max_retries,
                retry_ambiguous=retry_ambiguous,
                deadline=deadline,
                extra_headers=extra_headers,
                extra_query=extra_query,
            ),
        )

    def signature(
        self,
        model: str,
        request_id: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> ResponseSignature:
        """The enclave's signature of one answer (`request_id` is the completion's id), unchecked."""
        return self.engine.api.signature(
            model,
            request_id,
            options_of(
                timeout=timeout,
                max_retries=max_retries,
                retry_ambiguous=retry_ambiguous,
                deadline=deadline,
                extra_headers=extra_headers,
                extra_query=extra_query,
            ),
        )

    def verify_signature(
        self,
        model: str,
        request_id: str,
        *,
        request_body: bytes,
        response_body: bytes,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> SignatureCheck:
        """Check an answer's signature against `model`'s verified attestation; E2EESignatureError if it fails.
        `request_body` and `response_body` are the exact bytes sent and received, to compare with the
        hashes the enclave signed (`SignatureCheck.request_bound`, `.response_bound`). The options go
        with the signature request and with the attestation request, when one is needed."""
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        attested = self.engine.verified_attestation(model, call_options=options)
        return self.engine.verify_signature(
            attested,
            request_id,
            request_body=request_body,
            response_sha256=hashlib.sha256(response_body).hexdigest(),
            call_options=options,
        )


# unasync: end sync twin
