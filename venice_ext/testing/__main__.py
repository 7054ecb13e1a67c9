"""`python -m venice_ext.testing`: run the fake Venice server until interrupted.

Prints one line, `VENICE_BASE_URL=http://127.0.0.1:PORT/api/v1`, once it listens,
so a script (the demo, a benchmark) can start it as a subprocess and read where
to connect. Stops on SIGINT, SIGTERM, or when its standard input closes with
--stdin.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from venice_ext.testing._replies import Action, RecordedRequest, Reply, Respond
from venice_ext.testing._server import FakeVenice


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m venice_ext.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--api-key", default="test-key", help="key requests must carry (default: test-key)")
    parser.add_argument("--any-key", action="store_true", help="accept requests with any key or none")
    parser.add_argument("--stdin", action="store_true", help="stop when standard input reaches end of file")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument(
        "--slow-jobs",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="video and audio jobs stay PROCESSING this long after queueing (to try Ctrl-C and --resume)",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def stop_at_end_of_input() -> None:
        sys.stdin.read()
        stop.set()

    if args.stdin:
        threading.Thread(target=stop_at_end_of_input, daemon=True).start()
    with FakeVenice(api_key=None if args.any_key else args.api_key, port=args.port) as fake:
        if args.slow_jobs > 0:
            slow_jobs(fake, args.slow_jobs)
        print(f"VENICE_BASE_URL={fake.base_url}", flush=True)
        stop.wait()
    return 0


def slow_jobs(fake: FakeVenice, seconds: float) -> None:
    """Make `/video/retrieve` and `/audio/retrieve` answer PROCESSING until `seconds` after the last queue."""
    for kind in ("video", "audio"):
        queued: list[float] = []

        def note_queue(previous: Action | None, queued: list[float] = queued) -> Action:
            def answer(request: RecordedRequest) -> Action:
                queued[:] = [request.received_at]
                return previous if previous is not None else Reply(404)

            return Respond(answer)

        def hold(previous: Action | None, queued: list[float] = queued) -> Action:
            def answer(request: RecordedRequest) -> Action:
                elapsed = request.received_at - (queued[0] if queued else request.received_at)
                if queued and elapsed < seconds:
                    return Reply(
                        json={
                            "status": "PROCESSING",
                            "average_execution_time": int(seconds * 1000),
                            "execution_duration": int(elapsed * 1000),
                        }
                    )
                return previous if previous is not None else Reply(404)

            return Respond(answer)

        fake.wrap_default("POST", f"/{kind}/queue", note_queue)
        fake.wrap_default("POST", f"/{kind}/retrieve", hold)


if __name__ == "__main__":
    sys.exit(main())
