"""Phone lookup and filtered client list under load, on a big database, in one run.

    python -m bench.bench_lookup --backend both --clients 1000000 --keep
    python -m bench.bench_lookup --backend sqlite --reuse bench/results/kompas-sqlite-1000000.db

For each backend: seed (or reuse) a database, start as separate processes a bare aiohttp
app (bench/bare_server.py) and `kompas serve`, get an API token, then load

* bare:   GET /bare of the bare app: the ceiling of this machine and load tool;
* lookup: GET /api/v1/clients/lookup?phone=... with existing numbers typed in mixed forms;
* list:   GET /api/v1/clients?node=A&node=B&page=..&sort=.. with A and B in different
          classifier dimensions;

with the aiohttp load tool (bench/load.py) and, when installed, wrk. Prints a table, checks
the targets (lookup >= 50 % of bare and p99 < 20 ms; list p99 < 100 ms), runs a correctness
probe (a phone changed through the API is found under its new number, and no longer under the
old one, right away) and writes bench/results/lookup-<backend>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_DIR,
    HOST,
    REPO_DIR,
    RESULTS_DIR,
    CpuWatch,
    ServerProcess,
    asyncpg_dsn,
    free_port,
    kompas_command,
    rel,
    sqlite_url,
    wait_idle,
)
from bench.load import Result, run_load, wrk_available, wrk_load
from bench.seed_big import (
    DEFAULT_CLIENTS,
    Manifest,
    manifest_path_for,
    phone_forms,
    random_phone_form,
    seed_database,
)

LOOKUP_SHARE_TARGET = 0.5
LOOKUP_P99_TARGET_MS = 20.0
LIST_P99_TARGET_MS = 100.0
SORTS = ("name", "-created_at", "updated_at", "-name", "inn", "-updated_at")
PAGES = (1, 1, 1, 2, 3, 5, 10)
PG_DATABASE = "kompas_bench"
SECRET = "bench-secret-key-not-for-production-0123456789"
#: Above this share of the machine's CPU used by other processes, a figure is flagged noisy.
OTHER_CPU_WARN_PCT = 10.0


@dataclass
class Database:
    backend: str
    url: str
    manifest: Manifest
    seeded_now: bool
    source: str
    prepare_s: float
    notes: list[str] = field(default_factory=list)
    #: processes serving the database (the postmaster), counted as the benchmark's CPU use
    pids: list[int] = field(default_factory=list)


# -- databases -------------------------------------------------------------------------


def _pg_cluster() -> Any:
    """tests/peers/postgres.py: a throwaway cluster (temp dir, free port, fsync off)."""
    tests_dir = str(REPO_DIR / "tests")
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    peer = importlib.import_module("peers.postgres")
    reason = peer.postgres_available()
    if reason is not None:
        raise SystemExit(f"PostgreSQL is not available: {reason}")
    return peer.PostgresCluster(start_timeout=120)


def _pg_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _pg_tool(cluster: Any, name: str) -> str:
    tool = Path(cluster.bindir) / name
    return str(tool) if tool.exists() else name


@contextlib.asynccontextmanager
async def sqlite_database(args: argparse.Namespace, tmp: Path) -> AsyncIterator[Database]:
    began = time.perf_counter()
    reuse = _reuse_for(args, "sqlite")
    if reuse is not None:
        path = reuse.resolve()
        manifest_file = manifest_path_for(path)
        if not path.is_file() or not manifest_file.is_file():
            raise SystemExit(f"--reuse {reuse}: need the database and {manifest_file.name}")
        manifest = Manifest.read(manifest_file)
        yield Database("sqlite", sqlite_url(path), manifest, False, rel(path), 0.0)
        return
    folder = RESULTS_DIR if args.keep else tmp
    path = (folder / f"kompas-sqlite-{args.clients}.db").resolve()
    if path.exists():
        raise SystemExit(f"{rel(path)} exists: pass --reuse {rel(path)}, or delete it")
    try:
        manifest = await seed_database(sqlite_url(path), args.clients)
    except BaseException:
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        raise
    db = Database(
        "sqlite", sqlite_url(path), manifest, True, rel(path), time.perf_counter() - began
    )
    yield db


@contextlib.asynccontextmanager
async def postgres_database(args: argparse.Namespace, tmp: Path) -> AsyncIterator[Database]:
    began = time.perf_counter()
    if args.pg_url:
        yield await _external_postgres(args, began)
        return
    reuse = _reuse_for(args, "postgresql")
    dump = RESULTS_DIR / f"kompas-pg-{args.clients}.dump"
    if reuse is None and args.keep and dump.exists():
        raise SystemExit(f"{rel(dump)} exists: pass --reuse {rel(dump)}, or delete it")
    if reuse is not None and not manifest_path_for(reuse).is_file():
        raise SystemExit(f"--reuse {reuse}: need the dump and {manifest_path_for(reuse).name}")
    cluster = _pg_cluster()
    await asyncio.to_thread(cluster.start)
    try:
        url = await asyncio.to_thread(cluster.create_database, PG_DATABASE)
        notes = ["throwaway cluster: fsync off, synchronous_commit off, default shared_buffers"]
        pids = _postmaster_pids(cluster)
        if reuse is not None:
            manifest = Manifest.read(manifest_path_for(reuse))
            print(f"restoring {rel(reuse)} ...", flush=True)
            await asyncio.to_thread(_pg_restore, cluster, url, reuse)
            prepare = time.perf_counter() - began
            print(f"  restored and analysed in {prepare:.1f} s", flush=True)
            yield Database("postgresql", url, manifest, False, rel(reuse), prepare, notes, pids)
            return
        manifest_file = (RESULTS_DIR if args.keep else tmp) / "postgres.seed.json"
        manifest = await seed_database(url, args.clients, manifest_path=manifest_file)
        prepare = time.perf_counter() - began
        source = "seeded into a throwaway cluster"
        if args.keep:
            t0 = time.perf_counter()
            await asyncio.to_thread(_pg_dump, cluster, url, dump)
            manifest.write(manifest_path_for(dump))
            manifest_file.unlink()
            source = rel(dump)
            print(f"  dumped to {source} in {time.perf_counter() - t0:.1f} s", flush=True)
        yield Database("postgresql", url, manifest, True, source, prepare, notes, pids)
    finally:
        await asyncio.to_thread(cluster.stop)


def _postmaster_pids(cluster: Any) -> list[int]:
    try:
        first = (Path(cluster.tmp) / "pgdata" / "postmaster.pid").read_text().split("\n", 1)[0]
        return [int(first)]
    except (OSError, ValueError, TypeError):
        return []


async def _external_postgres(args: argparse.Namespace, began: float) -> Database:
    import asyncpg
    from sqlalchemy.engine import make_url

    url: str = args.pg_url
    notes = ["--pg-url: the database server's CPU use counts as other processes'"]
    manifest_file = args.manifest or RESULTS_DIR / f"{make_url(url).database}.seed.json"
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        has_table = await conn.fetchval("SELECT to_regclass('clients') IS NOT NULL")
        count = await conn.fetchval("SELECT count(*) FROM clients") if has_table else 0
    finally:
        await conn.close()
    if count:
        if not manifest_file.is_file():
            raise SystemExit(f"{url} has clients but there is no manifest {manifest_file}")
        manifest = Manifest.read(manifest_file)
        return Database("postgresql", url, manifest, False, "the --pg-url database", 0.0, notes)
    manifest = await seed_database(url, args.clients, manifest_path=manifest_file)
    prepare = time.perf_counter() - began
    return Database("postgresql", url, manifest, True, "the --pg-url database", prepare, notes)


def _pg_dump(cluster: Any, url: str, dump: Path) -> None:
    dump.parent.mkdir(parents=True, exist_ok=True)
    argv = [_pg_tool(cluster, "pg_dump"), "-Fc", "-Z", "1", "-f", str(dump)]
    subprocess.run([*argv, asyncpg_dsn(url)], check=True, env=_pg_env())


def _pg_restore(cluster: Any, url: str, dump: Path) -> None:
    dsn = asyncpg_dsn(url)
    argv = [_pg_tool(cluster, "pg_restore"), "-j", "2", "--no-owner", "-d", dsn, str(dump)]
    subprocess.run(argv, check=True, env=_pg_env())
    subprocess.run(
        [_pg_tool(cluster, "psql"), "-q", "-c", "VACUUM ANALYZE", dsn], check=True, env=_pg_env()
    )


def _reuse_for(args: argparse.Namespace, backend: str) -> Path | None:
    for path in args.reuse or []:
        is_dump = path.suffix == ".dump"
        if is_dump == (backend == "postgresql"):
            return Path(path)
    return None


# -- servers ---------------------------------------------------------------------------


@contextlib.contextmanager
def servers(db: Database, tmp: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    bare_port, kompas_port = free_port(), free_port()
    while kompas_port == bare_port:
        kompas_port = free_port()
    logs = tmp / "logs"
    bare = ServerProcess(
        "bare server",
        [sys.executable, str(BENCH_DIR / "bare_server.py"), "--port", str(bare_port)],
        bare_port,
        log_path=logs / "bare.log",
        cwd=tmp,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOMPAS_")}
    env.update(
        KOMPAS_CONFIG=str(tmp / "no-config.toml"),
        KOMPAS_DATABASE_URL=db.url,
        KOMPAS_HTTP_HOST=HOST,
        KOMPAS_HTTP_PORT=str(kompas_port),
        KOMPAS_SECRET_KEY=SECRET,
        KOMPAS_VAR_DIR=str(tmp / "var"),
        PYTHONFAULTHANDLER="1",
    )
    kompas = ServerProcess(
        "kompas serve",
        kompas_command("serve"),
        kompas_port,
        env=env,
        log_path=logs / f"kompas-{db.backend}.log",
        cwd=tmp,
    )
    try:
        bare.start()
        kompas.start()
        yield bare, kompas
    finally:
        kompas.stop()
        bare.stop()


# -- scenarios -------------------------------------------------------------------------

SCENARIOS = ("bare", "lookup", "lookup-1c", "lookup-cold", "list", "list-1c")


def lookup_urls(base: str, manifest: Manifest, count: int, rng: random.Random) -> list[str]:
    plan = manifest.plan
    urls = []
    for _ in range(count):
        cid = rng.randint(1, manifest.clients)
        typed = random_phone_form(plan.number(cid, rng.randrange(plan.per_client)), rng)
        urls.append(f"{base}/api/v1/clients/lookup?phone={quote(typed, safe='')}")
    return urls


def list_urls(base: str, manifest: Manifest, count: int, rng: random.Random) -> list[str]:
    dims = list(manifest.dimensions.values())
    urls = []
    for _ in range(count):
        first, second = rng.sample(dims, 2)
        query = [
            ("node", rng.choice(first)),
            ("node", rng.choice(second)),
            ("per_page", 50),
            ("page", rng.choice(PAGES)),
            ("sort", rng.choice(SORTS)),
        ]
        urls.append(f"{base}/api/v1/clients?{urlencode(query)}")
    return urls


async def get_token(session: aiohttp.ClientSession, base: str, manifest: Manifest) -> str:
    body = {"username": manifest.admin_login, "password": manifest.admin_password}
    async with session.post(f"{base}/api/v1/auth/token", json=body) as resp:
        data = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"token request failed: {resp.status} {data}")
        return str(data["token"])


async def lookup(session: aiohttp.ClientSession, base: str, typed: str) -> list[dict[str, Any]]:
    async with session.get(f"{base}/api/v1/clients/lookup", params={"phone": typed}) as resp:
        if resp.status != 200:
            raise RuntimeError(f"lookup {typed!r}: {resp.status} {await resp.text()}")
        data: list[dict[str, Any]] = await resp.json()
        return data


async def sanity(
    session: aiohttp.ClientSession, base: str, manifest: Manifest, rng: random.Random
) -> dict[str, Any]:
    """Before loading: lookups find the expected client, the list answers with results."""
    plan = manifest.plan
    checked, wrong = 0, []
    for _ in range(40):
        cid = rng.randint(1, manifest.clients)
        number = plan.number(cid, rng.randrange(plan.per_client))
        typed = random_phone_form(number, rng)
        found = await lookup(session, base, typed)
        checked += 1
        if [m["client_id"] for m in found] != [cid] or found[0]["phone"] != number:
            wrong.append({"typed": typed, "expected": cid, "got": found})
    url = list_urls(base, manifest, 1, rng)[0]
    async with session.get(url) as resp:
        page = await resp.json()
        list_ok = resp.status == 200 and page["total"] > 0 and len(page["items"]) > 0
    return {
        "lookups_checked": checked,
        "lookups_wrong": wrong,
        "list_ok": list_ok,
        "list_example_total": page.get("total") if isinstance(page, dict) else None,
    }


async def probe(
    session: aiohttp.ClientSession, base: str, manifest: Manifest, rng: random.Random
) -> dict[str, Any]:
    """Change a client's phone through the API: the lookup follows at once; then restore."""
    rounds = []
    for _ in range(3):
        cid = rng.randint(1, manifest.clients)
        async with session.get(f"{base}/api/v1/clients/{cid}") as resp:
            client = await resp.json()
            if resp.status != 200:
                raise RuntimeError(f"GET client {cid}: {resp.status} {client}")
        original = [
            {"number": p["number"], "kind": p["kind"], "comment": p["comment"]}
            for p in client["phones"]
            if p.get("contact_person_id") is None
        ]
        old = original[0]["number"]
        while True:
            new = f"+7496{rng.randrange(10**7):07d}"  # a range the seed never uses
            if not await lookup(session, base, new):
                break
        changed = [{"number": phone_forms(new)[1], "kind": "mobile"}, *original[1:]]
        checks: dict[str, bool] = {}
        began = time.perf_counter()
        async with session.patch(f"{base}/api/v1/clients/{cid}", json={"phones": changed}) as r:
            checks["patch_ok"] = r.status == 200
            patch_body = await r.json()
        old_hits = await lookup(session, base, random_phone_form(old, rng))
        new_hits = await lookup(session, base, random_phone_form(new, rng))
        checks["old_number_gone"] = all(m["client_id"] != cid for m in old_hits)
        checks["new_number_found"] = [m["client_id"] for m in new_hits] == [cid]
        seen_s = time.perf_counter() - began
        async with session.patch(f"{base}/api/v1/clients/{cid}", json={"phones": original}) as r:
            checks["restore_ok"] = r.status == 200
        old_hits = await lookup(session, base, random_phone_form(old, rng))
        new_hits = await lookup(session, base, random_phone_form(new, rng))
        checks["old_number_back"] = [m["client_id"] for m in old_hits] == [cid]
        checks["new_number_gone_again"] = all(m["client_id"] != cid for m in new_hits)
        round_info: dict[str, Any] = {
            "client_id": cid,
            "old": old,
            "new": new,
            "patch_and_two_lookups_ms": round(seen_s * 1000, 1),
            **checks,
        }
        if not checks["patch_ok"]:
            round_info["patch_error"] = patch_body
        rounds.append(round_info)
    ok = all(all(v for k, v in r.items() if isinstance(v, bool)) for r in rounds)
    return {"ok": ok, "rounds": rounds}


