"""Why French dates are read by a small table (``kg.formats.normalise_date``) rather than dateparser.

Prints, in one run, how many of a set of written dates each gets right and how long each takes (dateparser
restricted to absolute dates: a relative one such as "le mois prochain" is no publication date).

Run: .venv/bin/python bench/bench_dates.py   (dateparser comes with trafilatura's htmldate)
"""

from __future__ import annotations

import time

CASES = [
    ("2024-03-12", "2024-03-12"),
    ("12/03/2024", "2024-03-12"),
    ("1er mars 2024", "2024-03-01"),
    ("mardi 12 mars 2024", "2024-03-12"),
    ("March 12, 2024", "2024-03-12"),
    ("3 avril 2024", "2024-04-03"),
    ("12 déc. 2023", "2023-12-12"),
    ("5 juil 2024", "2024-07-05"),
    ("15 août 2024", "2024-08-15"),
    ("31/02/2024", None),
    ("bientôt", None),
    ("le mois prochain", None),
]
ROUNDS = 20


def main() -> None:
    started = time.perf_counter()
    import dateparser

    settings = {
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "STRICT_PARSING": True,
        "PARSERS": ["custom-formats", "absolute-time"],
    }

    def with_dateparser(raw: str) -> str | None:
        parsed = dateparser.parse(raw, languages=["fr", "en"], settings=settings)
        return parsed.date().isoformat() if parsed else None

    with_dateparser(CASES[0][0])
    load = time.perf_counter() - started
    from kg.formats import normalise_date

    def with_table(raw: str) -> str | None:
        iso = normalise_date(raw)
        return iso[:10] if iso else None

    for name, parse in (("table", with_table), ("dateparser", with_dateparser)):
        right = sum(parse(raw) == iso for raw, iso in CASES)
        started = time.perf_counter()
        for _ in range(ROUNDS):
            for raw, _ in CASES:
                parse(raw)
        per_date = (time.perf_counter() - started) / (ROUNDS * len(CASES))
        print(f"{name:10} right {right}/{len(CASES)}  {per_date * 1e6:8.1f} us per date")
    print(f"dateparser import and first parse: {load * 1000:.0f} ms")


if __name__ == "__main__":
    main()
