"""Fetch benchmark: N feeds from H loopback addresses, each response delayed, against its bounds.

    .venv/bin/python benchmarks/bench_fetch.py            # 1,000 feeds, 100 hosts, 100 ms each
    .venv/bin/python benchmarks/bench_fetch.py --n 200 --hosts 20

The server runs in its own process on 127.0.0.1 .. 127.0.0.H (Linux routes 127/8 to lo), ten feeds
per address by default, so the per-host limit acts as it would on the internet. Figures:
- run 1 wall time against the concurrency bound: N x delay / min(concurrency, hosts x per_host);
- the same against a sequential ``feedparser.parse(url)`` loop, timed on --baseline-n feeds and
  extrapolated to N (said so in the output);
- run 2 (every source answers 304 Not Modified): wall time and the share not modified;
- peak memory (max RSS) of the fetching process.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def serve(hosts: tuple[str, ...], n: int, delay: float, items: int, ready: mp.Queue, stop: mp.Event) -> None:  # type: ignore[type-arg]
    from httpserver import FeedServer, Reply, rss

    server = FeedServer(hosts=hosts)
    for i in range(n):
        server.routes[f"/feed{i}.xml"] = Reply(body=rss(title=f"Feed {i}", items=items, prefix=f"f{i}"), etag=f'"v{i}"', delay=delay)
    server.start()
    ready.put(server.ports)
    stop.wait()
    server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="feeds (default 1000)")
    ap.add_argument("--hosts", type=int, default=100, help="loopback addresses 127.0.0.1..H (default 100)")
    ap.add_argument("--delay", type=float, default=0.1, help="server delay per response, seconds (default 0.1)")
    ap.add_argument("--items", type=int, default=5, help="entries per feed (default 5)")
    ap.add_argument("--concurrency", type=int, default=None, help="global limit (default: feedhub's, 16)")
    ap.add_argument("--parse-workers", type=int, default=None, help="parsing processes (default: feedhub's choice)")
    ap.add_argument("--baseline-n", type=int, default=100, help="feeds timed for the feedparser loop (default 100)")
    args = ap.parse_args()

    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(var, None)  # the baseline's urllib would otherwise route loopback through a proxy

    from feedhub.fetch.http import FetchConfig
    from feedhub.fetch.runner import run_fetch
    from feedhub.store import open_store
    from feedhub.store.db import session_factory
    from feedhub.subscriptions.manage import SourceSpec, add_source

    hosts = tuple(f"127.0.0.{i}" for i in range(1, args.hosts + 1))
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    stop = ctx.Event()
    proc = ctx.Process(target=serve, args=(hosts, args.n, args.delay, args.items, ready, stop), daemon=True)
    proc.start()
    ports: dict[str, int] = ready.get(timeout=120)
    urls = [f"http://{hosts[i % len(hosts)]}:{ports[hosts[i % len(hosts)]]}/feed{i}.xml" for i in range(args.n)]

    cfg = FetchConfig(allow_private=True)
    if args.concurrency:
        cfg = replace(cfg, concurrency=args.concurrency)
    if args.parse_workers is not None:
        cfg = replace(cfg, parse_workers=args.parse_workers)
    at_once = min(cfg.concurrency, len(hosts) * cfg.per_host, args.n)
    bound = args.n * args.delay / at_once
    try:
        with tempfile.TemporaryDirectory() as tmp:
            engine = open_store(f"sqlite:///{tmp}/bench.db")
            with session_factory(engine)() as session, session.begin():
                for i, url in enumerate(urls):
                    add_source(session, SourceSpec(kind="rss", url=url, name=f"feed {i}"))
            print(f"{args.n} feeds on {len(hosts)} loopback addresses, {args.delay * 1000:.0f} ms per response, "
                  f"{args.items} entries each; concurrency {cfg.concurrency}, per host {cfg.per_host}")

            t0, c0 = time.perf_counter(), time.process_time()
            first = run_fetch(engine, cfg=cfg)
            run1, cpu1 = time.perf_counter() - t0, time.process_time() - c0
            t = first.totals()
            print(f"run 1: {run1:.2f} s wall, {cpu1:.2f} s CPU in this process ({1000 * cpu1 / args.n:.1f} ms a feed); "
                  f"{t['ok']} ok, {t['errors']} errors, {t['new']} entries stored")
            print(f"  concurrency bound: {args.n} x {args.delay:g} s / {at_once} at once = {bound:.2f} s; "
                  f"run 1 / bound = {run1 / bound:.2f}x (goal <= 1.5x)")

            t0, c0 = time.perf_counter(), time.process_time()
            second = run_fetch(engine, cfg=cfg, force=True)
            run2, cpu2 = time.perf_counter() - t0, time.process_time() - c0
            nm = second.count("not modified")
            print(f"run 2 (conditional GET): {run2:.2f} s wall, {cpu2:.2f} s CPU; {nm}/{len(second.results)} not modified = "
                  f"{100 * nm / max(len(second.results), 1):.1f} % (goal >= 95 %)")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            engine.dispose()

        import feedparser

        k = min(args.baseline_n, args.n)
        t0 = time.perf_counter()
        parsed = 0
        for url in urls[:k]:
            d = feedparser.parse(url)
            parsed += len(d.entries)
        loop_k = time.perf_counter() - t0
        loop_n = loop_k * args.n / k
        print(f"baseline: sequential feedparser.parse(url) loop on {k} feeds took {loop_k:.2f} s ({parsed} entries); "
              f"extrapolated to {args.n} feeds: {loop_n:.1f} s" + (" (measured, not extrapolated)" if k == args.n else ""))
        print(f"  speed-up of run 1 over the loop: {loop_n / run1:.1f}x (goal >= 10x)")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end (wall times stretch when it exceeds the cores)")
        print(f"peak memory (max RSS of the fetching process): {peak:.0f} MB (goal <= 500 MB)")
    finally:
        stop.set()
        proc.join(timeout=15)
        if proc.is_alive():
            proc.terminate()


if __name__ == "__main__":
    main()