# -- one backend -----------------------------------------------------------------------


@dataclass
class Runner:
    """Runs the scenarios of one backend and keeps their results and CPU use."""

    args: argparse.Namespace
    #: the processes serving requests (KOMPAS, the postmaster): idle before the next run
    servers: list[int]
    roots: list[int]
    results: dict[str, dict[str, Result]] = field(default_factory=dict)
    cpu: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)

    async def scenario(
        self,
        name: str,
        urls: list[str],
        headers: dict[str, str],
        *,
        connections: int | None = None,
        wrk: bool = True,
    ) -> None:
        args = self.args
        if args.only and name not in args.only:
            return
        conns = connections or args.connections
        tools: list[tuple[str, Any]] = [("aiohttp", run_load)]
        if wrk and args.wrk and wrk_available():
            tools.append(("wrk", wrk_load))
        self.results[name], self.cpu[name] = {}, {}
        for tool, load in tools:
            print(f"  {name}: {tool}, {conns} connections ...", flush=True)
            watch = CpuWatch(self.roots)
            watch.start()
            result: Result = await load(urls, headers, conns, args.duration, args.warmup)
            use = watch.stop()
            self.results[name][tool], self.cpu[name][tool] = result, use
            other = use["other_cpu_pct"]
            print(
                f"    {result.rps:,.1f} req/s, p50 {result.p50_ms:.2f} ms, "
                f"p99 {result.p99_ms:.2f} ms, errors {result.errors} "
                f"({result.transport_errors} without an answer); CPU used by the "
                f"benchmark {use['ours_cpu_pct']} %, by other processes {other} %",
                flush=True,
            )
            if other is not None and other > OTHER_CPU_WARN_PCT:
                print("    WARNING: other work was using the CPU; this figure is noisy")
            # The server goes on with requests the load tool abandoned when the window
            # closed (aiohttp does not cancel a handler whose client went away).
            drained = await wait_idle(self.servers)
            if drained > 2:
                print(f"    (server busy {drained} s more with abandoned requests)", flush=True)


