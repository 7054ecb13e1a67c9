"""The pure parts of job polling and job records: intervals, progress, deadlines, JSON. No server."""

from __future__ import annotations

import json
import math

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from venice_ext import AsyncVideoJob, AudioJob, JobProgress, VideoJob
from venice_ext.errors import ResponseValidationError
from venice_ext.jobs._poll import DEFAULT_INTERVAL, MAX_INTERVAL, MIN_INTERVAL, Poller, poll_interval
from venice_ext.jobs._state import RetrieveStatus

milliseconds = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=3_600_000),
    st.integers(min_value=-(10**12), max_value=10**12),
)


@given(milliseconds, milliseconds)
def test_the_interval_is_always_between_2_and_30_seconds(average: float | None, duration: float | None) -> None:
    assert MIN_INTERVAL <= poll_interval(average, duration) <= MAX_INTERVAL


@pytest.mark.parametrize(
    ("average", "duration", "interval"),
    [
        (145_000, 38_000, 30.0),  # far from the usual end: rarely
        (145_000, 120_000, 12.5),  # half the remaining gap
        (145_000, 140_000, 2.5),
        (145_000, 145_000, 2.0),  # at the expected end: as often as allowed
        (145_000, 150_000, 2.5),  # running late: less and less often
        (145_000, 205_000, 30.0),
        (None, 1_000, DEFAULT_INTERVAL),  # no estimate yet
        (float("nan"), 1_000, DEFAULT_INTERVAL),
    ],
)
def test_the_interval_is_half_the_gap_to_the_usual_run_time(
    average: float | None, duration: float, interval: float
) -> None:
    assert poll_interval(average, duration) == interval


@given(st.lists(st.tuples(milliseconds, milliseconds, st.floats(0, 10_000)), min_size=1, max_size=30))
def test_progress_stays_in_0_1_never_goes_down_and_reaches_1_only_when_done(
    polls: list[tuple[float | None, float | None, float]],
) -> None:
    poller = Poller(started_at=0.0)
    fractions = []
    for average, duration, since_queued in polls:
        progress = poller.running("PROCESSING", average, duration, since_queued=since_queued)
        assert 0.0 <= progress.fraction < 1.0 and not progress.done
        assert progress.elapsed >= 0 and math.isfinite(progress.elapsed)
        assert progress.estimated_total is None or progress.estimated_total > 0
        fractions.append(progress.fraction)
    assert fractions == sorted(fractions)
    final = poller.finished("COMPLETED", elapsed=1.0, estimated_total=None)
    assert final.fraction == 1.0 and final.done


def test_progress_reports_venices_own_timings_in_seconds() -> None:
    progress = Poller(started_at=0.0).running("PROCESSING", 145_000, 58_000, since_queued=999)
    assert progress == JobProgress("PROCESSING", 58.0, 145.0, 0.4)
    without = Poller(started_at=0.0).running("PROCESSING", None, None, since_queued=12)
    assert without == JobProgress("PROCESSING", 12.0, None, 0.0), "no estimate: the client's own clock, no fraction"


@given(
    timeout=st.floats(min_value=0, max_value=5_000),
    steps=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=100),  # the interval the job's timings suggest
            st.one_of(st.none(), st.floats(min_value=0, max_value=300)),  # a Retry-After, sometimes
            st.floats(min_value=0, max_value=20),  # how long the poll request itself took
        ),
        min_size=1,
        max_size=400,
    ),
)
def test_never_polls_after_the_deadline(timeout: float, steps: list[tuple[float, float | None, float]]) -> None:
    poller = Poller(started_at=1_000.0, timeout=timeout)
    deadline = 1_000.0 + timeout
    now = 1_000.0
    for interval, retry_after, request_time in steps:
        assert now <= deadline + 1e-9, "a poll starts no later than the deadline"
        now += request_time
        wait = poller.next_wait(now, interval, retry_after=retry_after)
        if wait is None:
            assert now >= deadline or (retry_after is not None and now + max(retry_after, MIN_INTERVAL) > deadline)
            return
        assert wait > 0
        if retry_after is not None:
            assert wait >= retry_after, "Retry-After is honoured"
        else:
            assert wait <= MAX_INTERVAL
        now += wait


