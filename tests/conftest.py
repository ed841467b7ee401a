from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Prefect reads these at import time: keep its state out of ~/.prefect and skip telemetry
# (its analytics writer caused "database is locked" errors under the test harness).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="wirewash-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def with_and_without_kernels(fn):
    """(fn() with the compiled kernels, fn() on the numpy path): for exact-equality tests."""
    from cleaners import linescore

    built = linescore.kernels
    try:
        a = fn()
        linescore.kernels = None
        b = fn()
    finally:
        linescore.kernels = built
    return a, b


def write_warc(path: Path, records, gz: bool = True) -> None:
    """A WARC file of HTTP ``response`` records: (uri, status, content type, body[, WARC-Date])."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        for uri, status, ctype, body, *date in records:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            extra = {"WARC-Date": date[0]} if date else None
            w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers,
                                                warc_headers_dict=extra))


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