def p99_ok(r: Result, limit_ms: float) -> bool:
    """p99 under the limit, no errors, and not hiding many requests still unanswered."""
    if r.requests == 0 or r.errors or r.p99_ms >= limit_ms:
        return False
    hidden = r.oldest_unfinished_ms >= limit_ms and r.unfinished * 100 > r.requests
    return not hidden


async def bench_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix=f"kompas-bench-{backend}-") as tmp_name:
        tmp = Path(tmp_name)
        opener = sqlite_database if backend == "sqlite" else postgres_database
        async with opener(args, tmp) as db:
            print(f"\n== {backend}: {db.manifest.clients:,} clients ({db.source})", flush=True)
            with servers(db, tmp) as (bare, kompas):
                await bare.wait_ready()
                kompas_start_s = await kompas.wait_ready(timeout_s=300)
                print(f"  kompas serve answered /healthz after {kompas_start_s:.2f} s")
                async with aiohttp.ClientSession() as session:
                    token = await get_token(session, kompas.base_url, db.manifest)
                headers = {"Authorization": f"Bearer {token}"}
                async with aiohttp.ClientSession(headers=headers) as session:
                    checks = await sanity(session, kompas.base_url, db.manifest, rng)
                if checks["lookups_wrong"] or not checks["list_ok"]:
                    print(f"  SANITY CHECK FAILED: {json.dumps(checks, ensure_ascii=False)}")
                roots = [os.getpid(), bare.pid, kompas.pid, *db.pids]
                run = Runner(args, [kompas.pid, *db.pids], roots)
                lookups = lookup_urls(kompas.base_url, db.manifest, args.urls, rng)
                lists = list_urls(kompas.base_url, db.manifest, args.urls, rng)
                await run.scenario("bare", [f"{bare.base_url}/bare"], {})
                await run.scenario("lookup", lookups, headers)
                await run.scenario("lookup-1c", lookups, headers, connections=1, wrk=False)
                cold = lookup_urls(kompas.base_url, db.manifest, args.cold_urls, rng)
                await run.scenario("lookup-cold", cold, headers)
                await run.scenario("list", lists, headers, connections=args.list_connections)
                await run.scenario("list-1c", lists, headers, connections=1, wrk=False)
                async with aiohttp.ClientSession(headers=headers) as session:
                    probe_result = await probe(session, kompas.base_url, db.manifest, rng)
            server_log = RESULTS_DIR / f"kompas-{backend}{_size_suffix(db.manifest)}.log"
            if kompas.log_path is not None and kompas.log_path.is_file():
                shutil.copyfile(kompas.log_path, server_log)
            seeding = {
                "seeded_now": db.seeded_now,
                "source": db.source,
                "prepare_s": round(db.prepare_s, 1),
                "seed_seconds": db.manifest.seconds,
            }
            report = make_report(backend, db, run, checks, probe_result, seeding)
            report["kompas_start_s"] = round(kompas_start_s, 2)
            report["server_log"] = rel(server_log)
    return report


