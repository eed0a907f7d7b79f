"""Run one SPARQL query on a store in a child process, so that its time and memory can be bounded.

Started by :func:`kg.query.bounded_query` as a script (it imports nothing of kg, so it starts fast).
It reads one JSON request on stdin (``location``, ``query``, ``prefixes``, ``union``, ``seconds``,
``memory_mb``) and writes the answer on stdout: ``solutions`` or ``boolean`` then SPARQL JSON
results, or ``triples`` then N-Triples. The limits are the kernel's: ``RLIMIT_AS`` for memory (an
allocation beyond it aborts the process) and ``alarm`` for time (SIGALRM ends it even inside Rust).
"""

from __future__ import annotations

import ctypes
import json
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the alarm still ends the query
        pass


def main() -> int:
    request = json.load(sys.stdin)
    _die_with_parent()
    if request.get("memory_mb"):
        limit = int(request["memory_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if request.get("seconds"):
        signal.alarm(max(1, int(request["seconds"]) + 1))  # a backstop: the parent kills at its deadline
    import pyoxigraph as ox

    try:
        store = ox.Store.read_only(request["location"])
    except (OSError, RuntimeError) as exc:
        sys.stderr.write(f"StoreError: {exc}")
        return 4
    try:
        result = store.query(
            request["query"], prefixes=request["prefixes"], use_default_graph_as_union=request["union"]
        )
        out = sys.stdout.buffer
        if isinstance(result, ox.QueryTriples):
            data = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES)
            out.write(b"triples\n" + data)
        else:
            kind = b"boolean\n" if isinstance(result, ox.QueryBoolean) else b"solutions\n"
            out.write(kind + result.serialize(format=ox.QueryResultsFormat.JSON))
    except SyntaxError as exc:
        sys.stderr.write(f"SyntaxError: {exc}")
        return 3
    except (OSError, RuntimeError) as exc:  # a SERVICE that failed, or a store damaged past its opening
        sys.stderr.write(f"QueryError: {exc}")
        return 6
    except MemoryError:
        sys.stderr.write("MemoryError")
        return 5
    return 0


if __name__ == "__main__":
    sys.exit(main())