@given(st.floats(min_value=0, max_value=1000), st.one_of(st.none(), st.floats(min_value=0, max_value=1000)))
def test_without_a_deadline_there_is_always_another_poll(interval: float, retry_after: float | None) -> None:
    wait = Poller(started_at=0.0).next_wait(10**9, interval, retry_after=retry_after)
    assert wait is not None and wait >= MIN_INTERVAL
    if retry_after is None:
        assert wait <= MAX_INTERVAL


def test_the_last_wait_lands_on_the_deadline() -> None:
    poller = Poller(started_at=0.0, timeout=45.0)
    assert poller.next_wait(0.0, 30.0) == 30.0
    assert poller.next_wait(30.0, 30.0) == 15.0, "cut short: one last look exactly at the deadline"
    assert poller.next_wait(45.0, 30.0) is None
    assert poller.next_wait(40.0, 2.0, retry_after=10.0) is None, "Retry-After reaches past the deadline"
    assert poller.next_wait(0.0, 2.0, retry_after=0.0) == MIN_INTERVAL


def test_poller_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="timeout"):
        Poller(started_at=0.0, timeout=-1)
    with pytest.raises(ValueError, match="interval"):
        Poller(started_at=0.0, min_interval=5, max_interval=1)


# --- job records ----------------------------------------------------------------------------

text = st.text(min_size=1, max_size=40)


@given(
    model=text,
    queue_id=text,
    url=st.one_of(st.none(), st.just("https://cdn.example/v/abc.mp4?X-Amz-Signature=secret")),
    quote=st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
    status=st.sampled_from(["QUEUED", "PROCESSING", "COMPLETED"]),
    saved=st.one_of(st.none(), text),
    cleaned=st.booleans(),
)
def test_a_job_survives_its_json(
    model: str, queue_id: str, url: str | None, quote: float | None, status: str, saved: str | None, cleaned: bool
) -> None:
    job = VideoJob(model=model, queue_id=queue_id, download_url=url, quote_usd=quote, status=status)
    job.saved_path, job.cleaned_up = saved, cleaned
    again = VideoJob.from_json(job.to_json())
    assert again.to_json() == job.to_json()
    assert (again.model, again.queue_id, again.download_url, again.queued_at) == (
        model,
        queue_id,
        url,
        job.queued_at,
    )
    assert json.loads(job.to_json())["version"] == 1
    assert AsyncVideoJob.from_json(job.to_json()).to_json() == job.to_json(), "sync and async jobs share the format"


def test_job_json_is_checked() -> None:
    video = VideoJob(model="m", queue_id="q").to_json()
    with pytest.raises(ValueError, match="not a audio job"):
        AudioJob.from_json(video)
    with pytest.raises(ValueError, match="version 2"):
        VideoJob.from_json({**json.loads(video), "version": 2})
    with pytest.raises(ValueError, match="queue_id"):
        VideoJob.from_json({**json.loads(video), "queue_id": None})
    assert VideoJob.from_json({**json.loads(video), "future_field": 1}).queue_id == "q", "unknown keys are ignored"


def test_queued_at_is_an_iso_timestamp_and_the_repr_hides_the_url_signature() -> None:
    job = VideoJob(model="m", queue_id="q", download_url="https://cdn.example/a.mp4?X-Amz-Signature=s3cr3t")
    assert job.queued_at.endswith("+00:00") and "T" in job.queued_at
    assert "s3cr3t" not in repr(job) and "https://cdn.example/a.mp4?…" in repr(job)


def _answer(body: object, content_type: str = "application/json") -> httpx.Response:
    return httpx.Response(200, content=json.dumps(body).encode(), headers={"content-type": content_type})


def test_retrieve_answers_are_read_leniently() -> None:
    full = RetrieveStatus.read(
        _answer({"status": "PROCESSING", "average_execution_time": 145000, "execution_duration": 38000}), "job"
    )
    assert (full.status, full.average_ms, full.duration_ms, full.completed) == ("PROCESSING", 145000, 38000, False)
    bare = RetrieveStatus.read(_answer({"status": "COMPLETED"}), "job")
    assert bare.completed and bare.average_ms is None, "a finished job without timings still counts"
    assert RetrieveStatus.read(_answer({"status": "FAILED"}), "job").failed
    with pytest.raises(ResponseValidationError, match="without a status"):
        RetrieveStatus.read(_answer({"average_execution_time": 1}), "job")