def make_report(
    backend: str,
    db: Database,
    run: Runner,
    checks: dict[str, Any],
    probe_result: dict[str, Any],
    seeding: dict[str, Any],
) -> dict[str, Any]:
    args, results = run.args, run.results
    targets: dict[str, dict[str, Any]] = {}
    for tool in sorted({tool for by_tool in results.values() for tool in by_tool}):
        bare, look, lst = (results.get(s, {}).get(tool) for s in ("bare", "lookup", "list"))
        verdicts: dict[str, Any] = {}
        if bare is not None and look is not None:
            share = look.rps / bare.rps if bare.rps else 0.0
            verdicts["lookup_share_of_bare"] = round(share, 3)
            verdicts["lookup_share_ok"] = share >= LOOKUP_SHARE_TARGET
        if look is not None:
            verdicts["lookup_p99_ok"] = p99_ok(look, LOOKUP_P99_TARGET_MS)
        if lst is not None:
            verdicts["list_p99_ok"] = p99_ok(lst, LIST_P99_TARGET_MS)
        targets[tool] = verdicts
    from kompas_cc import __version__

    return {
        "backend": backend,
        "clients": db.manifest.clients,
        "kompas_version": __version__,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "load": {
            "connections": args.connections,
            "list_connections": args.list_connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "distinct_urls": args.urls,
        },
        "database": seeding,
        "notes": db.notes,
        "results": {
            scenario: {
                tool: {**r.as_dict(), **run.cpu[scenario][tool]} for tool, r in by_tool.items()
            }
            for scenario, by_tool in results.items()
        },
        "targets": {
            "lookup_share_of_bare_min": LOOKUP_SHARE_TARGET,
            "lookup_p99_ms_max": LOOKUP_P99_TARGET_MS,
            "list_p99_ms_max": LIST_P99_TARGET_MS,
            "by_tool": targets,
        },
        "sanity": checks,
        "probe": probe_result,
    }


