"""`wirewash serve` end to end: it starts (and restarts) its own Prefect server, serves the
deployment, and runs triggered with `run_deployment` process only what is new in the inbox."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaners.io import read_jsonl_gz
from inbox_scenario import drop1, drop2

pytestmark = [pytest.mark.prefect, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_starts_server_and_runs_deployment(tmp_path):
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    drop1(inbox)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "home"), PREFECT_RUNNER_POLL_FREQUENCY="1")
    cmd = [sys.executable, "-m", "flows.cli", "serve", "--inbox", str(inbox), "--out", str(out),
           "--cron", "0 0 1 1 *", "--name", "test", "--settle", "0"]
    err = tmp_path / "serve.stderr"
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(err, "w"), text=True)
    proc.stderr = err.open()  # (read back on failure below)
    info = out / "state" / "prefect" / "server.json"
    try:
        deadline = time.monotonic() + 150
        while not info.exists():
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "no Prefect server came up"
            time.sleep(0.3)
        server = json.loads(info.read_text())
        assert server["api_url"].startswith("http://127.0.0.1:")
        assert (out / "state" / "prefect" / "prefect.db").exists()  # SQLite under the output folder
        with temporary_settings({PREFECT_API_URL: server["api_url"]}):
            with get_client(sync_client=True) as client:
                while True:
                    try:
                        dep = client.read_deployment_by_name("wirewash-inbox/test")
                        break
                    except Exception:
                        assert proc.poll() is None, proc.stderr.read()[-3000:]
                        assert time.monotonic() < deadline, "deployment never registered"
                        time.sleep(0.3)
            assert dep.schedules and dep.schedules[0].schedule.cron == "0 0 1 1 *"
            # the printed hint works from a fresh shell: no venv, no PREFECT_API_URL of its own
            hint = err.read_text()
            export = next(line.strip() for line in hint.splitlines() if line.strip().startswith("export PREFECT_API_URL="))
            assert export == f"export PREFECT_API_URL={server['api_url']}"
            listing = next(line.strip() for line in hint.splitlines() if line.strip().endswith("deployment ls"))
            fresh = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "fresh-home"), "COLUMNS": "250",
                     "PREFECT_HOME": str(tmp_path / "fresh-prefect")}
            shown = subprocess.run(["bash", "-c", f"{export} && {listing}"], env=fresh, capture_output=True, text=True, timeout=120)
            assert shown.returncode == 0 and "wirewash-inbox/test" in shown.stdout, shown.stdout + shown.stderr
            assert dep.parameters["inbox"] == str(inbox.resolve())
            first = run_deployment("wirewash-inbox/test", timeout=120)
            assert first.state.is_completed(), first.state
            shards = sorted((out / "shards").iterdir())
            assert len(shards) == 1 and len(read_jsonl_gz(out / "corpus.jsonl.gz")) >= 5
            # the supervised server dies: serve restarts it on the same port and keeps serving
            os.kill(server["pid"], signal.SIGKILL)
            deadline = time.monotonic() + 150
            while json.loads(info.read_text())["restarts"] < 1:
                assert proc.poll() is None, proc.stderr.read()[-3000:]
                assert time.monotonic() < deadline, "server not restarted"
                time.sleep(0.3)
            assert json.loads(info.read_text())["api_url"] == server["api_url"]
            new = drop2(inbox)
            second = run_deployment("wirewash-inbox/test", timeout=120)
            assert second.state.is_completed(), second.state
        shards = sorted((out / "shards").iterdir())
        assert len(shards) == 2
        report = json.loads((shards[1] / "report.json").read_text())
        sources = {d["source"] for d in read_jsonl_gz(shards[1] / "documents.jsonl.gz")}
        assert sources | {r["source"] for r in report["rejected"]} == set(new)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    if info.exists():  # serve stops the server it started
        pid = json.loads(info.read_text())["pid"]
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.2)
        assert not _alive(pid)
