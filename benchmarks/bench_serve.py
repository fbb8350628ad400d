"""`feedhub serve` at 1M papers and 100k entries: page latency (p50/p95, 1 and 20 clients) and cold start (issue 16).

Run: .venv/bin/python benchmarks/bench_serve.py [--papers 1000000] [--entries 100000] [--db /tmp/serve-1m.db] [--workers 2]

The store is benchmarks/bench_digest.py's (imported, not copied): papers spread over 2015-2019, entries from 30
sources; each paper's title, abstract and categories are those of one of the ~4,000 real papers in
../shared/corpora/arxiv/real (--text real, the default: real words at real document frequencies, which is
what a search costs; --text synthetic keeps bench_digest's 22-word vocabulary, where every query word is in
~85 % of abstracts, as sessions 3-5 measured it), built once into a migrated SQLite file and kept with --db; the search index is built beside it (in
DB's folder, ``<db stem>-home/index``) the way ``feedhub index rebuild`` builds it, and reused when present.

The real server: ``python -m feedhub --db DB --home HOME serve --host 127.0.0.1 --port FREE --tz UTC`` in a
subprocess (uvicorn, one process). Cold start is process launch to its first HTTP answer (polling
/static/feedhub.css), launched --cold-runs times; baseline in the same loop: a bare Starlette app serving the
same file under uvicorn (the framework's floor). The client signs in by following the one-time link that
``feedhub serve`` prints, as a person does, then asks each page once (the first week page builds the digest;
it is then cached for 10 minutes) and measures, with 1 and with 20 concurrent clients (a lean HTTP/1.1 client
on asyncio streams, one keep-alive connection per client, so that on 2 cores the load is the server's; it also
prints the server process's CPU per request from /proc, which other work on the machine does not inflate as it
does latency, and its own):
  static   /static/feedhub.css (the baseline: the same server answering a file)
  week     /week/2018-W08
  search   /search?q=... over 8 queries (words, two words, a phrase, filters, a prefix), each asked again and again:
           from the second ask the server reuses the page (pages.run_search) while the store is unchanged
  search-new  /search?q=... where every request is a search never asked before (fresh_queries: a word or two of
           a real title): what a search costs when nothing can be reused
  paper    /paper/ID for random ids that exist
Every answer must be 200; a non-200 or a dropped connection is counted as failed (a fast 404 is no figure).
Goal: p95 <= 50 ms at 20 clients on 2 cores; cold start <= 2 s. Never touches the network
(FEEDHUB_ARXIV_ENRICH=0, loopback only).

--profile runs the week, search and paper views in-process under cProfile (the library calls the routes make
in their worker thread) and times the same requests through Starlette's TestClient, to say where time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ["FEEDHUB_ARXIV_ENRICH"] = "0"

import httpx  # noqa: E402
from bench_digest import build_store, real_texts  # noqa: E402

WEEK = "2018-W08"
GOAL_P95_MS = 50.0
GOAL_COLD_S = 2.0
STATIC = "/static/feedhub.css"
FRESH = {"search-new"}  # cases whose every request is a new one (nothing the server could reuse)
# Realistic asks over the generator's vocabulary (bench_digest.WORDS): a word, two words, a phrase, filters, a prefix.
QUERIES = ["transformer", "graph attention", '"deep learning"', "reinforcement policy cat:cs.LG", "bayesian inference year:2017..2018",
           "adversarial*", "sparse robust optimization", "language model"]  # fmt: skip
BARE_APP = ("import sys, uvicorn\nfrom starlette.applications import Starlette\nfrom starlette.routing import Mount\n"
            "from starlette.staticfiles import StaticFiles\n"
            "app = Starlette(routes=[Mount('/static', app=StaticFiles(directory=sys.argv[1]))])\n"
            "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')\n")  # fmt: skip


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the store and its index ---------------------------------------------------------------------------------

def prepare(db: Path, home: Path, n_papers: int, n_entries: int, text: str = "real") -> Any:
    from feedhub.config import load_settings
    from feedhub.search import index as ix
    from feedhub.search.schema import read_meta
    from feedhub.store import open_store

    if not db.exists():
        build_store(db, n_papers, n_entries, texts=real_texts() if text == "real" else None)
    else:
        print(f"store: reusing {db}")
    home.mkdir(parents=True, exist_ok=True)
    settings = load_settings(db=str(db), home=home)
    if read_meta(settings.index_dir) is None:
        engine = open_store(settings.db_url)
        stats = ix.rebuild(settings, engine, notify=None)
        engine.dispose()
        print(f"search index built: {stats.documents:,} documents in {stats.seconds:.1f} s ({settings.index_dir})")
    else:
        print(f"search index: reusing {settings.index_dir}")
    return settings


def sample_ids(db: Path, n: int, seed: int = 1) -> list[str]:
    con = sqlite3.connect(db)
    total = con.execute("SELECT MAX(rowid) FROM papers").fetchone()[0]
    rng = random.Random(seed)
    ids: list[str] = []
    while len(ids) < n:
        row = con.execute("SELECT arxiv_id FROM papers WHERE rowid = ?", (rng.randint(1, total),)).fetchone()
        if row:
            ids.append(row[0])
    con.close()
    return ids


def counts(db: Path) -> tuple[int, int]:
    con = sqlite3.connect(db)
    papers = con.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
    entries = con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    con.close()
    return int(papers), int(entries)


# -- the server ----------------------------------------------------------------------------------------------

def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, FEEDHUB_HOME=str(home), FEEDHUB_ARXIV_ENRICH="0")
    for name in ("FEEDHUB_DB_URL", "FEEDHUB_MEMBER"):
        env.pop(name, None)
    return env


def launch(cmd: list[str], env: dict[str, str], log: Path, port: int, timeout: float = 120.0) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``cmd``; seconds from launch to the first HTTP answer on STATIC (any status)."""
    out = log.open("wb")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}{STATIC}"
    with httpx.Client(timeout=5.0, trust_env=False) as client:
        while True:
            try:
                client.get(url)
                return proc, time.perf_counter() - t0
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"the server exited ({proc.returncode}) before answering:\n{log.read_text(errors='replace')[-3000:]}")
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                raise SystemExit(f"no answer in {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.005)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve_cmd(db: Path, home: Path, port: int, workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "feedhub", "--db", str(db), "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port), "--tz", "UTC",
            "--workers", str(workers)]  # fmt: skip


