"""`coach bench`: parse and engine latency in-process, HTTP latency, throughput, start-up, memory.

Figures only: nothing here asserts a threshold (these machines are shared and noisy).
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.core.config import ROOT, load_config
from bot.nlu.data import load_nlu

MESSAGES_FILE = ROOT / "tests" / "data" / "nlu_test.yml"


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 3)


def _summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": _pct(ms, 50), "p99_ms": _pct(ms, 99), "mean_ms": round(statistics.fmean(ms), 3)}


def _texts() -> list[str]:
    return [e.text for e in load_nlu(MESSAGES_FILE).examples]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(conn: http.client.HTTPConnection, sender: str, text: str) -> float:
    body = json.dumps({"sender": sender, "message": text})
    start = time.perf_counter()
    conn.request("POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")
    return elapsed


def _sender_worker(args: tuple[int, int, list[str]]) -> list[float]:
    """One concurrent sender: its own connection, `count` messages in a row."""
    port, count, texts = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sender = f"bench-{uuid.uuid4().hex[:8]}"
    return [_post(conn, sender, texts[i % len(texts)]) for i in range(count)]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _rss_mb_tree(pid: int) -> float:
    """RSS of the server and its worker processes, in MB."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(c) for c in children.read_text().split()] if children.exists() else []
    return round(_rss_mb(pid) + sum(_rss_mb(k) for k in kids), 1)


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


def over_http(senders: int, per_sender: int, workers: int = 1) -> dict[str, Any]:
    """Start `coach serve` (SQLite store in a temp dir), then one sender and N concurrent ones."""
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="coach-bench-")
    env = {**os.environ, "COACH_DATA_DIR": data_dir}
    # share the trained model with the temp data dir, so start-up measures a cached load
    config = load_config()
    (Path(data_dir) / "models").symlink_to(config.data_dir / "models")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first_answer = None
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                _post(conn, "bench-cold", "hi")
                first_answer = time.perf_counter() - start
                break
            except (OSError, RuntimeError):
                time.sleep(0.02)
        if first_answer is None:
            raise RuntimeError("the server did not answer within 120 s")
        texts = _texts()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for text in texts[:50]:
            _post(conn, "bench-warm", text)
        single = [_post(conn, "bench-one", texts[i % len(texts)]) for i in range(500)]
        start = time.perf_counter()
        with Pool(senders) as pool:
            results = pool.map(_sender_worker, [(port, per_sender, texts)] * senders)
        wall = time.perf_counter() - start
        concurrent = [ms for r in results for ms in r]
        return {
            "cold_start_to_first_answer_s": round(first_answer, 3),
            "one_sender": _summary(single),
            f"{senders}_senders": {**_summary(concurrent),
                                   "messages_per_s": round(len(concurrent) / wall, 1)},
            "workers": workers,
            "server_rss_mb": _rss_mb_tree(proc.pid),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_bench(messages: int = 2000, http: bool = True, senders: int = 8, workers: int = 1,
              console: Console | None = None) -> dict[str, Any]:
    """All the figures as one dict (printed as JSON by `coach bench`)."""
    console = console or Console(stderr=True)
    console.print("measuring in-process parse and engine latency ...")
    report: dict[str, Any] = {"in_process": in_process(messages)}
    if http:
        console.print("measuring over HTTP (starting a server) ...")
        report["http"] = over_http(senders, per_sender=max(50, messages // senders), workers=workers)
    return report
