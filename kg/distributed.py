"""Where the NLP stage runs: in this process (optionally ``N`` spaCy processes) or on a Dask cluster.

Both give an *analyser*: a function from a stream of documents to their
analyses, in order, that loads the spaCy model only when the first document
arrives, so a build with everything cached never loads it.

On a cluster (``--scheduler tcp://HOST:8786``, or ``local:N`` for a throwaway
``LocalCluster`` of ``N`` processes on this machine), documents go out in
batches; each worker process loads the pipeline once (``load_pipeline`` is
cached per process) and sends back the analyses, which are merged here into
the same outputs as a local build. Workers need ``kg`` and the model installed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from itertools import chain, islice
from pathlib import Path

from kg.cache import Analyser
from kg.extract import LearnedExtractor, analyse_documents
from kg.model import Document, DocumentAnalysis
from kg.nlp import load_pipeline

CONNECT_TIMEOUT = "20s"


class ClusterError(Exception):
    """A scheduler address that is wrong or cannot be reached; the message says which."""


def analyser(
    workers: int = 1, scheduler: str | None = None, batch_size: int = 32, model: Path | None = None
) -> Analyser:
    """The analyser of a build: local with ``workers`` processes, or on the Dask ``scheduler``; ``model`` is
    a trained model folder (default: the packaged one)."""
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, not {workers}")
    if scheduler:
        check_scheduler(scheduler)
        return lambda documents: analyse_on_cluster(documents, scheduler, batch_size=min(batch_size, 16), model=model)
    return lambda documents: analyse_locally(documents, workers, batch_size, model)


def analyse_locally(
    documents: Iterable[Document], workers: int = 1, batch_size: int = 32, model: Path | None = None
) -> Iterator[DocumentAnalysis]:
    """``nlp.pipe`` over the documents, with ``workers`` processes (forked, so they share the loaded model)."""
    documents = iter(documents)
    first = next(documents, None)
    if first is None:
        return
    nlp, extractor = pipeline_and_extractor(model)
    yield from analyse_documents(chain([first], documents), nlp, extractor, batch_size=batch_size, n_process=workers)


@cache
def pipeline_and_extractor(model: Path | None = None):
    """The spaCy pipeline and the relation extractor of a model folder, loaded once per process."""
    nlp = load_pipeline(model)
    return nlp, LearnedExtractor(nlp, model)


def analyse_batch(documents: list[Document], model: Path | None = None) -> list[DocumentAnalysis]:
    """The task run on a Dask worker: the model is loaded once per worker process."""
    nlp, extractor = pipeline_and_extractor(model)
    return list(analyse_documents(documents, nlp, extractor))


def check_scheduler(scheduler: str) -> None:
    if scheduler.startswith("local:"):
        count = scheduler.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--scheduler {scheduler}: 'local:N' needs a number of worker processes N >= 1")
    elif "://" not in scheduler:
        raise ClusterError(f"--scheduler {scheduler}: give a scheduler address like tcp://HOST:8786, or local:N")


@contextmanager
def connect(scheduler: str):
    """A Dask client for ``scheduler``; ``local:N`` starts (and then stops) a local cluster on 127.0.0.1."""
    from dask.distributed import Client, LocalCluster

    check_scheduler(scheduler)
    if scheduler.startswith("local:"):
        n = int(scheduler.removeprefix("local:"))
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from exc
    with client:
        yield client


def analyse_on_cluster(
    documents: Iterable[Document],
    scheduler: str,
    batch_size: int = 16,
    in_flight: int | None = None,
    model: Path | None = None,
) -> Iterator[DocumentAnalysis]:
    """Analyses of ``documents``, in order, computed in batches on the cluster (connected only if needed).

    At most ``in_flight`` batches (default: two per worker) are out at a time,
    so memory stays bounded however long the stream is.
    """
    documents = iter(documents)
    first = next(documents, None)
    if first is None:
        return
    documents = chain([first], documents)
    with connect(scheduler) as client:
        limit = in_flight or 2 * max(1, len(client.scheduler_info().get("workers", {})))
        futures: deque = deque()
        while batch := list(islice(documents, batch_size)):
            futures.append(client.submit(analyse_batch, batch, model, pure=False))
            while len(futures) >= limit:
                yield from futures.popleft().result()
        while futures:
            yield from futures.popleft().result()