def print_report(report: dict[str, Any]) -> None:
    backend = report["backend"]
    db = report["database"]
    seed_total = db["seed_seconds"].get("total")
    how = f"seeded in {seed_total:.0f} s" if db["seeded_now"] else f"reused {db['source']}"
    if not db["seeded_now"] and db["prepare_s"]:
        how += f", restored in {db['prepare_s']:.0f} s"
    print(
        f"\n{backend}: {report['clients']:,} clients, {how}; "
        f"kompas serve ready in {report['kompas_start_s']:.2f} s"
    )
    header = (
        f"{'scenario':<10} {'tool':<8} {'conns':>5} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'errors':>6} {'other CPU':>9}"
    )
    print(header + "  target")
    print("-" * (len(header) + 50))
    for scenario, by_tool in report["results"].items():
        for tool, r in by_tool.items():
            verdict = ""
            t = report["targets"]["by_tool"].get(tool, {})
            if scenario == "lookup":
                share = t.get("lookup_share_of_bare", 0.0)
                verdict = (
                    f"{share:.0%} of bare (>= 50%: {_ok(t.get('lookup_share_ok'))}), "
                    f"p99 < 20 ms: {_ok(t.get('lookup_p99_ok'))}"
                )
            elif scenario == "list":
                verdict = f"p99 < 100 ms: {_ok(t.get('list_p99_ok'))}"
            elif scenario == "lookup-cold":
                verdict = "(every number asked once: the lookup cache never helps)"
            elif scenario.endswith("-1c"):
                verdict = "(one request at a time: latency without queueing)"
            if r["oldest_unfinished_ms"] > r["p99_ms"]:
                verdict += (
                    f" [p99 understated: a request was still unanswered after "
                    f"{r['oldest_unfinished_ms'] / 1000:.1f} s when the window closed]"
                )
            print(
                f"{scenario:<10} {tool:<8} {r['connections']:>5} {r['rps']:>9,.1f} "
                f"{r['p50_ms']:>9.2f} {r['p99_ms']:>9.2f} {r['errors']:>6} "
                f"{_pct(r.get('other_cpu_pct')):>9}  {verdict}"
            )
    sanity = report["sanity"]
    print(
        f"sanity: {sanity['lookups_checked'] - len(sanity['lookups_wrong'])}/"
        f"{sanity['lookups_checked']} lookups found the right client; list ok: "
        f"{sanity['list_ok']}"
    )
    probe_result = report["probe"]
    print(f"probe (phone changed through the API, lookup right after): {_ok(probe_result['ok'])}")
    for r in probe_result["rounds"]:
        failed = [k for k, v in r.items() if v is False]
        print(
            f"  client {r['client_id']}: {r['old']} -> {r['new']} "
            f"({r['patch_and_two_lookups_ms']} ms) {'FAILED ' + str(failed) if failed else 'ok'}"
        )


