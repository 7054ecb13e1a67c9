"""E2EE for one client: capability lookups, verified attestations, sessions, sealed streams, signatures.

A verified attestation is kept per model (and verifier) for `E2EEOptions.attestation_ttl`
seconds, the `/models` listing for `models_ttl`; each stream gets its own session
key. Shared by `client.tee` and `client.chat`, so both see the same cache.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from venice_ext._core._calls import stream_request
from venice_ext._core._requester import AsyncRequester, Requester, RequestOptions
from venice_ext._core._requests import RequestModel
from venice_ext._core._symbols import create_chat_completion, list_models
from venice_ext.e2ee._extra import needs_extra
from venice_ext.e2ee._guard import check_capability, e2ee_venice_parameters, refuse_what_e2ee_cannot_carry
from venice_ext.e2ee._options import E2EEOptions, Verifier
from venice_ext.e2ee._tee_api import AsyncTeeApi, TeeApi, fresh_nonce
from venice_ext.e2ee._types import SignatureCheck, VerifiedAttestation
from venice_ext.errors import E2EEAttestationError, E2EESignatureError, VeniceError

if TYPE_CHECKING:
    from venice_ext.e2ee._session import E2EESession
    from venice_ext.e2ee._stream import AsyncE2EEChatStream, E2EEChatStream

__all__ = ["AsyncE2EEEngine", "E2EEEngine", "PreparedRequest"]


def _verdict(outcome: Any, model: str) -> None:
    if inspect.isawaitable(outcome):
        close = getattr(outcome, "close", None)
        if close is not None:
            close()  # a coroutine that will never run; closing it spares the "never awaited" warning
        raise E2EEAttestationError(
            f"attestation of {model} refused: the verifier is async; use it with AsyncVenice",
            check="verifier",
            model=model,
        )
    if outcome is False:
        raise E2EEAttestationError(f"attestation of {model} refused by the verifier", check="verifier", model=model)


def _verifier_failed(model: str, exc: Exception) -> E2EEAttestationError:
    if isinstance(exc, E2EEAttestationError):
        return exc
    return E2EEAttestationError(
        f"attestation of {model} refused by the verifier: {type(exc).__name__}: {exc}", check="verifier", model=model
    )


def _without_tee_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    # The session's own X-Venice-TEE-* headers must be the only ones sent.
    return {name: value for name, value in (headers or {}).items() if not name.lower().startswith("x-venice-tee-")}


class PreparedRequest:
    """An E2EE chat request before it is sent: its session, the sealed messages, the parameters."""

    __slots__ = ("messages", "options", "params", "session")

    def __init__(
        self, session: E2EESession, messages: list[dict[str, Any]], params: dict[str, Any], options: E2EEOptions
    ) -> None:
        self.session = session
        self.messages = messages
        self.params = params
        self.options = options


# unasync: begin async source
class AsyncE2EEEngine:
    """The E2EE state of one client."""

    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester
        self.api = AsyncTeeApi(requester)
        self._attested: dict[tuple[str, bool, int], tuple[Verifier | None, VerifiedAttestation]] = {}
        self._models: tuple[float, Mapping[str, Any]] | None = None

    async def verified_attestation(
        self,
        model: str,
        options: E2EEOptions | None = None,
        *,
        fresh: bool = False,
        call_options: RequestOptions | None = None,
    ) -> VerifiedAttestation:
        """An attestation of `model`, for a nonce just drawn, that passed every check; cached per options.
        `call_options` go with the attestation request, when one is sent."""
        options = options or E2EEOptions()
        key = (model, options.require_quote, id(options.verifier))
        now = self._requester.hooks.clock()
        cached = self._attested.get(key)
        reusable = cached is not None and cached[0] is options.verifier and not fresh
        if cached is not None and reusable and now - cached[1].verified_at < options.attestation_ttl:
            return cached[1]
        with needs_extra():
            from venice_ext.e2ee._checks import check_attestation
        nonce = fresh_nonce()
        attestation = await self.api.attestation(model, nonce, call_options)
        attested = check_attestation(
            attestation, model=model, nonce=nonce, require_quote=options.require_quote, now=now
        )
        if options.verifier is not None:
            try:
                outcome = options.verifier(attested)
                if inspect.isawaitable(outcome):  # unasync: async-only
                    outcome = await outcome  # unasync: async-only
            except Exception as exc:
                raise _verifier_failed(model, exc) from exc
            _verdict(outcome, model)
        self._attested[key] = (options.verifier, attested)
        return attested

    async def check_model(self, model: str, options: E2EEOptions) -> None:
        """Refuse a model `/models` does not mark `supportsE2EE` (the listing is cached)."""
        now = self._requester.hooks.clock()
        cached = self._models is not None and now - self._models[0] < options.models_ttl
        if not cached:
            await self._refresh_models(now)
        try:
            check_capability(model, self._models[1] if self._models else {})
        except VeniceError:
            if not cached:
                raise
            await self._refresh_models(now)  # the model may be newer than the cached listing
            check_capability(model, self._models[1] if self._models else {})

    async def _refresh_models(self, now: float) -> None:
        listing = await self._requester.call(list_models, type_="text")
        self._models = (now, listing.to_dict())

    async def prepare(
        self,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        params: Mapping[str, Any],
        extra_body: Mapping[str, Any] | None,
        options: E2EEOptions,
    ) -> PreparedRequest:
        """Refuse what E2EE cannot carry (before any network call), check the model, attest it, seal the prompt."""
        checked = refuse_what_e2ee_cannot_carry(model, messages, params, extra_body, options)
        with needs_extra():
            from venice_ext.e2ee._session import E2EESession
        await self.check_model(model, options)
        session = E2EESession(await self.verified_attestation(model, options))
        fields = {**params, "venice_parameters": e2ee_venice_parameters(model, params)}
        return PreparedRequest(session, session.seal_messages(checked), fields, options)

    async def open_stream(
        self,
        prepared: PreparedRequest,
        body: RequestModel,
        idle_timeout: float | None,
        call_options: RequestOptions,
    ) -> AsyncE2EEChatStream:
        """Send the sealed request with the session's headers and the call's options; the stream
        that opens the answer."""
        with needs_extra():
            from venice_ext.e2ee._stream import AsyncE2EEChatStream
        session, options = prepared.session, prepared.options
        headers = {**_without_tee_headers(call_options.get("extra_headers")), **session.headers()}
        request = stream_request(
            self._requester.http_client,
            create_chat_completion,
            body,
            accept="text/event-stream",
            idle_timeout=idle_timeout,
            extra_headers=None,
            options={**call_options, "extra_headers": headers},
        )
        response = await self._requester.send_stream(request)

        async def check(request_id: str, response_sha256: str) -> SignatureCheck:
            return await self.verify_signature(
                session.attested,
                request_id,
                request_body=request.content,
                response_sha256=response_sha256,
                require_signed_hashes=options.require_signed_hashes,
            )

        return AsyncE2EEChatStream(response, session, check if options.verify_signature else None)

    async def verify_signature(
        self,
        attested: VerifiedAttestation,
        request_id: str,
        *,
        request_body: bytes,
        response_sha256: str,
        require_signed_hashes: bool = False,
        call_options: RequestOptions | None = None,
    ) -> SignatureCheck:
        """Fetch the answer's signature (with `call_options`) and check it against the attestation;
        E2EESignatureError if it fails."""
        with needs_extra():
            from venice_ext.e2ee._signature import check_signature, exchange_hash
        try:
            signature = await self.api.signature(attested.model, request_id, call_options)
        except VeniceError as exc:
            raise E2EESignatureError(
                f"signature of {request_id} unavailable: {exc}",
                check="signature_unavailable",
                model=attested.model,
                request_id=request_id,
            ) from exc
        return check_signature(
            signature,
            attested,
            request_id=request_id,
            request_sha256=exchange_hash(request_body),
            response_sha256=response_sha256,
            require_signed_hashes=require_signed_hashes,
        )


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class E2EEEngine:
    """The E2EE state of one client."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
        self.api = TeeApi(requester)
        self._attested: dict[tuple[str, bool, int], tuple[Verifier | None, VerifiedAttestation]] = {}
        self._models: tuple[float, Mapping[str, Any]] | None = None

    def verified_attestation(
        self,
        model: str,
        options: E2EEOptions | None = None,
        *,
        fresh: bool = False,
        call_options: RequestOptions | None = None,
    ) -> VerifiedAttestation:
        """An attestation of `model`, for a nonce just drawn, that passed every check; cached per options.
        `call_options` go with the attestation request, when one is sent."""
        options = options or E2EEOptions()
        key = (model, options.require_quote, id(options.verifier))
        now = self._requester.hooks.clock()
        cached = self._attested.get(key)
        reusable = cached is not None and cached[0] is options.verifier and not fresh
        if cached is not None and reusable and now - cached[1].verified_at < options.attestation_ttl:
            return cached[1]
        with needs_extra():
            from venice_ext.e2ee._checks import check_attestation
        nonce = fresh_nonce()
        attestation = self.api.attestation(model, nonce, call_options)
        attested = check_attestation(
            attestation, model=model, nonce=nonce, require_quote=options.require_quote, now=now
        )
        if options.verifier is not None:
            try:
                outcome = options.verifier(attested)
            except Exception as exc:
                raise _verifier_failed(model, exc) from exc
            _verdict(outcome, model)
        self._attested[key] = (options.verifier, attested)
        return attested

    def check_model(self, model: str, options: E2EEOptions) -> None:
        """Refuse a model `/models` does not mark `supportsE2EE` (the listing is cached)."""
        now = self._requester.hooks.clock()
        cached = self._models is not None and now - self._models[0] < options.models_ttl
        if not cached:
            self._refresh_models(now)
        try:
            check_capability(model, self._models[1] if self._models else {})
        except VeniceError:
            if not cached:
                raise
            self._refresh_models(now)  # the model may be newer than the cached listing
            check_capability(model, self._models[1] if self._models else {})

    def _refresh_models(self, now: float) -> None:
        listing = self._requester.call(list_models, type_="text")
        self._models = (now, listing.to_dict())

    def prepare(
        self,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        params: Mapping[str, Any],
        extra_body: Mapping[str, Any] | None,
        options: E2EEOptions,
    ) -> PreparedRequest:
        """Refuse what E2EE cannot carry (before any network call), check the model, attest it, seal the prompt."""
        checked = refuse_what_e2ee_cannot_carry(model, messages, params, extra_body, options)
        with needs_extra():
            from venice_ext.e2ee._session import E2EESession
        self.check_model(model, options)
        session = E2EESession(self.verified_attestation(model, options))
        fields = {**params, "venice_parameters": e2ee_venice_parameters(model, params)}
        return PreparedRequest(session, session.seal_messages(checked), fields, options)

    def open_stream(
        self,
        prepared: PreparedRequest,
        body: RequestModel,
        idle_timeout: float | None,
        call_options: RequestOptions,
    ) -> E2EEChatStream:
        """Send the sealed request with the session's headers and the call's options; the stream
        that opens the answer."""
        with needs_extra():
            from venice_ext.e2ee._stream import E2EEChatStream
        session, options = prepared.session, prepared.options
        headers = {**_without_tee_headers(call_options.get("extra_headers")), **session.headers()}
        request = stream_request(
            self._requester.http_client,
            create_chat_completion,
            body,
            accept="text/event-stream",
            idle_timeout=idle_timeout,
            extra_headers=None,
            options={**call_options, "extra_headers": headers},
        )
        response = self._requester.send_stream(request)

        def check(request_id: str, response_sha256: str) -> SignatureCheck:
            return self.verify_signature(
                session.attested,
                request_id,
                request_body=request.content,
                response_sha256=response_sha256,
                require_signed_hashes=options.require_signed_hashes,
            )

        return E2EEChatStream(response, session, check if options.verify_signature else None)

    def verify_signature(
        self,
        attested: VerifiedAttestation,
        request_id: str,
        *,
        request_body: bytes,
        response_sha256: str,
        require_signed_hashes: bool = False,
        call_options: RequestOptions | None = None,
    ) -> SignatureCheck:
        """Fetch the answer's signature (with `call_options`) and check it against the attestation;
        E2EESignatureError if it fails."""
        with needs_extra():
            from venice_ext.e2ee._signature import check_signature, exchange_hash
        try:
            signature = self.api.signature(attested.model, request_id, call_options)
        except VeniceError as exc:
            raise E2EESignatureError(
                f"signature of {request_id} unavailable: {exc}",
                check="signature_unavailable",
                model=attested.model,
                request_id=request_id,
            ) from exc
        return check_signature(
            signature,
            attested,
            request_id=request_id,
            request_sha256=exchange_hash(request_body),
            response_sha256=response_sha256,
            require_signed_hashes=require_signed_hashes,
        )


# unasync: end sync twin