def signin(base: str, log: Path) -> str:
    """Follow the one-time link ``feedhub serve`` printed; the session cookie it sets."""
    from feedhub.web.app import SESSION_COOKIE

    found = re.search(r"(http://\S+/signin/\S+)", log.read_text(errors="replace"))
    if not found:
        raise SystemExit(f"no sign-in link in the server's output:\n{log.read_text(errors='replace')}")
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        r = client.get(found.group(1), follow_redirects=False)
        token = r.cookies.get(SESSION_COOKIE)
        if r.status_code != 303 or not token:
            raise SystemExit(f"sign-in link answered {r.status_code} without a session cookie")
        check = client.get(f"{base}/week/{WEEK}", cookies={SESSION_COOKIE: token})
        if check.status_code != 200:
            raise SystemExit(f"signed in, but /week/{WEEK} answered {check.status_code}")
    return token


# -- load ----------------------------------------------------------------------------------------------------

async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, int]:
    """One GET over a kept-alive HTTP/1.1 connection: (status, body bytes). A lean client (no parsing beyond the
    status line, Content-Length or chunks) so that on a 2-core machine the load it makes is the server's."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status, length
    size = 0
    while True:
        n = int((await reader.readline()).split(b";")[0].strip(), 16)
        await reader.readexactly(n + 2)
        size += n
        if n == 0:
            return status, size


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server has used, its worker processes (--workers N) included: its cost per
    request, whatever else runs."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # the server itself, or a process it started
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def _load_run(base: str, cookie: dict[str, str], paths: list[str], clients: int, max_s: float) -> tuple[list[float], int, int, float]:
    """``clients`` workers over one keep-alive connection each, taking the next path in turn, until the paths are
    done or ``max_s`` passed. (latencies ms of the answers, failures (non-200 or no answer), bytes of the last body,
    wall s)."""
    latencies: list[float] = []
    bad = 0
    size = 0
    queue = iter(paths)
    t_start = time.perf_counter()
    url = httpx.URL(base)
    host, port = url.host, url.port or 80
    cookies = "; ".join(f"{k}={v}" for k, v in cookie.items())

    async def worker() -> None:
        nonlocal bad, size
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for path in queue:
                if time.perf_counter() - t_start > max_s:
                    return
                request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n\r\n".encode()
                t0 = time.perf_counter()
                try:
                    status, size = await _get(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError, ValueError):  # the server dropped the connection
                    bad += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    bad += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, bad, size, time.perf_counter() - t_start


def fresh_queries(n: int, seed: int = 5) -> list[str]:
    """``n`` different searches nobody asked before, as people type them: a word or two consecutive words of a
    real paper's title (../shared/corpora/arxiv/real), stop-words and words under 4 letters left out, half of them
    one word and half two. The server has seen none of them, so no page is reused: each costs a full search."""
    stop = set("a an the of for and in on with to from via by is are at as its using towards toward based into over under new "
               "can do not be how what when why which this that your our their".split())  # fmt: skip
    rng = random.Random(seed)
    titles = [t for t, _, _ in real_texts()]
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        words = [w for w in re.findall(r"[a-z][a-z0-9\-]+", rng.choice(titles).lower()) if len(w) >= 4 and w not in stop]
        if not words:
            continue
        i = rng.randrange(len(words))
        q = " ".join(words[i : i + 1 + (len(out) % 2)])
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def measure(base: str, cookie: dict[str, str], cases: dict[str, list[str]], requests: int, max_s: float, pid: int) -> list[dict[str, Any]]:
    rows = []
    used: dict[str, int] = {}  # a "fresh" case walks its pool once: the 20-client run asks what the 1-client run did not
    for clients in (1, 20):
        for name, pool in cases.items():
            n = requests if clients == 1 else requests * 2
            if name in FRESH:
                start = used.get(name, 0)
                paths = pool[start : start + n]
                used[name] = start + n
            else:
                paths = [pool[i % len(pool)] for i in range(n)]
            cpu0, mine0 = server_cpu(pid), time.process_time()
            lat, bad, size, wall = asyncio.run(_load_run(base, cookie, paths, clients, max_s))
            cpu, mine = server_cpu(pid) - cpu0, time.process_time() - mine0
            lat = lat or [float("nan")]
            rows.append({"case": name, "clients": clients, "n": len(lat), "bad": bad, "p50": pct(lat, 0.5), "p95": pct(lat, 0.95),
                         "max": max(lat), "rps": len(lat) / wall, "bytes": size, "cpu": cpu * 1000 / len(lat), "client_cpu": mine * 1000 / len(lat)})  # fmt: skip
            print(f"  measured {name:<10} x{clients:<2}: {len(lat)} requests in {wall:.1f} s (load average {_load()})", flush=True)
    return rows


# -- profile -------------------------------------------------------------------------------------------------

def profile(settings: Any, ids: list[str], top: int) -> None:
    """The three views in-process: the library call each route makes (under cProfile), and the whole request
    through Starlette's TestClient (timed), so the difference is rendering and the framework."""
    import cProfile
    import io
    import pstats

    from starlette.testclient import TestClient

    from feedhub.search import accounts
    from feedhub.search.members import default_member
    from feedhub.store.db import transaction
    from feedhub.store.types import utcnow
    from feedhub.web import pages
    from feedhub.web.app import SESSION_COOKIE, Viewer, create_app

    app = create_app(settings, tz="UTC")
    srv = app.state.server
    with transaction(srv.engine) as s:
        m = default_member(s)
        started = accounts.start_session(s, m, utcnow())
        viewer = Viewer(m.id, m.name, bool(m.is_admin), m.lang or "en", csrf=started.csrf, session_token=started.token)
    views = {
        # the week's view is profiled uncached (the digest build a first ask pays; later asks hit the 10-minute cache)
        "week": (lambda i: (srv.weeks.clear(), pages.week_model(srv, WEEK, "en", None)), lambda i: f"/week/{WEEK}"),
        "search": (lambda i: pages.run_search(srv, viewer, {"q": QUERIES[i % len(QUERIES)]}), lambda i: "/search?" + httpx.QueryParams({"q": QUERIES[i % len(QUERIES)]}).__str__()),
        "paper": (lambda i: pages.paper_view(srv, viewer, ids[i % len(ids)]), lambda i: f"/paper/{ids[i % len(ids)]}"),
    }  # fmt: skip
    with TestClient(app, cookies={SESSION_COOKIE: started.token}) as client:
        for name, (call, path) in views.items():
            client.get(path(0))  # warm-up (the week: builds and caches the digest)
            call(0)
            n = 16
            t_req = []
            for i in range(n):
                t0 = time.perf_counter()
                r = client.get(path(i))
                t_req.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (path(i), r.status_code)
            t_call = []
            prof = cProfile.Profile()
            for i in range(n):
                t0 = time.perf_counter()
                prof.enable()
                call(i)
                prof.disable()
                t_call.append((time.perf_counter() - t0) * 1000)
            print(f"\n== profile {name}: whole request (TestClient) median {statistics.median(t_req):.1f} ms; "
                  f"the view's library call median {statistics.median(t_call):.1f} ms (n={n})")  # fmt: skip
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
            print("\n".join(line for line in buf.getvalue().splitlines() if line.strip())[:12000])


