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


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"wirewash {version('wirewash')}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """wirewash: turn messy scraped news into a clean, deduplicated corpus."""


def _use_config(config: Path | None) -> None:
    """``--config FILE``: its settings lay over ``cleaners/data/settings.toml`` for this run (and
    the workers it starts); an unknown section or key, or a value of another type, is a usage error."""
    if config is None:
        return
    import os

    from cleaners import settings as cs

    os.environ[cs.SETTINGS_ENV] = str(config.resolve())
    cs.settings.cache_clear()
    try:
        cs.settings()
    except cs.SettingsError as exc:
        raise _usage_error(f"--config {exc}") from None

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3


def _plain(text: object) -> str:
    """Text from a file name or an input, safe to print with rich: control characters (an
    escape sequence in a file name) shown as ``\\xNN``, rich markup (``[/bold]``) escaped.

    >>> _plain("a\\x1b[2Jb [/bold].txt")
    'a\\\\x1b[2Jb \\\\[/bold].txt'
    """
    from rich.markup import escape

    return escape(_printable(text))


def _printable(text: object) -> str:
    """Control characters (an escape sequence in a file name) shown as ``\\xNN``."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in str(text))


def _usage_error(message: str) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(f"[bold red]wirewash:[/] {_plain(message)}")  # one line, whatever the width
    return typer.Exit(EXIT_USAGE)


def _output_mode(append: bool, overwrite: bool) -> str:
    if append and overwrite:
        raise _usage_error("--append and --overwrite exclude each other")
    return "append" if append else "overwrite" if overwrite else "new"


