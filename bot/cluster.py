"""A local scale-out set-up on loopback ports, for the scale tests and `coach bench`: Redis with an
append-only file, N `coach serve` worker processes sharing it, and nginx as the reverse proxy in
front of them (or one worker on SQLite, with or without nginx).

    with Cluster(workers=2, store="redis", auth_token=token) as cluster:
        httpx.post(cluster.url + "/webhooks/rest/webhook", json={"sender": "a", "message": "hi"})
        cluster.kill_worker(0)      # kill -9; nginx sends the next requests to the other worker
        cluster.restart_redis()     # kill -9 and start again on the same port and files

Everything lives in one temporary folder (configs, logs, Redis's files, the SQLite store), removed
on exit unless `keep=True`. The programs are found on PATH or in the sbin folders (Debian's nginx
is /usr/sbin/nginx). Only the standard library here: clients are the caller's business.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

from bot.core.config import ROOT, load_config

SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")
# uvicorn closes an idle connection after 5 s (its timeout_keep_alive); nginx drops its idle
# upstream connections sooner, so it never sends a request on a connection the worker is closing
UPSTREAM_KEEPALIVE_S = 4
StoreKind = Literal["redis", "sqlite"]


class ClusterError(RuntimeError):
    """A program of the cluster did not start or answer; the message ends with its log's tail."""