# -- main ----------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=1_000_000)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="Keep the store here (built if absent; its index beside it).")
    ap.add_argument("--requests", type=int, default=200, help="requests per page at 1 client (twice as many at 20)")
    ap.add_argument("--max-seconds", type=float, default=40.0, help="stop a page's run after this long (a very slow page)")
    ap.add_argument("--cold-runs", type=int, default=3)
    ap.add_argument("--text", choices=("real", "synthetic"), default="real",
                    help="papers' titles, abstracts and categories: copies of the real abstracts in ../shared/corpora/arxiv/real "
                         "(default), or bench_digest's 22 words, each in ~85%% of abstracts (sessions 3-5's figures); "
                         "a --db built one way is reused as it is")  # fmt: skip
    ap.add_argument("--workers", type=int, default=1, help="feedhub serve --workers N (server processes)")
    ap.add_argument("--profile", action="store_true", help="also profile the views in-process (cProfile, TestClient)")
    ap.add_argument("--top", type=int, default=25, help="lines of each profile")
    args = ap.parse_args()
    print(f"load average at start: {_load()} on {os.cpu_count()} CPUs (other work on the machine inflates wall times)")
    db = (args.db or Path(tempfile.mkdtemp(prefix="feedhub-bench-")) / "bench.db").resolve()
    home = db.parent / f"{db.stem}-home"
    settings = prepare(db, home, args.papers, args.entries, args.text)
    n_papers, n_entries = counts(db)
    ids = sample_ids(db, 300)
    env = _env(home)

    # cold start: feedhub serve, and the bare Starlette app in the same loop
    colds: list[float] = []
    bares: list[float] = []
    proc = None
    for run in range(args.cold_runs):
        port = free_port()
        bare, t_bare = launch([sys.executable, "-c", BARE_APP, str(HERE.parent / "feedhub" / "web" / "static"), str(port)], env, home / "bare.log", port)
        stop(bare)
        bares.append(t_bare)
        port = free_port()
        proc, t = launch(serve_cmd(db, home, port, args.workers), env, home / "serve.log", port)
        colds.append(t)
        if run < args.cold_runs - 1:
            stop(proc)
    assert proc is not None
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.perf_counter()
        token = signin(base, home / "serve.log")  # includes the first /week/WEEK: the digest is built here
        first_week = time.perf_counter() - t0
        from feedhub.web.app import SESSION_COOKIE

        cookie = {SESSION_COOKIE: token}
        fresh = ["/search?" + str(httpx.QueryParams({"q": q})) for q in fresh_queries(args.requests * 3 + 10)]
        cases = {
            "static": [STATIC],
            "week": [f"/week/{WEEK}"],
            "search": ["/search?" + str(httpx.QueryParams({"q": q})) for q in QUERIES],
            "search-new": fresh[10:],
            "paper": [f"/paper/{i}" for i in ids],
        }
        with httpx.Client(base_url=base, cookies=cookie, timeout=120.0, trust_env=False) as c:  # warm-up: each path once
            warm: dict[str, float] = {}
            for name, pool in cases.items():
                t1 = time.perf_counter()
                for path in fresh[:10] if name in FRESH else pool[:10]:  # a fresh case warms up on searches it never measures
                    r = c.get(path)
                    if r.status_code != 200:
                        raise SystemExit(f"warm-up: {path} answered {r.status_code}: {r.text[:300]}")
                warm[name] = (time.perf_counter() - t1) * 1000 / min(10, len(pool))
        print("warm-up (mean per request, first asks): " + ", ".join(f"{k} {v:.0f} ms" for k, v in warm.items()), flush=True)
        rows = measure(base, cookie, cases, args.requests, args.max_seconds, proc.pid)
    finally:
        stop(proc)

    print(f"\nstore: {n_papers:,} papers, {n_entries:,} entries ({db}); feedhub serve --workers {args.workers}; load average now {_load()}")
    print(f"cold start, launch to first HTTP answer, {args.cold_runs} runs: feedhub serve median {statistics.median(colds):.2f} s "
          f"(min {min(colds):.2f}, max {max(colds):.2f}) [goal <= {GOAL_COLD_S:.0f} s: {'met' if statistics.median(colds) <= GOAL_COLD_S else 'NOT met'}]; "
          f"baseline bare Starlette+uvicorn static app median {statistics.median(bares):.2f} s")  # fmt: skip
    print(f"sign-in by the printed link + first /week/{WEEK} (builds the digest): {first_week * 1000:.0f} ms")
    print(f"\n{'page':<10} {'clients':>7} {'n':>5} {'failed':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>7} {'bytes':>8}  {'p95 / static p95':>16}"
          f"  {'server CPU ms/req':>17}  {'client CPU ms/req':>17}")
    static_p95 = {r["clients"]: r["p95"] for r in rows if r["case"] == "static"}
    for r in rows:
        ratio = r["p95"] / static_p95[r["clients"]] if static_p95.get(r["clients"]) else float("nan")
        print(f"{r['case']:<10} {r['clients']:>7} {r['n']:>5} {r['bad']:>7} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f} {r['rps']:>7.1f} {r['bytes']:>8,}  {ratio:>15.1f}x"
              f"  {r['cpu']:>17.2f}  {r['client_cpu']:>17.2f}")
    print(f"\ngoal: p95 <= {GOAL_P95_MS:.0f} ms at 20 clients on 2 cores (this machine: {os.cpu_count()} CPUs, shared):")
    for r in rows:
        if r["clients"] == 20 and r["case"] != "static":
            print(f"  {r['case']:<10} p95 {r['p95']:.1f} ms: {'met' if r['p95'] <= GOAL_P95_MS and not r['bad'] else 'NOT met'}"
                  + (f" ({r['bad']} failed: non-200 or no answer)" if r["bad"] else ""))  # fmt: skip
    if args.profile:
        profile(settings, ids, args.top)


if __name__ == "__main__":
    main()
