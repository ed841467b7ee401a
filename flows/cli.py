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


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
