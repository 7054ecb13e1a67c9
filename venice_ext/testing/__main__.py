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

from venice_ext.testing._server import FakeVenice


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m venice_ext.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--api-key", default="test-key", help="key requests must carry (default: test-key)")
    parser.add_argument("--any-key", action="store_true", help="accept requests with any key or none")
    parser.add_argument("--stdin", action="store_true", help="stop when standard input reaches end of file")
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
    with FakeVenice(api_key=None if args.any_key else args.api_key) as fake:
        print(f"VENICE_BASE_URL={fake.base_url}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
