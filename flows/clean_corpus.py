"""The Prefect flow: the same stages as ``flows.runner``, as tasks you can see in the UI.

    read → clean (extract · textfix · boilerplate · spin, mapped over chunks) → boilerplate-corpus
         → despin-corpus → dedup → write
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task

from flows import stages

read_task = task(stages.read_stage, name="read")
clean_task = task(stages.clean_documents, name="clean-chunk")
despin_task = task(stages.despin_corpus_stage, name="despin-corpus")
corpus_boilerplate_task = task(stages.boilerplate_corpus_stage, name="boilerplate-corpus")
dedup_task = task(stages.dedup_stage, name="dedup")
write_task = task(stages.write_stage, name="write")


@flow(name="clean-corpus", log_prints=True)
def clean_corpus(input: str, output: str, mode: str = "new") -> dict[str, Any]:
    """Clean every document under ``input`` and write the corpus to ``output`` (``mode``: what
    to do when ``output`` already holds a corpus, see :func:`flows.stages.prepare_output`)."""
    stages.check_input(input)
    stages.prepare_output(output, mode)
    docs, rejected = read_task(input)
    if mode == "append":
        docs = stages.unique_ids(docs, stages.output_ids(output))
    chunks = stages.chunks(docs)
    parts = clean_task.map(chunks).result() if chunks else []
    cleaned, bad = stages.split_results([r for part in parts for r in part])
    rejected += bad
    cleaned = corpus_boilerplate_task(cleaned)
    cleaned = despin_task(cleaned, str(Path(output) / "state"))
    deduped = dedup_task(cleaned, str(stages.dedup_index_path(output)))
    report = write_task(deduped, rejected, str(Path(output)), append=mode == "append")
    print(f"wirewash: {report['counts']}")
    return report
