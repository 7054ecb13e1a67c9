"""The fake Venice with an enforced rate limit, as a subprocess for `bench_batch`.

`python -m tests.bench.ratelimited_server REQUESTS WINDOW`: at most REQUESTS per WINDOW
seconds; prints the base URL line `fake_server` reads, stops when stdin closes.
"""

from __future__ import annotations

import sys

from venice_ext.testing import FakeVenice, RateLimit


def main() -> int:
    requests, window = int(sys.argv[1]), float(sys.argv[2])
    with FakeVenice(rate_limit=RateLimit(requests=requests, window=window)) as fake:
        print(f"VENICE_BASE_URL={fake.base_url}", flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
