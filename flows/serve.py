"""`wirewash serve`: a scheduled Prefect deployment of the inbox flow.

Prefect's temporary (ephemeral) API server never schedules runs, so a schedule needs a
persistent server. When ``PREFECT_API_URL`` is set, that server is used. Otherwise
:class:`LocalPrefectServer` starts ``prefect server start`` bound to 127.0.0.1 on a free
port, with its SQLite database under ``OUT/state/prefect/``, and restarts it if it dies
while serving. Production setups run the server as a service on Postgres (README).

This module imports Prefect only inside functions, after the API URL is decided:
Prefect reads its settings from the environment.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

DEPLOYMENT_NAME = "wirewash-inbox"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if `wirewash serve` itself is killed (even by kill -9)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        except OSError:
            pass


class LocalPrefectServer:
    """A supervised ``prefect server start`` whose state lives in ``home``."""

    def __init__(self, home: str | os.PathLike[str], host: str = "127.0.0.1", port: int | None = None):
        self.home = Path(home).resolve()
        self.host = host
        self.port = port or free_port(host)
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PREFECT_API_URL", None)
        env.update(
            PREFECT_HOME=str(self.home),
            PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{self.home / 'prefect.db'}",
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
        )
        return env

    def _spawn(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.home / "server.log", "ab")
        prefect = Path(sys.executable).with_name("prefect")
        cmd = [str(prefect) if prefect.exists() else "prefect", "server", "start", "--host", self.host, "--port", str(self.port)]
        self.proc = subprocess.Popen(
            cmd, env=self.env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        log.close()

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"prefect server exited with {self.proc.returncode}; see {self.home / 'server.log'}")
            if _healthy(self.api_url):
                return
            time.sleep(0.3)
        raise TimeoutError(f"prefect server not healthy after {timeout:.0f} s; see {self.home / 'server.log'}")

    def start(self, timeout: float = 120.0) -> "LocalPrefectServer":
        self._spawn()
        self.wait_healthy(timeout)
        self._record()
        self._watcher = threading.Thread(target=self._watch, name="prefect-server-watch", daemon=True)
        self._watcher.start()
        return self

    def _record(self) -> None:
        info = {"api_url": self.api_url, "pid": self.proc.pid, "restarts": self.restarts}
        tmp = self.home / ".server.json.tmp"
        tmp.write_text(json.dumps(info))
        os.replace(tmp, self.home / "server.json")

    def _watch(self) -> None:
        while not self._stopping.wait(2.0):
            if self.proc is not None and self.proc.poll() is not None and not self._stopping.is_set():
                self.restarts += 1
                print(f"wirewash: prefect server exited ({self.proc.returncode}); restarting (#{self.restarts})", file=sys.stderr)
                try:
                    self._spawn()
                    self.wait_healthy(120)
                    self._record()
                except Exception as exc:  # keep trying on the next tick
                    print(f"wirewash: restart failed: {exc}", file=sys.stderr)

    def stop(self) -> None:
        self._stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "LocalPrefectServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def connection_hint(api_url: str, deployment: str, server_home: Path | None = None) -> str:
    """How to reach the server ``serve`` started, from another shell: the UI's address, the
    variable to export (a shell without it talks to a throw-away server of its own) and
    commands with the full path of this environment's ``prefect`` (no venv to activate).

    >>> print(connection_hint("http://127.0.0.1:4321/api", "nightly").splitlines()[1])
      UI:     http://127.0.0.1:4321
    """
    from flows.inbox import FLOW_NAME

    prefect = Path(sys.executable).parent / "prefect"
    where = f" (its database: {server_home})" if server_home else ""
    return "\n".join([
        f"wirewash: started a local Prefect server{where}; it runs while serve runs",
        f"  UI:     {api_url.removesuffix('/api')}",
        "  from another shell, first:",
        f"    export PREFECT_API_URL={api_url}",
        "  then:",
        f"    {prefect} deployment ls",
        f"    {prefect} deployment run '{FLOW_NAME}/{deployment}'     # a run now, besides the schedule",
        f"    {prefect} flow-run ls --flow-name {FLOW_NAME}",
    ])


def serve_inbox(
    inbox: str | os.PathLike[str],
    out: str | os.PathLike[str],
    cron: str,
    dask_address: str | None = None,
    workers: int = 0,
    name: str = DEPLOYMENT_NAME,
    settle_seconds: float | None = None,
) -> None:
    """Serve the inbox flow on ``cron`` until interrupted (starting a server if none is set)."""
    out = Path(out).resolve()
    inbox = Path(inbox).resolve()
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = LocalPrefectServer(out / "state" / "prefect").start()
        os.environ["PREFECT_API_URL"] = server.api_url
        print(connection_hint(server.api_url, name, server_home=out / "state" / "prefect"), file=sys.stderr, flush=True)
    try:
        from prefect.deployments.runner import EntrypointType

        from flows.inbox import inbox_flow

        inbox_flow.serve(
            name=name,
            cron=cron,
            parameters={"inbox": str(inbox), "out": str(out), "dask_address": dask_address, "settle_seconds": settle_seconds,
                        "workers": workers or None},
            global_limit=1,  # the deployment never runs twice at once (the lock in OUT/state covers other runs)
            limit=1,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    finally:
        if server is not None:
            server.stop()
