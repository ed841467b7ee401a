"""The ``wirewash`` command line.

Exit codes: 0 every input was cleaned; 3 the run finished but some input was
rejected (listed in ``rejected.jsonl`` and ``report.json``); 1 the run
itself failed; 2 bad usage.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="wirewash: turn messy scraped news into a clean, deduplicated corpus.",
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3


def _summary(report: dict, out: Path, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    table = Table(title=f"wirewash → {out}", show_header=True)
    table.add_column("stage count")
    table.add_column("value", justify="right")
    for k, v in report["counts"].items():
        table.add_row(k, str(v))
    console.print(table)
    for r in report["rejected"][:20]:
        where = f"{r['source']}:{r['line']}" if r.get("line") else r["source"]
        console.print(f"[yellow]rejected[/] {where}: {r['reason']}")
    console.print(f"done in {seconds:.2f} s")


@app.command()
def clean(
    input: Path = typer.Argument(..., help="A file or directory of .txt, .html/.htm or .jsonl[.gz] documents."),
    output: Path = typer.Option(Path("outputs/run"), "-o", "--output", help="Output folder (created if missing)."),
    workers: int = typer.Option(0, "--workers", "-w", help="Worker processes for large inputs (0 = one per core)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Clean INPUT into OUTPUT directly in this process (fast; no Prefect server needed)."""
    from flows.runner import run_pipeline

    t0 = time.perf_counter()
    progress = None
    if not quiet:
        from rich.console import Console

        console = Console(stderr=True)

        def progress(stage: str, done: int, total: int) -> None:
            el = time.perf_counter() - t0
            console.print(f"[cyan]{stage:>6}[/] {done}/{total} docs  ({done / el if el else 0:.0f} docs/s)", highlight=False)

    report = run_pipeline(input, output, workers=workers or None, progress=progress)
    if not quiet:
        _summary(report, output, time.perf_counter() - t0)
    raise typer.Exit(EXIT_REJECTED if report["counts"]["rejected"] else EXIT_OK)


@app.command()
def run(
    input: Path = typer.Argument(..., help="A file or directory of documents."),
    output: Path = typer.Option(Path("outputs/run"), "-o", "--output", help="Output folder."),
) -> None:
    """Clean INPUT with the Prefect flow, visible in the Prefect UI at PREFECT_API_URL."""
    from flows.clean_corpus import clean_corpus

    report = clean_corpus(str(input), str(output))
    raise typer.Exit(EXIT_REJECTED if report["counts"]["rejected"] else EXIT_OK)


@app.command()
def inbox(
    inbox_dir: Path = typer.Argument(..., metavar="INBOX", help="Folder that new files are dropped into."),
    output: Path = typer.Option(Path("outputs/inbox"), "-o", "--out", "--output", help="Output folder (corpus, shards, state/)."),
    dask_address: str = typer.Option(None, "--dask-address", help="Run per-shard tasks on this Dask scheduler (tcp://HOST:PORT)."),
    workers: int = typer.Option(0, "--workers", "-w", help="Start a local Dask cluster with N worker processes."),
    settle: float = typer.Option(None, "--settle", help="Skip files modified less than this many seconds ago."),
) -> None:
    """Clean the files in INBOX not processed before, once, and add them to the corpus in OUT."""
    from flows.inbox import inbox_flow

    cluster = None
    if workers and not dask_address:
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        dask_address = cluster.scheduler_address
    try:
        summary = inbox_flow(str(inbox_dir.resolve()), str(output.resolve()), dask_address=dask_address, settle_seconds=settle)
    finally:
        if cluster is not None:
            cluster.close()
    rejected = sum(b["counts"]["rejected"] for b in summary["batches"])
    if summary["skipped"]:
        print(f"wirewash: skipped: {summary['skipped']}", file=sys.stderr)
    for b in summary["batches"]:
        print(f"wirewash: batch {b['batch']}: {b['files']} files, counts {b['counts']}; corpus {b['corpus']} docs", file=sys.stderr)
    if not summary["batches"] and not summary["skipped"]:
        print("wirewash: nothing new in the inbox", file=sys.stderr)
    raise typer.Exit(EXIT_REJECTED if rejected else EXIT_OK)


@app.command()
def serve(
    inbox_dir: Path = typer.Option(..., "--inbox", help="Folder that new files are dropped into."),
    output: Path = typer.Option(..., "--out", "-o", help="Output folder (corpus, shards, state/)."),
    cron: str = typer.Option("*/15 * * * *", "--cron", help="When to run, as a cron expression."),
    dask_address: str = typer.Option(None, "--dask-address", help="Run per-shard tasks on this Dask scheduler (tcp://HOST:PORT)."),
    workers: int = typer.Option(0, "--workers", "-w", help="Start a local Dask cluster with N worker processes."),
    name: str = typer.Option("wirewash-inbox", "--name", help="Deployment name."),
    settle: float = typer.Option(None, "--settle", help="Skip files modified less than this many seconds ago (default: settings)."),
) -> None:
    """Serve the inbox flow as a Prefect deployment on a cron schedule (until Ctrl-C).

    Uses the Prefect server at PREFECT_API_URL; without it, starts a local one
    (SQLite under OUT/state/prefect, 127.0.0.1) and keeps it running.
    """
    from flows.serve import serve_inbox

    serve_inbox(inbox_dir, output, cron, dask_address=dask_address, workers=workers, name=name, settle_seconds=settle)


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