def find_program(name: str) -> str | None:
    """The program's path on PATH or in an sbin folder (not always on a user's PATH), or None."""
    found = shutil.which(name)
    if found:
        return found
    for folder in SBIN:
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _redis_pong(port: int) -> bool:
    """Whether Redis answers PING (not while it is still loading its append-only file)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@dataclass
class Worker:
    """One `coach serve` process on its own port."""

    index: int
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    spawned_at: float = 0.0  # time.perf_counter() when the process was started
    ready_s: float | None = None  # seconds from spawning to answering /health

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Cluster:
    """Redis (append-only) + `workers` x `coach serve` + nginx in front, on free loopback ports.

    `store="sqlite"` runs without Redis (one worker is the tested case; several share the SQLite
    file and its file locks). `proxy=False` leaves nginx out: `url` is then the first worker's.
    `auth_token` becomes the workers' COACH_AUTH_TOKEN; `env` adds variables to theirs.
    `models_from` is the model cache the workers share (default: this project's), so nothing is
    retrained; a missing or stale model is trained once before the workers start."""

    workers: int = 2
    store: StoreKind = "redis"
    proxy: bool = True
    auth_token: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    models_from: Path | None = None
    appendfsync: Literal["always", "everysec", "no"] = "everysec"
    access_log: bool = True
    keep: bool = False
    ready_timeout_s: float = 120.0

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("a cluster has at least one worker")
        self.redis_server = find_program("redis-server") if self.store == "redis" else None
        self.nginx_bin = find_program("nginx") if self.proxy else None
        if self.store == "redis" and not self.redis_server:
            raise ClusterError("redis-server is not installed (Debian: apt-get install redis-server)")
        if self.proxy and not self.nginx_bin:
            raise ClusterError("nginx is not installed (Debian: apt-get install nginx)")
        self.dir = Path(tempfile.mkdtemp(prefix="coach-cluster-"))
        self.data_dir = self.dir / "data"
        self.redis_port = free_port() if self.store == "redis" else None
        self.proxy_port = free_port() if self.proxy else None
        self.nodes = [Worker(i, free_port(), self.dir / f"worker-{i}.log") for i in range(self.workers)]
        self.redis: subprocess.Popen[bytes] | None = None
        self.nginx: subprocess.Popen[bytes] | None = None

    # ---- addresses ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Where clients go: the proxy, or the first worker without one."""
        return f"http://127.0.0.1:{self.proxy_port}" if self.proxy else self.nodes[0].url

    @property
    def redis_url(self) -> str | None:
        return f"redis://127.0.0.1:{self.redis_port}/0" if self.redis_port else None

    @property
    def tracker_store(self) -> str:
        """The workers' COACH_TRACKER_STORE."""
        return self.redis_url or "sqlite"

    # ---- the whole --------------------------------------------------------------------------
    def start(self) -> Cluster:
        """Start Redis, train the model if needed, start the workers, then nginx; return when
        /health answers through the proxy."""
        try:
            self.data_dir.mkdir()
            models = self.models_from or load_config().data_dir / "models"
            models.mkdir(parents=True, exist_ok=True)
            (self.data_dir / "models").symlink_to(models.resolve(), target_is_directory=True)
            if self.store == "redis":
                self.start_redis()
            # one training at most, before the workers (they would otherwise race to train)
            subprocess.run([sys.executable, "-m", "bot.cli", "train"], cwd=ROOT, env=self.worker_env(),
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for node in self.nodes:
                self.start_worker(node.index, wait=False)
            for node in self.nodes:
                self.wait_worker(node.index)
            if self.proxy:
                self.start_proxy()
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop nginx, the workers and Redis (politely, then by force); remove the folder."""
        _stop(self.nginx, signal.SIGQUIT)
        for node in self.nodes:
            _stop(node.proc)
        _stop(self.redis)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def wait_healthy(self, timeout: float | None = None) -> None:
        """Block until GET /health answers 200 through the proxy (or from the only worker)."""
        deadline = time.monotonic() + (timeout or self.ready_timeout_s)
        while time.monotonic() < deadline:
            if _http_ok(self.url + "/health"):
                return
            time.sleep(0.05)
        raise ClusterError(f"{self.url}/health did not answer\n{self.logs()}")

    def ensure_running(self) -> None:
        """Start again whatever is not running (after a fault test), then wait for health."""
        if self.store == "redis" and (self.redis is None or self.redis.poll() is not None):
            self.start_redis()
        for node in self.nodes:
            if not node.alive:
                self.start_worker(node.index)
        if self.proxy and (self.nginx is None or self.nginx.poll() is not None):
            self.start_proxy()
        self.wait_healthy()

    def logs(self, lines: int = 30) -> str:
        """The tail of every log, for a failure message."""
        paths = [node.log for node in self.nodes]
        paths += [self.dir / "redis.log"] if self.store == "redis" else []
        paths += [self.dir / "nginx-error.log"] if self.proxy else []
        return "\n".join(f"--- {p.name}\n{_tail(p, lines)}" for p in paths)

    # ---- workers ----------------------------------------------------------------------------
    def worker_env(self) -> dict[str, str]:
        """The environment of a `coach serve` worker: this checkout's code, the shared data
        folder, the store, the token (or none), unbuffered output."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("COACH_") and k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                   PYTHONUNBUFFERED="1", COACH_DATA_DIR=str(self.data_dir),
                   COACH_TRACKER_STORE=self.tracker_store, COACH_HOST="127.0.0.1")
        if self.auth_token:
            env["COACH_AUTH_TOKEN"] = self.auth_token
        env.update(self.env)
        return env

    def start_worker(self, index: int, wait: bool = True) -> Worker:
        """Spawn worker `index` on its port (a new process); with `wait`, until /health answers."""
        node = self.nodes[index]
        if node.alive:
            raise ClusterError(f"worker {index} is already running (pid {node.pid})")
        log = node.log.open("ab")
        node.spawned_at = time.perf_counter()
        node.ready_s = None
        node.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1",
                                      "--port", str(node.port)], cwd=ROOT, env=self.worker_env(),
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        if wait:
            self.wait_worker(index)
        return node

    def wait_worker(self, index: int) -> float:
        """Block until worker `index` answers /health; seconds since it was spawned."""
        node = self.nodes[index]
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if not node.alive:
                raise ClusterError(f"worker {index} exited\n{_tail(node.log)}")
            if _http_ok(node.url + "/health", timeout=1):
                node.ready_s = time.perf_counter() - node.spawned_at
                return node.ready_s
            time.sleep(0.05)
        raise ClusterError(f"worker {index} did not answer /health\n{_tail(node.log)}")

    def kill_worker(self, index: int) -> None:
        """kill -9 worker `index` and reap it (its port is then closed)."""
        node = self.nodes[index]
        if node.proc is not None and node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait(timeout=10)

    def restart_worker(self, index: int) -> Worker:
        """kill -9 worker `index`, then start it again on the same port and wait for it."""
        self.kill_worker(index)
        return self.start_worker(index)

    # ---- Redis ------------------------------------------------------------------------------
    def start_redis(self, wait: bool = True) -> None:
        """Start redis-server on the cluster's port with its append-only file in the folder
        (after a restart it loads what was written before)."""
        assert self.redis_server and self.redis_port, "a SQLite cluster has no Redis"
        if self.redis is not None and self.redis.poll() is None:
            raise ClusterError("redis-server is already running")
        folder = self.dir / "redis"
        folder.mkdir(exist_ok=True)
        self.redis = subprocess.Popen(
            [self.redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--dir", str(folder), "--appendonly", "yes", "--appendfsync", self.appendfsync,
             "--save", "", "--daemonize", "no", "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        if wait:
            self.wait_redis()

    def wait_redis(self) -> None:
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if self.redis is None or self.redis.poll() is not None:
                raise ClusterError(f"redis-server exited\n{_tail(self.dir / 'redis.log')}")
            if self.redis_port and _redis_pong(self.redis_port):
                return
            time.sleep(0.02)
        raise ClusterError(f"redis-server did not answer PING\n{_tail(self.dir / 'redis.log')}")

    def kill_redis(self) -> None:
        """kill -9 Redis (what it acknowledged is in its append-only file: it writes the file
        before it answers; `appendfsync` decides when the disk has it)."""
        if self.redis is not None and self.redis.poll() is None:
            self.redis.kill()
            self.redis.wait(timeout=10)

    def stop_redis(self) -> None:
        """Stop Redis politely (SIGTERM: it flushes its append-only file and exits)."""
        _stop(self.redis)

    def restart_redis(self) -> None:
        """kill -9 Redis, then start it again on the same port from its append-only file."""
        self.kill_redis()
        self.start_redis()

    # ---- nginx ------------------------------------------------------------------------------
    def nginx_conf(self) -> str:
        """The generated nginx.conf: every path inside the cluster's folder, so it runs without
        root-owned files; keep-alive to the workers; a failed connection goes to the next one."""
        d = self.dir / "nginx"
        servers = "\n".join(f"        server 127.0.0.1:{n.port} max_fails=0;"
                            for n in self.nodes)
        # a root master would switch its workers to `nobody`, which cannot enter this folder
        user = (f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"
                if os.geteuid() == 0 else "")
        access = (f"access_log {self.dir}/nginx-access.log upstreams;" if self.access_log
                  else "access_log off;")
        return f"""# generated by bot/cluster.py
daemon off;
master_process on;
worker_processes 1;
{user}pid {d}/nginx.pid;
error_log {self.dir}/nginx-error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    log_format upstreams '$remote_addr [$time_local] "$request" $status '
                         'upstream=$upstream_addr upstream_status=$upstream_status $request_time';
    {access}
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;

    upstream coach {{
{servers}
        keepalive 32;
        keepalive_timeout {UPSTREAM_KEEPALIVE_S}s;
    }}

    server {{
        listen 127.0.0.1:{self.proxy_port};
        client_max_body_size 64k;

        location / {{
            proxy_pass http://coach;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            # a refused connection (a dead worker) goes to the next worker; a POST that reached
            # a worker is never sent twice (nginx retries non-idempotent requests only before)
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""

    def start_proxy(self) -> None:
        """Write nginx.conf and start nginx in the foreground (`daemon off`)."""
        assert self.nginx_bin and self.proxy_port
        folder = self.dir / "nginx"
        folder.mkdir(exist_ok=True)
        conf = self.dir / "nginx.conf"
        conf.write_text(self.nginx_conf())
        # -e: the error log before the configuration is read (not /var/log/nginx); -p: prefix
        self.nginx = subprocess.Popen([self.nginx_bin, "-p", str(folder), "-c", str(conf),
                                       "-e", str(self.dir / "nginx-error.log")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                raise ClusterError(f"nginx exited\n{_tail(self.dir / 'nginx-error.log')}")
            try:
                with socket.create_connection(("127.0.0.1", self.proxy_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.02)
        raise ClusterError(f"nginx did not listen\n{_tail(self.dir / 'nginx-error.log')}")

    def served_by(self) -> dict[int, int]:
        """How many requests each worker port answered, from nginx's access log (a request passed
        on from a dead worker counts for the worker that answered it)."""
        counts = {node.port: 0 for node in self.nodes}
        log = self.dir / "nginx-access.log"
        for line in (log.read_text().splitlines() if log.exists() else []):
            # "upstream=127.0.0.1:P1, 127.0.0.1:P2 upstream_status=502, 200": the last one answered
            found = re.search(r"upstream=(.*) upstream_status=", line)
            last = found.group(1).split(", ")[-1] if found else ""
            if re.fullmatch(r"127\.0\.0\.1:\d+", last):
                port = int(last.rsplit(":", 1)[1])
                counts[port] = counts.get(port, 0) + 1
        return counts

    def pids(self) -> dict[str, list[int]]:
        """The process ids by role (nginx: master and its workers)."""
        out: dict[str, list[int]] = {"workers": [n.pid for n in self.nodes if n.alive and n.pid]}
        if self.redis is not None and self.redis.poll() is None:
            out["redis"] = [self.redis.pid]
        if self.nginx is not None and self.nginx.poll() is None:
            children = Path(f"/proc/{self.nginx.pid}/task/{self.nginx.pid}/children")
            kids = [int(c) for c in children.read_text().split()] if children.exists() else []
            out["nginx"] = [self.nginx.pid, *kids]
        return out
