"""`coach bench`: parse and engine latency in-process; then, over HTTP through nginx, one worker on
SQLite and two workers sharing Redis (bot/cluster.py): latency for one sender, throughput and
latency at 8 and 64 concurrent senders, cold start to the first answer, memory per worker.

Figures only: nothing here asserts a threshold (these machines are shared and noisy). The load
generator runs in this process on the same cores as the server; the CPU time each part used is
recorded next to the figures, so a reader can see what the server had.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.cluster import Cluster, ClusterError
from bot.core.config import ROOT, load_config
from bot.nlu.data import load_nlu

MESSAGES_FILE = ROOT / "tests" / "data" / "nlu_test.yml"
WEBHOOK = "/webhooks/rest/webhook"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 3)


def _summary(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "mean_ms": float("nan")}
    return {"p50_ms": _pct(ms, 50), "p99_ms": _pct(ms, 99), "mean_ms": round(statistics.fmean(ms), 3)}


def _texts() -> list[str]:
    return [e.text for e in load_nlu(MESSAGES_FILE).examples]


def _proc_status(pid: int, key: str) -> float:
    """A `kB` line of /proc/PID/status (VmRSS, VmHWM) in MB; 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def _affinity(pid: int = 0) -> list[int]:
    try:
        return sorted(os.sched_getaffinity(pid))
    except OSError:
        return []


def in_process(messages: int) -> dict[str, Any]:
    """Model load, parse latency and whole-engine latency without HTTP."""
    from bot.app import build_engine
    from bot.nlu import model as nlu_model
    from bot.stores import MemoryTrackerStore

    config = load_config()
    nlu_model.load_or_train(config)  # make sure a cached model exists before timing the load
    start = time.perf_counter()
    nlu_model.load(config)
    load_s = time.perf_counter() - start
    engine = build_engine(config, store=MemoryTrackerStore())
    texts = _texts()
    for text in texts[:50]:  # warm caches
        engine.parse(text)
    parse_ms = []
    for i in range(messages):
        start = time.perf_counter()
        engine.parse(texts[i % len(texts)])
        parse_ms.append((time.perf_counter() - start) * 1000)
    engine_ms = []
    for i in range(messages):
        sender = f"bench-{i // 20}"  # conversations of 20 turns
        start = time.perf_counter()
        engine.handle_sync(sender, texts[i % len(texts)])
        engine_ms.append((time.perf_counter() - start) * 1000)
    return {"model_load_s": round(load_s, 3), "parse": _summary(parse_ms),
            "engine_message": _summary(engine_ms), "messages": messages}


# ---- the load generator: asyncio, raw HTTP/1.1, one keep-alive connection per sender ------------
@dataclass
class _Load:
    ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server keeps the connection open."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers.get("connection", "").lower() != "close"


