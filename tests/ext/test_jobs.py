"""Video and audio jobs against the fake server: quote, queue, poll, save, clean up, resume.

Polling sleeps through the injected clock (`clock` fixture), so nothing really waits;
`clock.sleeps` is every wait the client asked for, the transport's retries included.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from venice_ext import (
    AsyncAudioJobs,
    AsyncVenice,
    AsyncVideoJob,
    AudioJob,
    AudioJobs,
    FailureBudget,
    JobProgress,
    Safety,
    Venice,
    VideoJob,
)
from venice_ext import errors as e
from venice_ext._core._retry import safety_of
from venice_ext.testing import DropAfter, FakeVenice, RecordedRequest, Reply, Reset, Respond
from venice_ext.testing._canned_media import TINY_MP3, TINY_MP4

MODEL = "wan-2.5-preview-text-to-video"
PARAMS: dict[str, Any] = {"model": MODEL, "prompt": "Dawn over the lagoon, gondolas drifting", "duration": "5s"}
QUEUED = {"model": MODEL, "queue_id": "7f1c2d3e-0000-4a5b-9c8d-112233445566"}
VIDEO = TINY_MP4 + bytes(range(256)) * 40


def processing(duration_ms: float, average_ms: float = 145_000) -> Reply:
    return Reply(json={"status": "PROCESSING", "average_execution_time": average_ms, "execution_duration": duration_ms})


def mp4(data: bytes = VIDEO) -> Reply:
    return Reply(body=data, content_type="video/mp4")


def paths(fake: FakeVenice) -> list[str]:
    return [request.path for request in fake.requests]


def audio_jobs(client: Venice) -> AudioJobs:
    """`client.audio` once it offers the job methods; until then the resource itself."""
    audio = client.audio
    return audio if isinstance(audio, AudioJobs) else AudioJobs(client)


def file_checked_on_complete(target: Path, data: bytes, seen: list[bool]) -> Respond:
    """/video/complete that records whether the whole file was on disk when cleanup was asked for."""

    def answer(request: RecordedRequest) -> Reply:
        seen.append(target.is_file() and target.read_bytes() == data)
        return Reply(json={"success": True})

    return Respond(answer)


def test_a_job_processing_several_times_then_delivered(
    fake: FakeVenice, client: Venice, clock: FakeClock, tmp_path: Path
) -> None:
    target = tmp_path / "lagoon.mp4"
    fake.script("POST", "/video/queue", Reply(json=QUEUED))
    fake.script(
        "POST",
        "/video/retrieve",
        processing(1_000),
        processing(40_000),
        processing(120_000),
        processing(150_000),
        mp4(),
    )
    complete_saw_the_file: list[bool] = []
    fake.script("POST", "/video/complete", file_checked_on_complete(target, VIDEO, complete_saw_the_file))
    progress: list[JobProgress] = []

    path, job = client.video.generate(path=target, max_usd=2.0, on_progress=progress.append, **PARAMS)

    assert path == target and target.read_bytes() == VIDEO
    assert list(tmp_path.iterdir()) == [target], "no temporary file left behind"
    assert complete_saw_the_file == [True], "cleanup only once the file was safely on disk"
    assert paths(fake) == ["/video/quote", "/video/queue", *["/video/retrieve"] * 5, "/video/complete"]
    quote, queue, *retrieves, complete = fake.requests
    assert quote.json() == {"model": MODEL, "duration": "5s"}, "the quote gets the fields it knows"
    assert queue.json() == PARAMS
    # Venice keeps the media until complete(): never deleted on delivery, before the file is safe.
    assert all(request.json() == {**QUEUED, "delete_media_on_completion": False} for request in retrieves)
    assert complete.json() == QUEUED
    # Half the gap to Venice's estimate, bounded to [2, 30] s.
    assert clock.sleeps == [30.0, 30.0, 12.5, 2.5]
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(0 <= f < 1 for f in fractions[:-1])
    assert [p.status for p in progress] == ["PROCESSING"] * 4 + ["COMPLETED"]
    assert progress[1] == JobProgress("PROCESSING", 40.0, 145.0, pytest.approx(40 / 145))
    assert isinstance(job, VideoJob)
    assert (job.queue_id, job.quote_usd, job.status, job.saved_path, job.cleaned_up) == (
        QUEUED["queue_id"],
        1.12,
        "COMPLETED",
        str(target),
        True,
    )


def test_wait_then_download_and_a_job_that_has_its_file_does_not_poll_again(
    fake: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    target = tmp_path / "out.mp4"
    fake.script("POST", "/video/retrieve", processing(10_000), mp4(), mp4())
    job = client.video.queue(**PARAMS)
    saved_before_download = job.to_json()
    assert job.wait() is job and job.status == "COMPLETED" and job.saved_path is None
    assert job.download(target) == target and target.read_bytes() == VIDEO
    seen = len(fake.requests)
    assert job.wait() is job and job.download(target) == target
    again = client.video.resume(job.to_json())
    assert again.wait().download(target) == target
    assert len(fake.requests) == seen, "the job knows it has the file: no retrieve after the media was saved"

    never_saved = client.video.resume(saved_before_download)
    with pytest.raises(e.JobError, match="not deleting"):
        never_saved.complete()
    assert job.complete() is True and job.complete() is True
    assert paths(fake).count("/video/complete") == 1
    with pytest.raises(e.JobError, match="deleted by complete"):
        job.download(tmp_path / "elsewhere.mp4")
    assert never_saved.complete(force=True) is True


def test_429_while_polling_honours_retry_after(
    fake: FakeVenice, client: Venice, clock: FakeClock, tmp_path: Path
) -> None:
    slow_down = {"error": "Rate limit exceeded"}
    fake.script(
        "POST",
        "/video/retrieve",
        processing(1_000),
        Reply(429, json=slow_down, headers={"Retry-After": "7"}),
        processing(100_000),
        # Longer than the transport will sleep (max_retry_wait 60 s): the polling loop waits it out instead.
        Reply(429, json=slow_down, headers={"Retry-After": "120"}),
        mp4(),
    )
    path, job = client.video.generate(path=tmp_path / "v.mp4", **PARAMS)
    assert path.read_bytes() == VIDEO and job.cleaned_up
    assert clock.sleeps == [30.0, 7.0, 22.5, 120.0]
    assert len(fake.requests_to("POST", "/video/retrieve")) == 5


def test_polling_rides_out_a_few_failures_but_not_endless_ones(
    fake: FakeVenice, client: Venice, clock: FakeClock, tmp_path: Path
) -> None:
    busy = Reply(503, json={"error": "The model is at capacity. Please try again later."})
    fake.script("POST", "/video/retrieve", busy, busy, busy, Reset(), Reset(), Reset(), processing(140_000), mp4())
    client.video.generate(path=tmp_path / "a.mp4", **PARAMS)
    assert clock.sleeps == [0.375, 0.75, 5.0, 0.375, 0.75, 5.0, 2.5]

    fake.set_default("POST", "/video/retrieve", busy)
    job = client.video.queue(**PARAMS)
    with pytest.raises(e.RetryBudgetExceededError) as budget:
        job.wait()
    assert any(job.queue_id in note and "resume" in note for note in budget.value.__notes__), "the key comes first"

    patient = FakeClock()
    roomy = FailureBudget(limit=100)
    with (
        Venice(
            api_key=API_KEY, base_url=fake.base_url, hooks=patient.hooks(), max_retries=0, failure_budget=roomy
        ) as bare,
        pytest.raises(e.ModelAtCapacityError) as caught,
    ):
        bare.video.resume(job.to_json()).wait()
    assert patient.sleeps == [5.0] * 5, "five failed polls in a row are ridden out, the sixth raised"
    assert any(job.queue_id in note for note in caught.value.__notes__)


def test_the_deadline_then_a_resume_from_json_in_a_new_client(
    fake: FakeVenice, client: Venice, clock: FakeClock, tmp_path: Path
) -> None:
    target = tmp_path / "late.mp4"
    fake.set_default("POST", "/video/retrieve", processing(20_000))
    with pytest.raises(e.JobTimeoutError) as caught:
        client.video.generate(path=target, timeout=60, **PARAMS)
    error = caught.value
    assert clock.sleeps == [30.0, 30.0], "the last poll lands on the deadline, none after it"
    assert error.timeout == 60 and error.job.status == "PROCESSING"
    assert error.progress == JobProgress("PROCESSING", 20.0, 145.0, pytest.approx(20 / 145))
    assert "resume it with client.video.resume(error.job_json)" in str(error)
    assert not target.exists() and "/video/complete" not in paths(fake)

    fake.script("POST", "/video/retrieve", processing(144_000), mp4())
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=FakeClock().hooks()) as other:
        job = other.video.resume(error.job_json)
        assert (job.queue_id, job.model, job.quote_usd, job.queued_at) == (
            error.job.queue_id,
            error.job.model,
            1.12,
            error.job.queued_at,
        )
        assert job.download(target) == target
        assert job.complete()
    assert target.read_bytes() == VIDEO
    assert paths(fake).count("/video/queue") == 1, "resuming never queues (or pays) again"


def test_a_failed_job_with_credits_refunded(fake: FakeVenice, client: Venice, tmp_path: Path) -> None:
    rejected = {
        "error": {
            "message": "The selected model provider rejected this request due to its content policies. "
            "Credits have been refunded. Try using wan-2-7-text-to-video instead.",
            "type": "provider_content_policy",
            "recommended_model": "wan-2-7-text-to-video",
            "credits_refunded": True,
        }
    }
    fake.script("POST", "/video/retrieve", processing(5_000), Reply(422, json=rejected))
    with pytest.raises(e.JobFailedError) as caught:
        client.video.generate(path=tmp_path / "no.mp4", **PARAMS)
    error = caught.value
    assert (error.status_code, error.credits_refunded, error.recommended_model) == (422, True, "wan-2-7-text-to-video")
    assert error.body == rejected and isinstance(error.error, e.ContentPolicyError)
    assert "content policy" in str(error) and "credits refunded" in str(error)
    assert error.job.status == "FAILED" and '"status": "FAILED"' in error.job_json
    assert "/video/complete" not in paths(fake) and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [404, 410])
def test_media_not_found_or_expired_is_a_failed_job(
    fake: FakeVenice, client: Venice, tmp_path: Path, status: int
) -> None:
    gone = {"error": "Media could not be found. Request may may be invalid, expired, or deleted."}
    fake.script("POST", "/video/retrieve", Reply(status, json=gone))
    job = client.video.queue(**PARAMS)
    with pytest.raises(e.JobFailedError, match="no media") as caught:
        job.download(tmp_path / "x.mp4")
    assert caught.value.status_code == status and caught.value.body == gone
    assert caught.value.credits_refunded is None


def test_a_failure_status_in_the_answer_is_a_failed_job(fake: FakeVenice, client: Venice) -> None:
    failed = {"status": "FAILED", "error": "Inference failed", "credits_refunded": False}
    fake.script("POST", "/video/retrieve", Reply(json=failed))
    with pytest.raises(e.JobFailedError, match="status FAILED: Inference failed") as caught:
        client.video.queue(**PARAMS).wait()
    assert caught.value.credits_refunded is False and caught.value.status_code is None


def test_max_usd_refuses_before_any_billable_request(fake: FakeVenice, client: Venice, tmp_path: Path) -> None:
    with pytest.raises(e.SpendLimitError) as caught:
        client.video.generate(path=tmp_path / "v.mp4", max_usd=1.0, **PARAMS)  # the canned quote is $1.12
    assert (caught.value.quote, caught.value.limit, caught.value.model) == (1.12, 1.0, MODEL)
    assert paths(fake) == ["/video/quote"]
    assert [r for r in fake.requests if safety_of(r.method, r.path) is not Safety.SAFE] == []
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="max_usd"):
        client.video.generate(path=tmp_path / "v.mp4", max_usd=-1, **PARAMS)


def test_nothing_is_sent_when_the_file_has_nowhere_to_go(fake: FakeVenice, client: Venice, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nothing was queued"):
        client.video.generate(path=tmp_path / "missing" / "v.mp4", **PARAMS)
    with pytest.raises(IsADirectoryError):
        client.video.generate(path=tmp_path, **PARAMS)
    assert fake.requests == []


@pytest.mark.parametrize(
    "fault",
    [Reset(read_body=True), Reply(502, json={"error": "Bad gateway"}), Reply(504, json={"error": "Timeout"})],
    ids=["reset after sending", "502", "504"],
)
def test_a_queue_with_an_unclear_outcome_is_never_resent(
    fake: FakeVenice, client: Venice, tmp_path: Path, fault: Any
) -> None:
    fake.script("POST", "/video/queue", fault)
    with pytest.raises(e.QueueOutcomeUnknownError) as caught:
        client.video.generate(path=tmp_path / "v.mp4", **PARAMS)
    error = caught.value
    assert "may have been queued and billed" in str(error) and error.operation == "POST /video/queue"
    assert (error.model, error.request_body) == (MODEL, PARAMS)
    assert error.sent_at.endswith("+00:00") and isinstance(error.error, e.VeniceError)
    assert paths(fake) == ["/video/quote", "/video/queue"]


def test_a_queue_that_surely_never_arrived_is_retried_and_a_clear_refusal_is_not_wrapped(
    fake: FakeVenice, client: Venice
) -> None:
    fake.script("POST", "/video/queue", Reply(429, json={"error": "Rate limit exceeded"}, headers={"Retry-After": "1"}))
    assert client.video.queue(**PARAMS).queue_id
    assert paths(fake).count("/video/queue") == 2
    fake.script("POST", "/video/queue", Reply(400, json={"error": "Invalid request parameters"}))
    with pytest.raises(e.BadRequestError):
        client.video.queue(**PARAMS)


def test_parameters_are_checked_against_the_spec_before_anything_is_sent(
    fake: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    with pytest.raises(e.RequestValidationError, match="colour"):
        client.video.generate(path=tmp_path / "v.mp4", colour="red", **PARAMS)
    with pytest.raises(e.RequestValidationError, match="duration"):
        client.video.queue(model=MODEL, prompt="x", duration=5)
    with pytest.raises(e.RequestValidationError, match="prompt"):
        client.video.generate(path=tmp_path / "v.mp4", model=MODEL, duration="5s")
    assert fake.requests == []

    assert client.video.quote(model=MODEL, duration="5s", resolution="720p") == 1.12
    client.video.generate(path=tmp_path / "v.mp4", reference_video_total_duration=5, extra_body={"seed": 7}, **PARAMS)
    quote, queue = fake.requests_to("POST", "/video/quote")[-1], fake.requests_to("POST", "/video/queue")[-1]
    assert quote.json() == {"model": MODEL, "duration": "5s", "reference_video_total_duration": 5}
    assert queue.json() == {**PARAMS, "seed": 7}, "quote-only fields stay out of the queue; extra_body goes in"


def test_jobs_must_be_bound_and_of_the_right_kind(client: Venice) -> None:
    unbound = VideoJob.from_json(VideoJob(model="m", queue_id="q").to_json())
    with pytest.raises(RuntimeError, match=r"client.video.resume"):
        unbound.wait()
    with pytest.raises(ValueError, match="audio job"):
        client.video.resume(AudioJob(model="m", queue_id="q"))
    assert client.video.resume(unbound).queue_id == "q"


def test_a_cleanup_failure_after_the_file_is_saved_only_warns(
    fake: FakeVenice, client: Venice, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script("POST", "/video/retrieve", mp4())
    fake.script("POST", "/video/complete", Reply(json={"success": False}))
    with caplog.at_level(logging.WARNING, logger="venice_ext"):
        path, job = client.video.generate(path=tmp_path / "v.mp4", **PARAMS)
    assert path.read_bytes() == VIDEO and not job.cleaned_up
    assert "Venice's copy was not deleted" in caplog.text and "job.complete()" in caplog.text


def test_foreign_errors_while_polling_carry_the_job_json(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/video/retrieve", Reply(401, json={"error": "Authentication failed"}))
    job = client.video.queue(**PARAMS)
    with pytest.raises(e.AuthenticationError) as caught:
        job.wait()
    [note] = caught.value.__notes__
    assert job.queue_id in note and "client.video.resume(" in note


# --- audio ------------------------------------------------------------------------------------

AUDIO_PARAMS: dict[str, Any] = {
    "model": "elevenlabs-music",
    "prompt": "A slow waltz for strings",
    "duration_seconds": 60,
}


def test_the_audio_variant(fake: FakeVenice, client: Venice, clock: FakeClock, tmp_path: Path) -> None:
    target = tmp_path / "waltz.mp3"
    fake.script(
        "POST",
        "/audio/retrieve",
        processing(12_500, average_ms=42_000),
        processing(38_000, average_ms=42_000),
        Reply(body=TINY_MP3, content_type="audio/mpeg"),
    )
    progress: list[JobProgress] = []
    path, job = audio_jobs(client).generate(path=target, max_usd=1.0, on_progress=progress.append, **AUDIO_PARAMS)
    assert path.read_bytes() == TINY_MP3 and isinstance(job, AudioJob) and job.cleaned_up
    assert paths(fake) == ["/audio/quote", "/audio/queue", *["/audio/retrieve"] * 3, "/audio/complete"]
    assert fake.requests[0].json() == {"model": "elevenlabs-music", "duration_seconds": 60}
    assert fake.requests[1].json() == AUDIO_PARAMS
    assert clock.sleeps == [14.75, 2.0] and [p.fraction for p in progress][-1] == 1.0
    assert audio_jobs(client).quote(model="elevenlabs-music", character_count=120) == 0.69

    with pytest.raises(e.SpendLimitError):
        audio_jobs(client).generate(path=target, max_usd=0.5, **AUDIO_PARAMS)
    assert paths(fake)[-1] == "/audio/quote"
    resumed = audio_jobs(client).resume(job.to_json())
    assert isinstance(resumed, AudioJob) and resumed.saved_path == str(target)


# --- async twins --------------------------------------------------------------------------------


def test_async_twins(fake: FakeVenice, clock: FakeClock, tmp_path: Path) -> None:
    target = tmp_path / "async.mp4"
    fake.script("POST", "/video/retrieve", processing(100_000), processing(140_000), mp4())
    fake.set_default("POST", "/audio/retrieve", processing(1_000, average_ms=42_000))

    async def main() -> None:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            progress: list[JobProgress] = []
            path, job = await client.video.generate(path=target, max_usd=2, on_progress=progress.append, **PARAMS)
            assert isinstance(job, AsyncVideoJob) and path.read_bytes() == VIDEO and job.cleaned_up
            assert [p.fraction for p in progress][-1] == 1.0
            assert await client.video.quote(model=MODEL, duration="5s") == 1.12

            with pytest.raises(e.SpendLimitError):
                await client.video.generate(path=target, max_usd=0.01, **PARAMS)

            audio = client.audio if isinstance(client.audio, AsyncAudioJobs) else AsyncAudioJobs(client)
            music = await audio.queue(**AUDIO_PARAMS)
            with pytest.raises(e.JobTimeoutError) as caught:
                await music.wait(timeout=10)
            fake.script("POST", "/audio/retrieve", Reply(body=TINY_MP3, content_type="audio/mpeg"))
            resumed = audio.resume(caught.value.job_json)
            await resumed.download(tmp_path / "music.mp3")
            assert await resumed.complete()

            fake.script(
                "POST", "/video/retrieve", Reply(422, json={"error": {"message": "no", "credits_refunded": True}})
            )
            with pytest.raises(e.JobFailedError) as failed:
                await (await client.video.queue(**PARAMS)).wait()
            assert failed.value.credits_refunded is True

    asyncio.run(main())
    assert (tmp_path / "music.mp3").read_bytes() == TINY_MP3
    assert paths(fake).count("/video/queue") == 2 and paths(fake).count("/audio/queue") == 1


def test_async_drop_during_polling_delivery_is_resumed(fake: FakeVenice, clock: FakeClock, tmp_path: Path) -> None:
    data = VIDEO * 50
    fake.script(
        "POST",
        "/video/retrieve",
        DropAfter(len(data) // 2, Reply(body=data, content_type="video/mp4")),
        Reply(body=data, content_type="video/mp4"),
    )

    async def main() -> None:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            job = await client.video.queue(**PARAMS)
            await job.download(tmp_path / "d.mp4")

    asyncio.run(main())
    assert (tmp_path / "d.mp4").read_bytes() == data and list(tmp_path.iterdir()) == [tmp_path / "d.mp4"]


def test_the_resumable_note_leaves_the_signed_download_url_out() -> None:
    signed = "https://cdn.example/v.mp4?X-Amz-Signature=SIGNATURE-abc123&X-Amz-Credential=K"
    job = VideoJob(model="m", queue_id="q-1", download_url=signed)
    error = RuntimeError("boom")
    job.note_resumable(error)
    notes = "\n".join(error.__notes__)
    assert "q-1" in notes and "SIGNATURE-abc123" not in notes and "cdn.example" not in notes
    resumed = VideoJob.from_json(notes.split("resume(", 1)[1].rsplit(")", 1)[0].strip("'"))
    assert resumed.queue_id == "q-1" and resumed.download_url is None
