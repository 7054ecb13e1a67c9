"""Queued video and audio jobs: wait for them, save their media, clean up, sync and async.

    job = client.video.queue(model=..., prompt=..., duration="5s")
    saved_json = job.to_json()                # keep it: a crash never wastes the paid job
    job.wait(timeout=900, on_progress=print)  # JobTimeoutError at the deadline; resume later
    job.download("out.mp4")                   # streamed to a temporary file, then renamed
    job.complete()                            # deletes Venice's copy, only once the file is saved

Polling decisions live in `_poll.py`, the job's record and JSON in `_state.py`, the
streaming to disk in `_download.py`, a pre-signed URL's fetching in `_presigned.py`;
this module does the requests and the sleeping.
Retrieve goes through the client (auth, retries, typed errors); a pre-signed
`download_url` is fetched by a separate plain client that never carries the API key.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Self

import httpx

from venice_ext._core._calls import stream_request
from venice_ext._core._errors_from import request_id_of
from venice_ext._core._requester import AsyncRequester, Requester
from venice_ext.errors import APIConnectionError, APIStatusError, RateLimitError, ServerError
from venice_ext.jobs._download import DownloadFailed, Retryable, async_save_stream, range_headers, save_stream
from venice_ext.jobs._presigned import (
    async_plain_client,
    async_revoke,
    async_url_sender,
    plain_client,
    revoke,
    url_sender,
)
from venice_ext.jobs._state import AUDIO, VIDEO, JobRecord, RetrieveStatus, is_media
from venice_ext.jobs._waiting import OnProgress, Polling

__all__ = ["AsyncAudioJob", "AsyncVideoJob", "AudioJob", "OnProgress", "VideoJob"]


def _retrieve_request(
    job: JobRecord, http: httpx.Client | httpx.AsyncClient, offset: int, validator: str | None = None
) -> httpx.Request:
    body = job.KIND.retrieve_request(model=job.model, queue_id=job.queue_id)
    headers = range_headers(offset, validator)
    return stream_request(http, job.KIND.retrieve, body, accept=None, idle_timeout=None, extra_headers=headers)


def _not_media(job: JobRecord, answer: RetrieveStatus) -> DownloadFailed:
    return DownloadFailed(
        f"retrieve answered with status {answer.status} instead of the {job.KIND.name} file",
        bytes_received=0,
        expected_bytes=None,
        attempts=1,
    )


# unasync: begin async source
class _AsyncJob(JobRecord):
    _requester: AsyncRequester | None = None

    def _bound(self) -> AsyncRequester:
        if self._requester is None:
            raise RuntimeError(f"this job is not bound to a client: use client.{self.KIND.name}.resume(job)")
        return self._requester

    async def wait(self, timeout: float | None = None, on_progress: OnProgress | None = None) -> Self:
        """Poll until the media is ready; JobTimeoutError after `timeout` seconds, the job still resumable."""
        if not self.ready:
            await self._poll(timeout, on_progress, sink=None)
        return self

    async def download(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float | None = None,
        on_progress: OnProgress | None = None,
        revoke_download_url: bool = False,
    ) -> Path:
        """Save the media to `path` (waiting first if needed); `path` only ever holds the whole file.

        `timeout` bounds the wait for the job, not the transfer. With a `download_url`, the file
        comes from that host, without the API key; `revoke_download_url` deletes the URL after.
        In the async client the file work runs in a worker thread.
        """
        target = Path(path)
        if self.already_saved(target):
            return target
        requester = self._bound()
        try:
            if not self.ready and await self._poll(timeout, on_progress, sink=target):
                return target
            if self.download_url is not None:
                await self._fetch_url(requester, target, revoke_download_url)
            else:
                await self._save(requester, target, first=None)
        except BaseException as exc:  # a full disk or a Ctrl-C must not lose the paid job either
            self.note_resumable(exc)
            raise
        return target

    async def complete(self, *, force: bool = False) -> bool:
        """Delete Venice's copy of the media. Refused before the file is saved, unless `force`."""
        if not self.may_complete(force=force):
            return True
        body = self.KIND.complete_request(model=self.model, queue_id=self.queue_id)
        result = await self._bound().call(self.KIND.complete, body=body)
        self.cleaned_up = bool(getattr(result, "success", False))
        return self.cleaned_up

    async def _poll(self, timeout: float | None, on_progress: OnProgress | None, *, sink: Path | None) -> bool:
        """Poll until ready; True when the media came with the answer and was saved to `sink`."""
        requester = self._bound()
        hooks = requester.hooks
        polling = Polling(self, hooks.clock, timeout, on_progress)
        try:
            while True:
                try:
                    response = await requester.send_stream(_retrieve_request(self, requester.http_client, 0))
                except (APIConnectionError, ServerError, RateLimitError) as exc:
                    polling.failed(exc)
                except APIStatusError as exc:
                    failure = self.failed_from_status_error(exc)
                    if failure is None:
                        raise
                    raise failure from exc
                else:
                    polling.failures = 0
                    if is_media(response):
                        if sink is None:
                            await response.aclose()  # wait() only learns that it is ready; download() fetches it
                        else:
                            await self._save(requester, sink, first=response)
                        polling.finished()
                        return sink is not None
                    try:
                        await response.aread()
                    finally:
                        await response.aclose()
                    answer = RetrieveStatus.read(response, self._what)
                    if answer.failed:
                        raise self.failed_from_answer(answer, request_id_of(response.headers))
                    if answer.completed:
                        self.adopt(answer)
                        polling.finished()
                        return False
                    polling.running(answer)
                await hooks.async_sleep(polling.next_wait())
        except BaseException as exc:  # a full disk or a Ctrl-C must not lose the paid job either
            self.note_resumable(exc)
            raise

    def _retrieve_sender(self, requester: AsyncRequester) -> Callable[[int, str | None], Awaitable[httpx.Response]]:
        async def send(offset: int, validator: str | None) -> httpx.Response:
            try:
                request = _retrieve_request(self, requester.http_client, offset, validator)
                response = await requester.send_stream(request)
            except (APIConnectionError, ServerError) as exc:
                raise Retryable(exc) from exc
            if is_media(response):
                return response
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise _not_media(self, RetrieveStatus.read(response, self._what))

        return send

    async def _save(self, requester: AsyncRequester, target: Path, *, first: httpx.Response | None) -> None:
        try:
            await async_save_stream(
                target,
                self._retrieve_sender(requester),
                first=first,
                sleep=requester.hooks.async_sleep,
                what=self._what,
            )
        except DownloadFailed as exc:
            raise self.download_error(exc) from exc
        except APIStatusError as exc:
            failure = self.failed_from_status_error(exc)
            if failure is None:
                raise
            raise failure from exc
        self.saved(target)

    async def _fetch_url(self, requester: AsyncRequester, target: Path, revoke_url: bool) -> None:
        assert self.download_url is not None
        async with async_plain_client(requester.http_client.timeout) as http:
            sender = async_url_sender(http, self.download_url)
            try:
                await async_save_stream(target, sender, sleep=requester.hooks.async_sleep, what=self._what)
            except DownloadFailed as exc:
                raise self.download_error(exc) from exc
            self.saved(target)
            if revoke_url:
                await async_revoke(http, self.download_url)