async def _sender(port: int, sender: str, texts: list[str], count: int, load: _Load) -> None:
    """One sender: `count` messages in a row on its own connection (reopened if closed)."""
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    for i in range(count):
        body = json.dumps({"sender": sender, "message": texts[i % len(texts)]}).encode()
        request = (f"POST {WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                   ).encode() + body
        start = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection("127.0.0.1", port)
            reader, writer = conn
            writer.write(request)
            status, _, keep = await _read_response(reader)
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            load.error(type(exc).__name__)
            conn = None
            continue
        if status == 200:
            load.ms.append((time.perf_counter() - start) * 1000)
        else:
            load.error(f"HTTP {status}")
        if not keep:
            writer.close()
            conn = None
    if conn is not None:
        conn[1].close()


def _generate(port: int, senders: int, per_sender: int, texts: list[str]) -> tuple[_Load, float]:
    """`senders` concurrent senders with `per_sender` messages each; the load and the wall time."""
    load = _Load()
    run = uuid.uuid4().hex[:6]

    async def main() -> None:
        await asyncio.gather(*(_sender(port, f"bench-{run}-{s}", texts[s * 7:] + texts[:s * 7],
                                       per_sender, load) for s in range(senders)))

    start = time.perf_counter()
    asyncio.run(main())
    return load, time.perf_counter() - start


# ---- one layout ------------------------------------------------------------------------------
def _cpu_by_role(cluster: Cluster) -> dict[str, float]:
    return {role: sum(_cpu_s(pid) for pid in pids) for role, pids in cluster.pids().items()}


def _cold_start(cluster: Cluster) -> float:
    """Seconds from spawning worker 0 again to its first answer to a message (sent to it directly,
    while the other workers idle)."""
    cluster.kill_worker(0)
    node = cluster.start_worker(0, wait=False)
    deadline = time.monotonic() + cluster.ready_timeout_s
    while time.monotonic() < deadline:
        load = _Load()
        asyncio.run(_sender(node.port, "bench-cold", ["hi"], 1, load))
        if load.ms:
            seconds = time.perf_counter() - node.spawned_at
            cluster.wait_worker(0)
            return round(seconds, 3)
        if not node.alive:
            raise ClusterError(f"worker 0 exited\n{cluster.logs()}")
        time.sleep(0.02)
    raise ClusterError("worker 0 did not answer a message after starting again")


def layout(store: str, workers: int, single: int, senders: list[int], load_messages: int,
           console: Console) -> dict[str, Any]:
    """Start nginx in front of `workers` x `coach serve` on `store` and measure it."""
    texts = _texts()
    with Cluster(workers=workers, store="redis" if store == "redis" else "sqlite") as cluster:
        name = f"nginx -> {workers} x coach serve ({'Redis' if store == 'redis' else 'SQLite'})"
        console.print(f"  {name}: cold start ...")
        out: dict[str, Any] = {"layout": name, "cold_start_to_first_answer_s": _cold_start(cluster)}
        port = cluster.proxy_port
        assert port is not None
        _generate(port, 1, 50, texts)  # warm up
        console.print(f"  {name}: one sender, {single} messages ...")
        load, _ = _generate(port, 1, single, texts)
        out["one_sender"] = {**_summary(load.ms), "messages": len(load.ms), "errors": load.errors}
        for count in senders:
            per_sender = max(5, load_messages // count)
            console.print(f"  {name}: {count} senders x {per_sender} messages ...")
            cpu_before, client_before = _cpu_by_role(cluster), time.process_time()
            load, wall = _generate(port, count, per_sender, texts)
            cpu_after, client_cpu = _cpu_by_role(cluster), time.process_time() - client_before
            cpu = {role: round(cpu_after[role] - cpu_before.get(role, 0.0), 2) for role in cpu_after}
            cpu["load_generator"] = round(client_cpu, 2)
            out[f"{count}_senders"] = {
                **_summary(load.ms), "messages": len(load.ms), "errors": load.errors,
                "messages_per_s": round(len(load.ms) / wall, 1), "wall_s": round(wall, 2),
                "cpu_s": cpu, "cores_busy": round(sum(cpu.values()) / wall, 2)}
        out["rss_mb_per_worker"] = [_proc_status(n.pid, "VmRSS") for n in cluster.nodes if n.pid]
        out["peak_rss_mb_per_worker"] = [_proc_status(n.pid, "VmHWM") for n in cluster.nodes if n.pid]
        pids = cluster.pids()
        out["rss_mb_nginx"] = round(sum(_proc_status(p, "VmRSS") for p in pids.get("nginx", [])), 1)
        if "redis" in pids:
            out["rss_mb_redis"] = _proc_status(pids["redis"][0], "VmRSS")
        out["server_affinity"] = {role: sorted({c for p in ps for c in _affinity(p)})
                                  for role, ps in pids.items()}
    return out


def how_the_load_ran(senders: list[int]) -> dict[str, Any]:
    """Where the load generator ran and what it shared: for the report, next to the figures."""
    cpus = os.cpu_count() or 0
    mine = _affinity()
    return {
        "generator": "this process: asyncio, raw HTTP/1.1, one keep-alive connection per sender, "
                     f"{' and '.join(map(str, senders))} concurrent senders each sending its "
                     "messages one after another, through nginx",
        "processes": 1,
        "cpus_on_machine": cpus,
        "generator_affinity": mine,
        "pinned": False,
        "note": f"the generator shares the same {len(mine) or cpus} cores as nginx, the workers and "
                "Redis (not pinned: on 2 cores pinning it would take a core from the server "
                "just the same); cpu_s shows what each part used, cores_busy their sum over "
                "the wall time (at most the core count); other work on this machine shows in "
                "the load averages",
    }


def run_bench(messages: int = 2000, http: bool = True, senders: list[int] | None = None,
              single: int = 500, load_messages: int = 1280,
              layouts: list[tuple[str, int]] | None = None,
              console: Console | None = None) -> dict[str, Any]:
    """All the figures as one dict (printed as JSON by `coach bench`)."""
    console = console or Console(stderr=True)
    senders = senders or [8, 64]
    layouts = layouts or [("sqlite", 1), ("redis", 2)]
    report: dict[str, Any] = {"machine": {"python": platform.python_version(),
                                          "cpus": os.cpu_count(),
                                          "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]}}
    console.print("measuring in-process parse and engine latency ...")
    report["in_process"] = in_process(messages)
    if http:
        report["load"] = how_the_load_ran(senders)
        report["http"] = {}
        for store, workers in layouts:
            console.print(f"measuring over HTTP: {workers} worker(s) on {store} behind nginx ...")
            try:
                report["http"][f"{store}_{workers}_workers"] = layout(
                    store, workers, single, senders, load_messages, console)
            except ClusterError as exc:  # e.g. nginx or redis-server not installed
                report["http"][f"{store}_{workers}_workers"] = {"error": str(exc).splitlines()[0]}
        report["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def summary_table(report: dict[str, Any]) -> Table:
    """The HTTP figures side by side, one column per layout."""
    layouts = {k: v for k, v in report.get("http", {}).items() if "error" not in v}
    table = Table(title="coach bench over HTTP (through nginx)")
    table.add_column("figure")
    for name in layouts:
        table.add_column(name.replace("_", " "), justify="right")

    def row(label: str, get: Any) -> None:
        cells = []
        for data in layouts.values():
            try:
                cells.append(str(get(data)))
            except (KeyError, IndexError, TypeError):
                cells.append("-")
        table.add_row(label, *cells)

    row("1 sender: p50 / p99 ms", lambda d: f"{d['one_sender']['p50_ms']} / {d['one_sender']['p99_ms']}")
    levels = sorted({int(k.split("_")[0]) for d in layouts.values() for k in d if k.endswith("_senders")})
    for n in levels:
        key = f"{n}_senders"
        row(f"{n} senders: messages/s", lambda d, k=key: d[k]["messages_per_s"])
        row(f"{n} senders: p50 / p99 ms", lambda d, k=key: f"{d[k]['p50_ms']} / {d[k]['p99_ms']}")
        row(f"{n} senders: errors", lambda d, k=key: sum(d[k]["errors"].values()))
        row(f"{n} senders: CPU s (workers/nginx/redis/load)",
            lambda d, k=key: "/".join(str(d[k]["cpu_s"].get(r, "-"))
                                      for r in ("workers", "nginx", "redis", "load_generator")))
        row(f"{n} senders: cores busy (of {report['machine']['cpus']})",
            lambda d, k=key: d[k]["cores_busy"])
    row("cold start to first answer, s", lambda d: d["cold_start_to_first_answer_s"])
    row("RSS per worker, MB", lambda d: ", ".join(map(str, d["rss_mb_per_worker"])))
    return table