def _size_suffix(manifest: Manifest) -> str:
    """Results of the standard size keep the plain names; smaller runs do not overwrite them."""
    return "" if manifest.clients == DEFAULT_CLIENTS else f"-{manifest.clients}"


def _pct(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} %"


def _ok(value: object) -> str:
    return "PASS" if value else "FAIL"


async def amain(args: argparse.Namespace) -> int:
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    reports = []
    for backend in backends:
        report = await bench_backend(backend, args)
        size = "" if report["clients"] == DEFAULT_CLIENTS else f"-{report['clients']}"
        part = "-only-" + "-".join(sorted(args.only)) if args.only else ""
        out = RESULTS_DIR / f"lookup-{backend}{size}{part}.json"
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        print_report(report)
        print(f"written {rel(out)}")
        reports.append(report)
    if len(reports) > 1:
        for report in reports:
            print_report(report)
    return 0 if all(r["probe"]["ok"] for r in reports) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    parser.add_argument(
        "--reuse",
        type=Path,
        action="append",
        metavar="PATH",
        help="a seeded SQLite file (…/kompas-sqlite-N.db) or a PostgreSQL dump "
        "(…/kompas-pg-N.dump) from an earlier --keep; may be given twice",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep what is seeded in bench/results/ (SQLite file; PostgreSQL dump)",
    )
    parser.add_argument("--pg-url", help="use this existing PostgreSQL database instead")
    parser.add_argument("--manifest", type=Path, help="the seed manifest of --pg-url")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--list-connections",
        type=int,
        default=50,
        help="concurrent workers of the list scenario (as many as for the lookup by default)",
    )
    parser.add_argument("--duration", type=float, default=15, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3, help="seconds not measured")
    parser.add_argument("--urls", type=int, default=5000, help="distinct URLs per scenario")
    parser.add_argument(
        "--cold-urls",
        type=int,
        default=400_000,
        help="distinct numbers for lookup-cold: more than a run asks for, so none repeats",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the URL choice")
    parser.add_argument("--no-wrk", dest="wrk", action="store_false", help="aiohttp tool only")
    parser.add_argument(
        "--only",
        type=lambda v: set(v.split(",")),
        default=set(),
        help=f"run only these scenarios (comma-separated: {', '.join(SCENARIOS)})",
    )
    args = parser.parse_args(argv)
    if args.only - set(SCENARIOS):
        parser.error(f"--only: unknown scenarios {sorted(args.only - set(SCENARIOS))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None and args.wrk:
        print("(wrk is not installed: measuring with the aiohttp load tool only)")
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
