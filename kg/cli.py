"""The ``kg`` command. Each command parses its arguments and calls one library function."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help=(
        "Build and query a knowledge graph of the Moroccan economic and tech ecosystem "
        "from French news articles.\n\n"
        "Example:\n\n  kg build seeds/ --out out/\n\n"
        '  kg query "SELECT ?o ?f WHERE { ?o ekg:operates ?f }" --store out/\n\n'
        "Exit codes: 0 ok; 1 findings (SHACL violations, nothing could be built, a server or push failure); "
        "2 usage or input error (bad option, missing file, unknown query, syntax error)."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
# emoji off and messages escaped: file names and dates such as "[/red]" or ":smile:" are shown as written
console = Console(emoji=False)
err = Console(stderr=True, emoji=False)


VERBOSITY = {"level": 0}  # -q sets -1 (errors only), -v sets 1 (per-file detail)


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def warn(kind: str, message: str) -> None:
    """A warning on stderr, unless -q."""
    if VERBOSITY["level"] >= 0:
        err.print(f"[yellow]{kind}:[/] {escape(message)}", highlight=False)


def _show_version(value: bool) -> None:
    if value:
        from kg import __version__

        console.print(f"kg {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def options(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print kg's version and exit."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print errors only (and the answers asked for)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print per-file detail."),
) -> None:
    """Options for every command; put them before the command: kg -q build ..."""
    if quiet and verbose:
        fail("choose one of --quiet and --verbose")
    VERBOSITY["level"] = -1 if quiet else 1 if verbose else 0
    console.quiet = quiet


@app.command()
def build(
    paths: list[Path] = typer.Argument(..., help="Files and folders of articles (folders are read recursively)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (new, empty, or an earlier kg build)."),
    add: bool = typer.Option(
        False,
        "--add",
        help="Add these documents to the graph already in --out (a file read again replaces its old version). "
        "Without it, the graph holds exactly the documents of PATHS.",
    ),
    html: bool = typer.Option(True, "--html/--no-html", help="Write graph.html."),
    validate: str = typer.Option(
        "parts",
        "--validate",
        help="Check the output against the SHACL shapes: 'parts' (a few documents at a time), 'full' (the whole "
        "graph at once, as kg validate does; same violations, slower on big graphs) or 'off'.",
    ),
    no_validate: bool = typer.Option(False, "--no-validate", help="Same as --validate off."),
    prune: bool = typer.Option(False, "--prune", hidden=True, help="Accepted for old scripts: now the default."),
    use_cache: bool = typer.Option(
        True,
        "--cache/--no-cache",
        help="Reuse the analyses of unchanged documents from OUT/.kg-cache. --no-cache analyses everything again.",
    ),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="spaCy processes for the NLP (nlp.pipe)."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Run the NLP on a Dask cluster: tcp://HOST:8786, or local:N for N local processes."
    ),
    text_field: str = typer.Option("text", "--text-field", help="JSON Lines key or CSV column holding the text."),
    title_field: str = typer.Option("title", "--title-field", help="Key or column of the title."),
    date_field: str = typer.Option("date", "--date-field", help="Key or column of the publication date."),
    url_field: str = typer.Option("url", "--url-field", help="Key or column of the article's address."),
    source_field: str = typer.Option("source", "--source-field", help="Key or column of the publisher."),
    lang_field: str = typer.Option("lang", "--lang-field", help="Key or column of the declared language."),
    author_field: str = typer.Option("author", "--author-field", help="Key or column of the author."),
    lang: list[str] = typer.Option(
        None, "--lang", help="Read documents in this language too (repeat; default: fr only, others are skipped)."
    ),
    any_language: bool = typer.Option(False, "--any-language", help="Read documents whatever their language."),
    model: Path = typer.Option(
        None, "--model", help="A model folder written by 'kg train' (default: the model shipped with kg)."
    ),
) -> None:
    """Turn articles into graph.ttl, graph.trig, graph.html and a SPARQL store.

    Reads .txt, web pages (.html), RSS/Atom feeds (.xml, .rss, .atom), JSON Lines (.jsonl) and CSV (.csv).

    The graph in --out holds exactly the documents of PATHS (see --add and 'kg remove'); re-building only
    analyses new or changed documents. Sources are stored relative to the folder holding PATHS.

    Example: kg build seeds/ --out out/
    """
    from kg.build import BuildError, build_graph, count_input_files
    from kg.distributed import ClusterError, check_scheduler
    from kg.formats import Fields
    from kg.ingest import IngestOptions, InputError
    from kg.models import ModelError
    from kg.store import StoreError

    if validate not in ("parts", "full", "off"):
        fail(f"--validate {validate}: choose parts, full or off")
    fields = Fields(text_field, title_field, date_field, url_field, source_field, lang_field, author_field)
    ingest = IngestOptions(fields, tuple(dict.fromkeys(["fr", *(x.lower() for x in lang or ())])), any_language)
    try:
        total = count_input_files(paths)
        if scheduler:
            check_scheduler(scheduler)
    except (InputError, ClusterError) as exc:
        fail(str(exc))
    del prune  # the default now: a build holds exactly its documents
    columns = (TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("build", total=total)
        try:
            report = build_graph(
                paths,
                out,
                on_document=lambda: progress.advance(task),
                write_html=html,
                validate=False if no_validate or validate == "off" else validate,
                use_cache=use_cache,
                workers=workers,
                scheduler=scheduler,
                ingest=ingest,
                add=add,
                model=model,
            )
        except (ClusterError, BuildError, InputError, ModelError, StoreError) as exc:  # StoreError: --out unusable
            fail(str(exc))
    report_build(report)
    if report.documents == 0:
        fail("no document could be read; nothing was built", code=1)


@app.command()
def remove(
    documents: list[str] = typer.Argument(
        ..., help="Documents to remove: stored sources (seeds/a.txt, news.jsonl:3), paths, ids or document IRIs."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder of kg build."),
    html: bool = typer.Option(True, "--html/--no-html", help="Write graph.html."),
    validate: bool = typer.Option(True, "--validate/--no-validate", help="Check the output against the SHACL shapes."),
) -> None:
    """Remove documents from a built graph and rebuild it from the cache (no NLP); prints what changed.

    Example: kg remove seeds/000_569da23aa276cdde.txt --out out/
    """
    from kg.build import BuildError, remove_documents

    try:
        report = remove_documents(out, documents, write_html=html, validate=validate)
    except BuildError as exc:
        fail(str(exc))
    report_build(report)


def report_build(report) -> None:
    """Warnings, what changed and the summary of a build (``-q``: none; ``-v``: each file too)."""
    for warning in report.warnings:
        warn("warning", warning.message)
    for skipped in report.skipped:
        warn("skipped", skipped.reason)
    if report.violations:
        warn(
            "warning",
            f"the output breaks its SHACL shapes {report.violations} time(s); see 'kg validate {report.out_dir}'",
        )
    if VERBOSITY["level"] > 0:
        for d in report.per_document:
            console.print(
                f"  {d.source}: {d.sentences} sentences, {d.mentions} mentions, {d.claims} claims", highlight=False
            )
    changes = report.changes
    for sign, sources in (("+", changes.added), ("-", changes.removed), ("~", changes.replaced)):
        limit = None if VERBOSITY["level"] > 0 else 10
        for source in sources[:limit]:
            console.print(f"{sign} {source}", highlight=False, markup=False)
        if limit is not None and len(sources) > limit:
            console.print(f"{sign} ... and {len(sources) - limit} more (-v lists them all)", highlight=False)
    print_summary(report)


def print_summary(report) -> None:
    table = Table(title=escape(f"kg build -> {report.out_dir}"), show_header=False, box=None)
    table.add_row(
        "documents",
        f"{report.documents} (from {report.files} files, {len(report.skipped)} skipped, {report.cached} cached, "
        f"{report.duplicates} duplicates)",
    )
    table.add_row("changes", report.changes.summary())
    table.add_row("sentences", str(report.sentences))
    ents = ", ".join(f"{c} {n}" for c, n in sorted(report.entities_by_class.items(), key=lambda kv: -kv[1]))
    table.add_row("entities", f"{sum(report.entities_by_class.values())}: {ents}")
    rels = ", ".join(f"{p} {n}" for p, n in sorted(report.relations_by_predicate.items(), key=lambda kv: -kv[1]))
    table.add_row("relations", f"{sum(report.relations_by_predicate.values())}: {rels}")
    table.add_row("triples", str(report.triples))
    if report.violations is not None:
        shacl = "0 violations" if not report.violations else f"[bold red]{report.violations} VIOLATIONS[/]"
        table.add_row("SHACL", shacl)
    table.add_row("outputs", escape(", ".join(str(p) for p in report.outputs.values())))
    table.add_row("seconds", f"{report.seconds:.1f}")
    console.print(table)


@app.command()
def query(
    sparql: str = typer.Argument(None, help="SPARQL text, or the name of a library query (see --list)."),
    store: Path = typer.Option(Path("out"), "--store", "-s", help="Output folder of kg build."),
    file: Path = typer.Option(None, "--file", "-f", help="Read the query from a .rq file."),
    fmt: str = typer.Option(
        "table",
        "--format",
        help="table, csv, tsv, json, xml (SPARQL 1.1 results); CONSTRUCT/DESCRIBE: table, turtle, ntriples, jsonld.",
    ),
    param: list[str] = typer.Option(None, "--param", "-p", help="NAME=VALUE for a library query (repeatable)."),
    list_queries: bool = typer.Option(False, "--list", help="List the library queries and what they answer."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, help="Stop a SPARQL query after this many seconds."),
    max_memory: int = typer.Option(4096, "--max-memory", min=64, help="Stop a SPARQL query beyond this many MB."),
    allow_service: bool = typer.Option(
        False, "--allow-service", help="Let SERVICE clauses send requests to other SPARQL endpoints."
    ),
) -> None:
    """Run a SPARQL query or a library query on a built graph. Prefixes ekg:, ent:, rdfs:, skos:, dcterms:, prov:
    are predefined.

    Example: kg query partners --param entity=Technopark --store out/
    """
    from kg.library import parse_param_options
    from kg.query import answer, library_listing, read_query_file
    from kg.store import StoreError

    if list_queries:
        sys.stdout.write(library_listing() + "\n")
        return
    try:
        if file is not None:
            sparql = read_query_file(file)
        if not sparql:
            fail("give a query, a library query name (see --list), or --file FILE")
        text = answer(store, sparql, parse_param_options(param), fmt, timeout, max_memory, allow_service)
    except (FileNotFoundError, ValueError, StoreError) as exc:  # LibraryError and QueryError are ValueErrors
        fail(str(exc))
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def stats(
    out_dir: Path = typer.Argument(..., help="Output folder of kg build."),
    top: int = typer.Option(10, "--top", "-n", min=1, help="How many actors to list."),
) -> None:
    """Print the most connected actors (degree, betweenness, PageRank) and the communities of a built graph.

    Example: kg stats out/ --top 5
    """
    from kg.analysis import graph_stats
    from kg.store import KGStore, StoreError

    try:
        summary = graph_stats(KGStore.open(out_dir), top=top)
    except StoreError as exc:
        fail(str(exc))
    actors = Table(title=f"{summary.actors} actors, {summary.relations} relations: most connected")
    for column in ("actor", "class", "degree", "betweenness", "pagerank"):
        actors.add_column(column, justify="left" if column in ("actor", "class") else "right")
    for a in summary.top_actors:
        actors.add_row(a.label, a.cls, str(a.degree), f"{a.betweenness:.3f}", f"{a.pagerank:.3f}")
    console.print(actors)
    groups = Table(title=f"{len(summary.communities)} communities (Louvain)")
    for column in ("#", "size", "members"):
        groups.add_column(column)
    for c in summary.communities:
        groups.add_row(str(c.number), str(c.size), ", ".join(c.labels[:8]) + (", …" if c.size > 8 else ""))
    console.print(groups)


@app.command(name="eval")
def eval_command(
    gold: Path = typer.Argument(..., help="Gold file: the project's JSON format or POPCORN's train.json."),
    out: Path = typer.Option(None, "--out", "-o", help="Also write the predicted graph and eval.json here."),
    limit: int = typer.Option(None, "--limit", min=1, help="Evaluate only the first N gold documents."),
    show: int = typer.Option(20, "--show", min=0, help="How many missed and spurious facts to list."),
    model: Path = typer.Option(
        None, "--model", help="A model folder written by 'kg train' (default: the packaged one)."
    ),
    held_aside: bool = typer.Option(
        False, "--held-aside", help="Evaluate only the documents of GOLD that the model's training held aside."
    ),
) -> None:
    """Score the extraction against a gold standard: precision, recall and F1 per class and per relation,
    and a reliability table of the confidences.

    Example: kg eval tests/data/gold_small.json --show 10
    """
    from kg.eval import GoldError, format_report, run_eval
    from kg.models import ModelError
    from kg.nlp import ModelMissingError

    try:
        report = run_eval(gold, out_dir=out, limit=limit, model=model, held_aside=held_aside)
    except (GoldError, ModelMissingError, ModelError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: cannot write the outputs ({exc.strerror or exc})")
    sys.stdout.write(format_report(report, show=show))


@app.command()
def train(
    gold: list[Path] = typer.Argument(..., help="Gold files: the project's JSON format or POPCORN's."),
    out: Path = typer.Option(..., "--out", "-o", help="The model folder to write (replaced when it exists)."),
    dev: list[Path] = typer.Option(None, "--dev", help="Gold files to measure the new model on (never trained on)."),
    settings: list[str] = typer.Option(
        None, "--set", help="Override a training setting of kg/data/entity_training.cfg: section.key=value."
    ),
    entities_from: Path = typer.Option(
        None, "--entities-from", help="Reuse the entity model of this model folder; train the relations only."
    ),
) -> None:
    """Train the entity and relation models from gold files into a model folder (with its meta.json).

    Example: kg train ../shared/datasets/ecosystem-news/train.json --out my-model --dev dev.json
    Then: kg build corpus/ --out out/ --model my-model
    """
    from kg.models import ModelError
    from kg.train.corpus import TrainingDataError
    from kg.train.run import train_models

    overrides = {}
    for item in settings or []:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"--set {item!r}: expected section.key=value")
        try:
            overrides[key] = int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            overrides[key] = value
    for path in [*gold, *(dev or [])]:
        if not path.is_file():
            fail(f"{path}: no such gold file")
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task("training", total=1.0)
        try:
            report = train_models(
                gold,
                out,
                dev=dev,
                overrides=overrides,
                progress=lambda what, done: bar.update(task, description=what, completed=done),
                entities_from=entities_from,
            )
        except (TrainingDataError, ModelError, KeyError, ValueError) as exc:
            fail(str(exc))
    ent, rel = report.entity.get("aside_scores", {}), report.relation.get("aside_scores", {})
    console.print(f"model written to {out} in {report.seconds:.0f} s", highlight=False, markup=False)
    if ent or rel:
        console.print(
            f"held aside: entities exact-span F1 {ent.get('ents_f', 0):.3f}, relation facts F1 {rel.get('f1', 0):.3f}",
            highlight=False,
        )
    else:
        console.print("no document was held aside (too few of them): no calibration, threshold 0.5", highlight=False)
    for path, scores in report.dev.items():
        console.print(
            f"dev {path}: entities micro-F1 {scores['entities_micro_f1']:.3f}, relations micro-F1 "
            f"{scores['relations_micro_f1']:.3f}",
            highlight=False,
            markup=False,
        )


@app.command()
def viz(
    store: Path = typer.Argument(Path("out"), help="Output folder of kg build."),
    out: Path = typer.Option(None, "--out", "-o", help="HTML file to write (default: STORE/graph.html)."),
    focus: str = typer.Option(None, "--focus", help="Draw only the neighbourhood of the entity with this label."),
    hops: int = typer.Option(1, "--hops", help="With --focus: how many relations away from it to go."),
    classes: list[str] = typer.Option(
        None, "--classes", help="Keep these classes: names or labels, e.g. Organization or Organisation (repeatable)."
    ),
    predicates: list[str] = typer.Option(
        None, "--predicates", help="Keep these relations: names or labels, e.g. headOf, dirige, 'head of' (repeatable)."
    ),
    min_degree: int = typer.Option(0, "--min-degree", help="Drop entities with fewer relations than this."),
    max_nodes: int = typer.Option(None, "--max-nodes", help="Keep only this many entities, the most connected."),
    first: int = typer.Option(100, "--first-view", help="Entities drawn when the page opens (the rest on demand)."),
) -> None:
    """Write the graph as one interactive, offline HTML page (search, filters, evidence sentences).

    Example: kg viz out/ --focus Technopark --hops 2 --out technopark.html
    """
    from kg.store import KGStore, StoreError
    from kg.viz import ViewOptions, VizError, write_html_graph
    from kg.vocab import ENTITY_CLASSES, PREDICATES, local_name

    def names(values, allowed):
        """Local names from what was typed: a local name or a French/English label ('dirige', 'Organisation')."""
        typed = (v.strip() for value in values or () for v in value.split(",") if v.strip())
        return tuple(local_name(v, allowed) or v for v in typed)  # an unknown name is left for kg.viz to report

    options = ViewOptions(
        focus, hops, names(classes, ENTITY_CLASSES), names(predicates, PREDICATES), min_degree, max_nodes, first
    )
    try:
        path = write_html_graph(KGStore.open(store), out or Path(store) / "graph.html", options)
    except (StoreError, VizError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: cannot write the page ({exc.strerror})")
    console.print(f"wrote {path}", highlight=False)


@app.command()
def validate(
    out_dir: Path = typer.Argument(..., help="Output folder of kg build."),
) -> None:
    """Check a built graph against the SHACL shapes (ontology/shapes.ttl); exit code 1 on any violation.

    Example: kg validate out/
    """
    from kg.store import KGStore, StoreError
    from kg.validate import format_report, validate_graph

    try:
        report = validate_graph(KGStore.open(out_dir))
    except StoreError as exc:
        fail(str(exc))
    console.print(format_report(report), highlight=False, markup=False)
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
def export(
    out_dir: Path = typer.Argument(..., help="Output folder of kg build."),
    fmt: str = typer.Option(..., "--format", help="jsonld, nquads, graphml, gexf or csv."),
    out: Path = typer.Option(None, "--out", "-o", help="File to write (a folder for csv); default: in OUT_DIR."),
) -> None:
    """Export a built graph as JSON-LD, N-Quads, GraphML (Cytoscape), GEXF (Gephi) or CSV (nodes and edges).

    Example: kg export out/ --format gexf --out ecosystem.gexf
    """
    from kg.export import FORMATS, default_output, export_graph
    from kg.store import KGStore, StoreError

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        written = export_graph(KGStore.open(out_dir), fmt, out or default_output(out_dir, fmt))
    except (StoreError, OSError) as exc:
        fail(str(exc))
    for path in written:
        console.print(str(path), highlight=False)


@app.command()
def serve(
    out_dir: Path = typer.Argument(..., help="Output folder of kg build."),
    port: int = typer.Option(7878, "--port", help="TCP port to listen on."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind; loopback unless given (0.0.0.0 opens it to the network)."
    ),
    cors: str = typer.Option(None, "--cors", help="Let browser pages of this origin (or *) query the endpoint."),
    timeout: float = typer.Option(30.0, "--timeout", min=1, help="Stop a query after this many seconds."),
    allow_service: bool = typer.Option(False, "--allow-service", help="Let SERVICE clauses reach other endpoints."),
) -> None:
    """Serve a built graph as a read-only SPARQL 1.1 endpoint with a query page, until Ctrl-C.

    The project's prefixes (ekg:, ent:...) are predeclared; a rebuild of OUT_DIR is served as soon as it is written.

    Example: kg serve out/ --port 7878 --cors '*'
    """
    from kg.serve import PortInUse, ServeError, is_loopback
    from kg.serve import serve as serve_store
    from kg.store import StoreError

    def announce(server) -> None:
        lines = f"SPARQL endpoint {server.query_url}\nquery page      {server.url}\nCtrl-C to stop"
        console.print(escape(lines), highlight=False)
        if not is_loopback(host):
            err.print(f"[yellow]warning:[/] listening on {escape(host)}: other machines can query it", highlight=False)

    def event(message: str) -> None:
        err.print(f"[yellow]note:[/] {escape(message)}", highlight=False)

    try:
        serve_store(out_dir, port, host, announce, cors, timeout, allow_service, event)
    except PortInUse as exc:
        fail(str(exc), code=2)
    except (ServeError, StoreError) as exc:
        fail(str(exc), code=1)
    console.print("stopped")


@app.command()
def push(
    out_dir: Path = typer.Argument(..., help="Output folder of kg build."),
    endpoint: str = typer.Option(..., "--endpoint", help="SPARQL 1.1 Graph Store Protocol URL, e.g. .../store"),
    user_env: str = typer.Option(None, "--user-env", help="Environment variable holding the user name."),
    password_env: str = typer.Option(None, "--password-env", help="Environment variable holding the password."),
    query_endpoint: str = typer.Option(
        None, "--query-endpoint", help="The server's SPARQL query URL (default: the store URL ending in /query)."
    ),
    timeout: float = typer.Option(60.0, "--timeout", min=1, help="Give up on a request after this many seconds."),
) -> None:
    """Mirror a built graph into a SPARQL 1.1 store: each document's graph is replaced (pushing twice never
    duplicates) and document graphs the build no longer has are removed; other data on the server stays.

    Example: kg push out/ --endpoint http://localhost:7878/store --user-env KG_USER --password-env KG_PASSWORD
    """
    from kg.push import PushError, auth_from_env, push_graph
    from kg.store import StoreError

    try:
        auth = auth_from_env(user_env, password_env)
        report = push_graph(out_dir, endpoint, auth=auth, timeout=timeout, query_endpoint=query_endpoint)
    except (PushError, StoreError) as exc:
        fail(str(exc), code=1)
    console.print(
        escape(
            f"pushed {report.triples} triples in {report.graphs} graphs to {report.endpoint}: document graphs "
            f"{report.added} added, {report.replaced} replaced, {report.removed} removed"
        ),
        highlight=False,
    )


def main() -> None:
    """Run the CLI; an unexpected error becomes one line and a hint instead of a traceback."""
    try:
        app(prog_name="kg")  # typer turns usage errors, Exit and Ctrl-C into messages and exit codes itself
    except OSError as exc:
        where = f"{os.fsdecode(exc.filename)}: " if exc.filename else ""
        err.print(f"[bold red]error:[/] {escape(where + (exc.strerror or str(exc)))}", highlight=False)
        sys.exit(2)
    except Exception as exc:  # the last resort: no traceback reaches the user
        if "-v" in sys.argv[1:] or "--verbose" in sys.argv[1:] or os.environ.get("KG_TRACEBACK"):
            raise
        err.print(f"[bold red]error:[/] {escape(f'{type(exc).__name__}: {exc}')}", highlight=False)
        err.print("this is a bug in kg; rerun with -v (or KG_TRACEBACK=1) to see the traceback", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