def _summary(report: dict, out: Path, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    table = Table(title=f"wirewash → {_plain(out)}", show_header=True)
    table.add_column("stage count")
    table.add_column("value", justify="right")
    for k, v in report["counts"].items():
        table.add_row(k, str(v))
    console.print(table)
    for r in report["rejected"][:20]:
        where = f"{r['source']}:{r['line']}" if r.get("line") else r["source"]
        console.print(f"[yellow]rejected[/] {_plain(where)}: {_plain(r['reason'])}")
    if len(report["rejected"]) > 20:
        console.print(f"… and {len(report['rejected']) - 20} more rejected: see {_plain(out / 'rejected.jsonl')}")
    skipped = report.get("skipped") or {}
    if skipped.get("count"):
        names = ", ".join(skipped["files"][:5]) + (" …" if skipped["count"] > 5 else "")
        console.print(f"[yellow]skipped[/] {skipped['count']} file(s) with an extension no reader takes: {_plain(names)} (listed in report.json)")
    console.print(f"done in {seconds:.2f} s · open {_plain(out / 'report.html')} to see the run at a glance")


class _StageProgress:
    """One rich progress bar per phase of the pipeline (the shard maps and the reduces), each
    with its shards done, elapsed time and time left (the pipeline's ``progress`` callback)."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[cyan]{task.description:>8}"),
            BarColumn(bar_width=32),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "_StageProgress":
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase not in self.tasks:
            unit = "shards" if phase in ("clean", "finish", "write") else "step"
            self.tasks[phase] = self.progress.add_task(phase, total=max(total, 1), unit=unit)
        self.progress.update(self.tasks[phase], completed=done if total else 1, total=max(total, 1))


@app.command()
def clean(
    input: Path = typer.Argument(
        ...,
        help="What to clean: a file, a directory (searched recursively), or - for standard input. "
        "Reads .txt, .html/.htm (also .txt.gz, .html.gz), .jsonl/.jsonl.gz (fields text or html; id, url, title, source, date) and .warc/.warc.gz.",
        show_default=False,
    ),
    output: Path = typer.Option(
        Path("outputs/run"), "-o", "--output",
        help="Output folder, created if missing: documents.jsonl.gz, corpus.jsonl.gz, corpus.parquet, rejected.jsonl, report.json, report.html.",
    ),
    workers: int = typer.Option(
        0, "--workers", "-w", min=0,
        help="Worker processes for the per-document stages once a run is large (settings: pipeline.pool_min_docs). 0 = one per CPU core; 1 = in this process.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars and no summary; only errors. The exit code still tells the outcome."),
    append: bool = typer.Option(False, "--append", help="OUTPUT already holds a corpus: add this run's documents to it, deduplicated against it."),
    overwrite: bool = typer.Option(False, "--overwrite", help="OUTPUT already holds a corpus: remove it (and its dedup index) and write this run's."),
    dask_address: str = typer.Option(None, "--dask-address", help="Run the shard tasks on this Dask scheduler (tcp://HOST:PORT) instead of a local process pool."),
    config: Path = typer.Option(None, "--config", help="A TOML file of settings laid over cleaners/data/settings.toml for this run (unknown keys are refused)."),
) -> None:
    """Clean INPUT into OUTPUT directly in this process (fast; no Prefect server needed).

    -o - writes the deduplicated corpus as JSON Lines to standard output (the report and the
    rejected inputs go to standard error), like `trafilatura < page.html`.

    An OUTPUT that already holds a corpus is never replaced silently: the run refuses
    (exit 2) unless --append or --overwrite says what to do.

    Exit codes: 0 every input was cleaned; 3 finished, but some input was rejected
    (see rejected.jsonl); 1 the run failed; 2 bad usage (a missing INPUT, an OUTPUT that
    holds a corpus or cannot be written), found before anything is written.
    """
    from rich.console import Console

    from flows.runner import run_pipeline
    from flows.stages import OutputError, check_input

    mode = _output_mode(append, overwrite)
    _use_config(config)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    to_stdout = str(output) == "-"
    if to_stdout:
        import tempfile

        if append or overwrite:
            raise _usage_error("-o - writes to standard output: --append and --overwrite do not apply")
        scratch = tempfile.TemporaryDirectory(prefix="wirewash-stdout-")
        output = Path(scratch.name) / "out"
        quiet = True
    try:
        check_input(input)
        executor = None
        if dask_address:
            from flows.shards import DaskExecutor

            executor = DaskExecutor(dask_address)
            if not quiet:
                console.print(f"Dask dashboard: {executor.dashboard}")
        try:
            if quiet:
                report = run_pipeline(input, output, workers=workers or None, mode=mode, executor=executor)
            else:
                with _StageProgress(console) as progress:
                    report = run_pipeline(input, output, workers=workers or None, progress=progress, mode=mode, executor=executor)
        finally:
            if executor is not None:
                executor.close()
    except (FileNotFoundError, OutputError) as exc:  # raised before anything is read or written
        raise _usage_error(str(exc)) from None
    except ConnectionError as exc:  # an unreachable Dask scheduler: one line naming the address
        raise _usage_error(str(exc)) from None
    except Exception as exc:  # the run itself failed (disk full, no permission to write, a bug)
        console.print(f"[bold red]wirewash: the run failed:[/] {type(exc).__name__}: {_plain(exc)}")
        raise typer.Exit(EXIT_FAILED) from None
    if to_stdout:
        _stream_corpus(output)
        for r in report["rejected"]:
            where = f"{r['source']}:{r['line']}" if r.get("line") else r["source"]
            print(f"wirewash: rejected {_printable(where)}: {_printable(r['reason'])}", file=sys.stderr)
        print(f"wirewash: {report['counts']}", file=sys.stderr)
        scratch.cleanup()
    elif not quiet:
        _summary(report, output, time.perf_counter() - t0)
    raise typer.Exit(EXIT_REJECTED if report["counts"]["rejected"] else EXIT_OK)


def _stream_corpus(out: Path) -> None:
    """The corpus parts' JSON Lines to standard output, part after part (no record parsed)."""
    import gzip
    import shutil

    for part in sorted((out / "corpus").glob("part-*.jsonl.gz")):
        with gzip.open(part, "rb") as fh:
            shutil.copyfileobj(fh, sys.stdout.buffer, 1 << 20)
    sys.stdout.buffer.flush()


@app.command()
def inspect(
    output: Path = typer.Argument(..., help="An output folder written by `wirewash clean` or `wirewash run`.", show_default=False),
    doc_id: str = typer.Argument(..., help="The document's id as in documents.jsonl.gz (a unique prefix is enough).", show_default=False),
) -> None:
    """Show what happened to one document: removed lines with their reasons, repairs, spin score, cluster."""
    from rich.console import Console

    from flows.explain import DOCUMENTS, document_files, find_document, render

    console = Console()
    if not document_files(output):
        Console(stderr=True).print(f"[red]{_plain(output)} has no documents (documents/, shards/ or {DOCUMENTS}): not a wirewash output folder[/]")
        raise typer.Exit(EXIT_USAGE)
    rec, close = find_document(output, doc_id)
    if rec is None:
        hint = f" (ids starting with it: {', '.join(close)})" if close else ""
        Console(stderr=True).print(f"[red]no document with id {doc_id!r} in {output / DOCUMENTS}{hint}[/]")
        raise typer.Exit(EXIT_USAGE)
    for part in render(rec):
        console.print(part)


@app.command()
def run(
    input: Path = typer.Argument(..., help="A file or directory of documents (the same kinds as `clean`).", show_default=False),
    output: Path = typer.Option(Path("outputs/run"), "-o", "--output", help="Output folder (the same files as `clean`)."),
    append: bool = typer.Option(False, "--append", help="OUTPUT already holds a corpus: add this run's documents to it."),
    overwrite: bool = typer.Option(False, "--overwrite", help="OUTPUT already holds a corpus: replace it."),
    workers: int = typer.Option(0, "--workers", "-w", min=0, help="Worker processes for the shard tasks. 0 = one per CPU core; 1 = in the flow's process."),
) -> None:
    """Clean INPUT with the Prefect flow, visible in the Prefect UI at PREFECT_API_URL (same OUTPUT contract as `clean`)."""
    from flows.stages import OutputError, check_input, prepare_output
    from flows.shards import unfinished_plan

    mode = _output_mode(append, overwrite)
    try:
        check_input(input)
        if unfinished_plan(output) is None:
            prepare_output(output, "new" if mode == "new" else "append")  # refuse before Prefect starts
    except (FileNotFoundError, OutputError) as exc:
        raise _usage_error(str(exc)) from None
    from flows.clean_corpus import clean_corpus

    report = clean_corpus(str(input), str(output), mode=mode, workers=workers or None)
    raise typer.Exit(EXIT_REJECTED if report["counts"]["rejected"] else EXIT_OK)


@app.command()
def inbox(
    inbox_dir: Path = typer.Argument(..., metavar="INBOX", help="Folder that new files are dropped into."),
    output: Path = typer.Option(Path("outputs/inbox"), "-o", "--out", "--output", help="Output folder (corpus, shards, state/)."),
    dask_address: str = typer.Option(None, "--dask-address", help="Run the shard tasks on this Dask scheduler (tcp://HOST:PORT)."),
    workers: int = typer.Option(0, "--workers", "-w", min=0, help="Worker processes for the shard tasks. 0 = one per CPU core; 1 = in this process."),
    settle: float = typer.Option(None, "--settle", help="Skip files modified less than this many seconds ago."),
) -> None:
    """Clean the files in INBOX not processed before, once, and add them to the corpus in OUT."""
    from flows.inbox import inbox_flow

    try:
        summary = inbox_flow(
            str(inbox_dir.resolve()), str(output.resolve()), dask_address=dask_address, settle_seconds=settle,
            workers=workers or None,
        )
    except ConnectionError as exc:
        raise _usage_error(str(exc)) from None
    rejected = sum(b["counts"]["rejected"] for b in summary["batches"])
    rejected += sum(1 for f in summary.get("failed", []) if f["action"] == "quarantined")
    if summary["skipped"]:
        print(f"wirewash: skipped: {summary['skipped']}", file=sys.stderr)
    for b in summary["batches"]:
        print(f"wirewash: batch {b['batch']}: {b['files']} files, counts {b['counts']}; corpus {b['corpus']} docs", file=sys.stderr)
    for f in summary.get("failed", []):
        print(f"wirewash: batch {f['batch']} failed (try {f['attempt']}, {f['action']}): {_printable(f['reason'])}", file=sys.stderr)
    for q in summary.get("quarantined", []):
        print(f"wirewash: quarantined {_printable(q['file'])}: {_printable(q['reason'])}", file=sys.stderr)
    if summary.get("waiting"):
        print(f"wirewash: {summary['waiting']} file(s) still being written (modified in the last settle seconds): left for the next run", file=sys.stderr)
    if not summary["batches"] and not summary["skipped"]:
        print("wirewash: nothing new in the inbox", file=sys.stderr)
    raise typer.Exit(EXIT_REJECTED if rejected else EXIT_OK)


@app.command()
def serve(
    inbox_dir: Path = typer.Option(..., "--inbox", help="Folder that new files are dropped into."),
    output: Path = typer.Option(..., "--out", "-o", help="Output folder (corpus, shards, state/)."),
    cron: str = typer.Option("*/15 * * * *", "--cron", help="When to run, as a cron expression."),
    dask_address: str = typer.Option(None, "--dask-address", help="Run per-shard tasks on this Dask scheduler (tcp://HOST:PORT)."),
    workers: int = typer.Option(0, "--workers", "-w", min=0, help="Worker processes for the shard tasks. 0 = one per CPU core; 1 = in the flow's process."),
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