class AsyncVideoJob(_AsyncJob):
    """A queued video: `wait()`, `download(path)`, `complete()`; `to_json()` / `VideoJob.from_json(text)`."""

    KIND = VIDEO


class AsyncAudioJob(_AsyncJob):
    """A queued audio generation; the same as `VideoJob`."""

    KIND = AUDIO


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class _Job(JobRecord):
    _requester: Requester | None = None

    def _bound(self) -> Requester:
        if self._requester is None:
            raise RuntimeError(f"this job is not bound to a client: use client.{self.KIND.name}.resume(job)")
        return self._requester

    def wait(self, timeout: float | None = None, on_progress: OnProgress | None = None) -> Self:
        """Poll until the media is ready; JobTimeoutError after `timeout` seconds, the job still resumable."""
        if not self.ready:
            self._poll(timeout, on_progress, sink=None)
        return self

    def download(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float | None = None,
        on_progress: OnProgress | None = None,
        revoke_download_url: bool = False,
    ) -> Path:
        """Save the media to `path` (waiting first if needed); `path` only ever holds the whole file.

        `timeout` bounds the wait for the job, not the transfer. With a `download_url`, the file
        comes from that host, without the API key; `revoke_download_url` deletes the URL after.
        In the async client the file work runs in a worker thread.
        """
        target = Path(path)
        if self.already_saved(target):
            return target
        requester = self._bound()
        try:
            if not self.ready and self._poll(timeout, on_progress, sink=target):
                return target
            if self.download_url is not None:
                self._fetch_url(requester, target, revoke_download_url)
            else:
                self._save(requester, target, first=None)
        except BaseException as exc:  # a full disk or a Ctrl-C must not lose the paid job either
            self.note_resumable(exc)
            raise
        return target

    def complete(self, *, force: bool = False) -> bool:
        """Delete Venice's copy of the media. Refused before the file is saved, unless `force`."""
        if not self.may_complete(force=force):
            return True
        body = self.KIND.complete_request(model=self.model, queue_id=self.queue_id)
        result = self._bound().call(self.KIND.complete, body=body)
        self.cleaned_up = bool(getattr(result, "success", False))
        return self.cleaned_up

    def _poll(self, timeout: float | None, on_progress: OnProgress | None, *, sink: Path | None) -> bool:
        """Poll until ready; True when the media came with the answer and was saved to `sink`."""
        requester = self._bound()
        hooks = requester.hooks
        polling = Polling(self, hooks.clock, timeout, on_progress)
        try:
            while True:
                try:
                    response = requester.send_stream(_retrieve_request(self, requester.http_client, 0))
                except (APIConnectionError, ServerError, RateLimitError) as exc:
                    polling.failed(exc)
                except APIStatusError as exc:
                    failure = self.failed_from_status_error(exc)
                    if failure is None:
                        raise
                    raise failure from exc
                else:
                    polling.failures = 0
                    if is_media(response):
                        if sink is None:
                            response.close()  # wait() only learns that it is ready; download() fetches it
                        else:
                            self._save(requester, sink, first=response)
                        polling.finished()
                        return sink is not None
                    try:
                        response.read()
                    finally:
                        response.close()
                    answer = RetrieveStatus.read(response, self._what)
                    if answer.failed:
                        raise self.failed_from_answer(answer, request_id_of(response.headers))
                    if answer.completed:
                        self.adopt(answer)
                        polling.finished()
                        return False
                    polling.running(answer)
                hooks.sleep(polling.next_wait())
        except BaseException as exc:  # a full disk or a Ctrl-C must not lose the paid job either
            self.note_resumable(exc)
            raise

    def _retrieve_sender(self, requester: Requester) -> Callable[[int, str | None], httpx.Response]:
        def send(offset: int, validator: str | None) -> httpx.Response:
            try:
                request = _retrieve_request(self, requester.http_client, offset, validator)
                response = requester.send_stream(request)
            except (APIConnectionError, ServerError) as exc:
                raise Retryable(exc) from exc
            if is_media(response):
                return response
            try:
                response.read()
            finally:
                response.close()
            raise _not_media(self, RetrieveStatus.read(response, self._what))

        return send

    def _save(self, requester: Requester, target: Path, *, first: httpx.Response | None) -> None:
        try:
            save_stream(
                target,
                self._retrieve_sender(requester),
                first=first,
                sleep=requester.hooks.sleep,
                what=self._what,
            )
        except DownloadFailed as exc:
            raise self.download_error(exc) from exc
        except APIStatusError as exc:
            failure = self.failed_from_status_error(exc)
            if failure is None:
                raise
            raise failure from exc
        self.saved(target)

    def _fetch_url(self, requester: Requester, target: Path, revoke_url: bool) -> None:
        assert self.download_url is not None
        with plain_client(requester.http_client.timeout) as http:
            sender = url_sender(http, self.download_url)
            try:
                save_stream(target, sender, sleep=requester.hooks.sleep, what=self._what)
            except DownloadFailed as exc:
                raise self.download_error(exc) from exc
            self.saved(target)
            if revoke_url:
                revoke(http, self.download_url)


class VideoJob(_Job):
    """A queued video: `wait()`, `download(path)`, `complete()`; `to_json()` / `VideoJob.from_json(text)`."""

    KIND = VIDEO


class AudioJob(_Job):
    """A queued audio generation; the same as `VideoJob`."""

    KIND = AUDIO


# unasync: end sync twin
