"""Peak memory of `feedhub fetch` against hostile sources (issue 18: goal under 500 MB whatever a source returns).

    .venv/bin/python benchmarks/bench_hostile.py
    .venv/bin/python benchmarks/bench_hostile.py --many 64

Sources: file:///dev/zero, an endless HTTP body, an endless chunked body, a gzip bomb (1 GiB of zeros,
about 1 MiB on the wire) and an honest 200 MiB body, on a loopback server (tests/hostile/hostile_server.py).
Figures: the peak resident set (max RSS of the fetch and its children) for
- the baseline: one ordinary small feed, measured in the same run;
- one source of each hostile kind plus the ordinary one;
- ``--many`` hostile sources at once (endless and bombs, default 32: twice the default concurrency, so
  every slot holds a body growing to the cap at the same time);
- ``--large`` valid 12 MiB feeds (under the cap), which download faster than one store thread parses
  them: without a bound on the bodies waiting to be stored they pile up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile.conftest import env_for, feedhub  # noqa: E402
from tests.hostile.hostile_server import HostileServer, peak_rss_mib  # noqa: E402

GOAL_MIB = 500


def measure(server: HostileServer, urls: list[str], label: str) -> float:
    home = Path(tempfile.mkdtemp(prefix="bench-hostile-")) / "home"
    opml = home.parent / "list.opml"
    opml.write_text('<opml version="2.0"><body>' + "".join(f'<outline text="s{i}" xmlUrl="{u}"/>' for i, u in enumerate(urls)) + "</body></opml>")
    added = feedhub(home, "source", "import-opml", str(opml), "--allow-files")
    assert added.returncode == 0, added.stderr
    feedhub(home, "index", "rebuild")  # the empty index now, so the fetch's own figure is the fetch
    t0 = time.perf_counter()
    status, peak, _, stderr = peak_rss_mib([sys.executable, "-m", "feedhub", "fetch", "--allow-private", "--quiet"], env_for(home))
    took = time.perf_counter() - t0
    assert "Traceback" not in stderr, stderr
    print(f"{label:<48} {len(urls):>4} sources  peak {peak:7.1f} MiB  {took:6.1f} s  exit {status}")
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--many", type=int, default=32, help="endless bodies and bombs fetched at once")
    parser.add_argument("--large", type=int, default=48, help="valid feeds just under the body cap, fetched at once")
    args = parser.parse_args()
    with HostileServer() as server:
        baseline = measure(server, [server.url("/fine")], "baseline: one ordinary feed")
        kinds = ["file:///dev/zero", *(server.url(p) for p in ("/endless", "/chunked", "/bomb", "/big", "/fine"))]
        one_each = measure(server, kinds, "one of each hostile kind (+ one ordinary)")
        # Spread over 16 loopback addresses (Linux routes 127/8 to lo), so the per-host limit does not
        # serialize them: every one of the run's concurrency slots holds a growing body at once.
        others = [HostileServer(f"127.0.0.{2 + h}", bomb=server.bomb).__enter__() for h in range(16)]
        try:
            many = [others[i % 16].url(f"/endless?{i}" if i % 2 else f"/bomb?{i}") for i in range(args.many)]
            crowd = measure(server, many, f"{args.many} endless bodies and gzip bombs, 16 hosts")
            large = [others[i % 16].url(f"/large?{i}") for i in range(args.large)]
            piled = measure(server, large, f"{args.large} valid 12 MiB feeds, 16 hosts")
        finally:
            for other in others:
                other.__exit__()
    worst = max(one_each, crowd, piled)
    print(f"worst peak {worst:.1f} MiB = {worst / baseline:.2f}x the baseline ({baseline:.1f} MiB); goal < {GOAL_MIB} MiB: "
          + ("met" if worst < GOAL_MIB else "NOT met"))


if __name__ == "__main__":
    main()
