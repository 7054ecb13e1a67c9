"""Shared by the benchmark modules: rounds in alternating order, medians, the printed rows.

The machines are shared and noisy (two cores, other jobs on them), so a number only
means something next to its baseline measured in the same run: every row's runners
take turns in each round, the order reversed every other round so that neither always
runs warm or cold, and a row reports the median of the rounds; a ratio is the median of
the rounds' own ratios (each runner against the baseline measured next to it), so a
slow spell of the machine that lasts a round or two moves the pair, not the ratio. CPU-bound rows read
this process's CPU time (`time.process_time`), which other processes cannot inflate;
rows about waiting (first token, concurrency) read the wall clock.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench.fake_process import fake_server

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
ROOT = Path(__file__).resolve().parents[2]
# Third-party data, read where make install's spec source sits, never copied into the repo.
SNAPSHOT = Path(
    os.environ.get("VENICE_MODELS_SNAPSHOT", ROOT.parent / "shared" / "venice-spec" / "models-snapshot.json")
)


class Rows(dict[str, float]):
    """The median figure per runner, each round's figures kept for paired ratios."""

    def __init__(self, samples: dict[str, list[float]]) -> None:
        super().__init__({name: statistics.median(values) for name, values in samples.items()})
        self.samples = samples

    def ratio(self, name: str, baseline: str) -> float:
        """The median over rounds of name's figure over the baseline's in the same round."""
        pairs = [value / base for value, base in zip(self.samples[name], self.samples[baseline], strict=True) if base]
        return statistics.median(pairs) if pairs else self[name] / self[baseline]


def alternating(runners: dict[str, Callable[[], float]], rounds: int = ROUNDS) -> Rows:
    """Each runner measures one round and returns its figure; the median per runner."""
    names = list(runners)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            samples[name].append(runners[name]())
    return Rows(samples)


def cpu_per_call(call: Callable[[], object], calls: int) -> Callable[[], float]:
    """A runner: CPU seconds per call over `calls` calls.

    Each round starts from a collected heap. A full collection walks every object of the
    process (about 100,000 once openai-python is imported for its row, some 50 ms), and it
    falls on whichever runner is running when the counts of all earlier rounds add up to
    one: measured inside a 150-call round it moved a row's figure by more than 40% either
    way. The young collections a runner's own garbage causes stay in its figure.
    """

    def run() -> float:
        gc.collect()
        started = time.process_time()
        for _ in range(calls):
            call()
        return (time.process_time() - started) / calls

    return run


def bytecode_instructions(call: Callable[[], object]) -> int:
    """Python bytecode instructions one call runs (after two warm-up calls): a count, not a
    time, so the noise of a shared machine cannot move it. Work done in C (sockets, json)
    does not count, which is why it only complements the CPU rows."""
    call()
    call()
    executed = 0

    def trace(frame: Any, event: str, arg: object) -> Any:
        nonlocal executed
        frame.f_trace_opcodes = True
        if event == "opcode":
            executed += 1
        return trace

    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return executed


def bench_server() -> object:
    """The benchmarks' fake Venice (tests/bench/stream_server.py) in its own process."""
    extra = ("--models", str(SNAPSHOT)) if SNAPSHOT.is_file() else ()
    return fake_server("tests.bench.stream_server", *extra)


def show(
    title: str,
    rows: dict[str, float],
    *,
    unit: str,
    scale: float,
    baseline: str | None = None,
    goal: str = "",
) -> None:
    """Print a row group: each value, and its ratio to `baseline` when there is one."""
    print(f"{title}{f'  (goal: {goal})' if goal else ''}")
    for name, value in rows.items():
        ratio = ""
        if baseline and rows.get(baseline):
            paired = rows.ratio(name, baseline) if isinstance(rows, Rows) and baseline in rows.samples else None
            ratio = f"   {paired if paired is not None else value / rows[baseline]:5.2f}x {baseline}"
        print(f"  {name:<40} {value * scale:10.2f} {unit}{ratio}", flush=True)
