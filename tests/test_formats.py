"""Reading articles as they arrive: web pages, RSS/Atom, JSON Lines, CSV, with their metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.formats import Article, Fields, Problem, detect_language, html_to_text, normalise_date
from kg.ingest import IngestOptions, find_input_files, read_articles, read_documents

ROOT = Path(__file__).resolve().parents[1]

ATLAS_TITLE = "Atlas Drone lève 5 millions de dirhams"
ATLAS_PARAGRAPHS = [
    "La startup agadirienne Atlas Drone a annoncé mardi une levée de fonds de 5 millions de dirhams auprès "
    "du fonds Tamwil Souss Capital. L'entreprise, fondée en 2021 par Youssef Amrani, conçoit des drones pour "
    "surveiller les cultures d'arganiers.",
    "Selon son directeur général Youssef Amrani, ces fonds serviront à ouvrir un atelier de production à "
    "Agadir et à recruter une vingtaine d'ingénieurs dans la région.",
    "Atlas Drone est incubée depuis deux ans par le Technopark d'Agadir, qui accompagne les jeunes pousses "
    "du secteur agricole.",
]

PAGE = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>{ATLAS_TITLE} - Le Courrier de Souss</title>
<meta property="og:title" content="{ATLAS_TITLE}">
<meta property="og:site_name" content="Le Courrier de Souss">
<meta name="author" content="Salma Idrissi">
<meta property="article:published_time" content="2024-03-12T09:30:00+01:00">
<link rel="canonical" href="https://courrier-souss.example/eco/atlas-drone">
</head><body>
<nav><ul><li><a href="/">Accueil</a></li><li><a href="/eco">Économie</a></li></ul></nav>
<article><h1>{ATLAS_TITLE}</h1>
{"".join(f"<p>{p}</p>" for p in ATLAS_PARAGRAPHS)}
</article>
<aside class="related"><h2>Articles liés</h2><ul>
<li><a href="/a1">Oasis Data ouvre un bureau à Dakhla</a></li>
<li><a href="/a2">Le port de Nador West Med reçoit son premier navire</a></li></ul></aside>
<footer><p>© 2024 Le Courrier de Souss. Tous droits réservés. Mentions légales. Contact.</p></footer>
</body></html>
"""

NAV_ONLY_PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Rubriques</title></head><body>
<nav><ul><li><a href="/">Accueil</a></li><li><a href="/eco">Économie</a></li></ul></nav>
<footer>© 2024 Le Courrier de Souss</footer></body></html>
"""

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Le Courrier de Souss</title><link>https://courrier-souss.example/</link>
<description>Économie du Souss</description><language>fr-MA</language>
<item><title>{ATLAS_TITLE}</title>
<link>https://courrier-souss.example/eco/atlas-drone</link>
<pubDate>Tue, 12 Mar 2024 09:30:00 +0100</pubDate>
<description>Atlas Drone lève des fonds.</description>
<content:encoded><![CDATA[{"".join(f"<p>{p}</p>" for p in ATLAS_PARAGRAPHS)}]]></content:encoded>
</item>
<item><title>Oasis Data ouvre un bureau à Dakhla</title>
<link>https://courrier-souss.example/eco/oasis-data</link>
<pubDate>Tue, 05 Mar 2024 08:00:00 +0000</pubDate>
<description><![CDATA[<p>La société <b>Oasis Data</b>, spécialisée dans l'analyse des données de pêche, a ouvert un
bureau à Dakhla.</p><p>Son fondateur, Karim Belhaj, veut y employer quinze personnes d'ici la fin de l'année.</p>]]>
</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
<title>Maghreb Tech Hebdo</title><id>urn:maghreb-tech</id><updated>2024-02-20T10:00:00Z</updated>
<entry><title>Argane Pay s'associe à la Banque Populaire de l'Oriental</title>
<id>urn:maghreb-tech:1</id><link href="https://maghreb-tech.example/argane-pay"/>
<updated>2024-02-20T10:00:00Z</updated><author><name>Nadia Berrada</name></author>
<summary type="html">&lt;p&gt;La fintech casablancaise Argane Pay a signé un partenariat avec la Banque Populaire
de l'Oriental pour proposer le paiement mobile aux commerçants d'Oujda et de Berkane.&lt;/p&gt;</summary>
</entry></feed>
"""

BROKEN_FEED = "<rss version='2.0'><channel><<<>>> &&& ceci n'est pas un flux"

JSONL_LINES = [
    json.dumps(
        {
            "text": "La fondation Sahel Innov a inauguré un incubateur à Guelmim pour les jeunes porteurs de "
            "projets. Le programme, financé par la région, accueillera douze startups par an dans les "
            "domaines de l'énergie solaire et de l'eau.",
            "title": "Sahel Innov ouvre un incubateur à Guelmim",
            "date": "18/01/2024",
            "url": "https://sud-eco.example/sahel-innov",
            "source": "Sud Éco",
            "lang": "fr",
        },
        ensure_ascii=False,
    ),
    '{"text": "Une ligne coupée',
    json.dumps({"title": "Sans texte", "date": "2024-01-19"}),
    json.dumps({"text": "   ", "title": "Texte vide"}),
    json.dumps(
        {
            "text": "The Moroccan startup Zellij Labs has opened an office in Rabat. It is the first step of a "
            "plan that the founders announced last year, and the company says that it will hire ten "
            "engineers in the coming months for its new platform.",
            "title": "Zellij Labs opens an office in Rabat",
        }
    ),
    json.dumps(
        {
            "text": "-\nSouss Agritech : une nouvelle usine à Taroudant\n-\nTanger : le salon du numérique "
            "ferme ses portes\n-\nMédina Cloud recrute à Fès\nLa société Médina Cloud, hébergeur installé à "
            "Fès, a annoncé le recrutement de trente techniciens pour son nouveau centre de données.",
            "date": "2024-04-02",
        },
        ensure_ascii=False,
    ),
]

CSV = (
    "titre;texte;jour;lien\n"
    "Nour Énergie signe avec l'ONEE;\"La startup Nour Énergie a signé une convention avec l'ONEE pour "
    'installer des panneaux solaires sur les toits de vingt écoles de la région de Béni Mellal.";'
    "3 avril 2024;https://atlas-eco.example/nour\n"
    "Ligne vide;;4 avril 2024;https://atlas-eco.example/vide\n"
)

NO_TEXT_COLUMN_CSV = "title,date\nUn titre,2024-01-01\n"

PLAIN = (
    "Kasbah Robotics s'installe à Meknès\n"
    "La jeune entreprise Kasbah Robotics a choisi la zone industrielle d'Agropolis, à Meknès, pour son "
    "premier atelier. Elle fabrique des bras robotisés pour les coopératives agricoles de la région.\n"
)


def write_inputs(folder: Path) -> Path:
    """One folder holding every format, broken inputs included."""
    folder.mkdir(parents=True, exist_ok=True)
    # without its canonical link, the page's copy of the article leaves the address to the feed's copy
    (folder / "atlas.html").write_text(PAGE.replace('<link rel="canonical"', "<link"), encoding="utf-8")
    (folder / "rubriques.htm").write_text(NAV_ONLY_PAGE, encoding="utf-8")
    (folder / "courrier.xml").write_text(RSS, encoding="utf-8")
    (folder / "maghreb.atom").write_text(ATOM, encoding="utf-8")
    (folder / "broken.rss").write_text(BROKEN_FEED, encoding="utf-8")
    (folder / "news.jsonl").write_text("\n".join(JSONL_LINES) + "\n", encoding="utf-8")
    (folder / "news.csv").write_text(CSV, encoding="utf-8")
    (folder / "no_text.csv").write_text(NO_TEXT_COLUMN_CSV, encoding="utf-8")
    (folder / "kasbah.txt").write_text(PLAIN, encoding="utf-8")
    return folder


CSV_OPTIONS = IngestOptions(fields=Fields(text="texte", title="titre", date="jour", url="lien"))


def read_all(folder: Path, options: IngestOptions = IngestOptions()):
    skipped, warned = [], []
    docs = list(read_documents(find_input_files([folder]), skipped, warned, options))
    return docs, skipped, warned


# --- readers, without the NLP pipeline ----------------------------------------------------------


def test_page_main_text_and_metadata_without_boilerplate(tmp_path):
    (page := tmp_path / "atlas.html").write_text(PAGE, encoding="utf-8")
    (article,) = list(read_articles(page))
    assert article.title == ATLAS_TITLE
    assert article.text.split("\n") == ATLAS_PARAGRAPHS
    meta = dict(article.metadata)
    assert meta["date"] == "2024-03-12" and meta["author"] == "Salma Idrissi"
    assert meta["publisher"] == "Le Courrier de Souss"
    assert meta["url"] == "https://courrier-souss.example/eco/atlas-drone"
    for boilerplate in ("Accueil", "Articles liés", "Oasis Data", "Tous droits réservés"):
        assert boilerplate not in article.text


def test_feed_entries_are_items_with_their_own_source_and_stripped_html(tmp_path):
    (feed := tmp_path / "courrier.xml").write_text(RSS, encoding="utf-8")
    first, second = list(read_articles(feed))
    assert (first.source, second.source) == (f"{feed}#entry-1", f"{feed}#entry-2")
    assert first.text.split("\n") == ATLAS_PARAGRAPHS  # the full content wins over the short description
    assert "<b>" not in second.text and second.text.startswith("La société Oasis Data, spécialisée")
    assert second.text.count("\n") == 1  # one line per paragraph
    assert dict(second.metadata) == {
        "date": "2024-03-05T08:00:00+00:00",
        "publisher": "Le Courrier de Souss",
        "url": "https://courrier-souss.example/eco/oasis-data",
    }
    assert first.declared_language == "fr" and dict(first.metadata)["date"] == "2024-03-12T09:30:00+01:00"


def test_a_page_and_a_feed_entry_of_one_article_get_one_document_id(tmp_path):
    docs, skipped, _ = read_all(write_inputs(tmp_path / "in"))
    atlas = [d for d in docs if d.title == ATLAS_TITLE]
    assert len(atlas) == 2 and atlas[0].doc_id == atlas[1].doc_id
    assert {Path(d.source).name for d in atlas} == {"atlas.html", "courrier.xml#entry-1"}


def test_bad_items_are_skipped_with_file_and_line_and_the_rest_is_read(tmp_path):
    folder = write_inputs(tmp_path / "in")
    docs, skipped, _ = read_all(folder)
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert "invalid JSON" in reasons["news.jsonl:2"]
    assert "no 'text' field" in reasons["news.jsonl:3"]
    assert "empty 'text' field" in reasons["news.jsonl:4"]
    assert "'en'" in reasons["news.jsonl:5"] and "--any-language" in reasons["news.jsonl:5"]
    assert "no main text" in reasons["rubriques.htm"]
    assert "not a readable RSS or Atom feed" in reasons["broken.rss"]
    assert "no 'text' column" in reasons["no_text.csv"] and "--text-field" in reasons["no_text.csv"]
    assert "no 'text' column" in reasons["news.csv"]  # its text column is named "texte"
    assert all(s.path in s.reason for s in skipped)
    sources = sorted(Path(d.source).name for d in docs)
    assert sources == [
        "atlas.html",
        "courrier.xml#entry-1",
        "courrier.xml#entry-2",
        "kasbah.txt",
        "maghreb.atom#entry-1",
        "news.jsonl:1",
        "news.jsonl:6",
    ]


def test_csv_columns_are_configurable_and_rows_are_numbered_by_line(tmp_path):
    (table := tmp_path / "news.csv").write_text(CSV, encoding="utf-8")
    skipped, warned = [], []
    docs = list(read_documents([table], skipped, warned, CSV_OPTIONS))
    (doc,) = docs
    assert doc.source == f"{table}:2" and doc.title == "Nour Énergie signe avec l'ONEE"
    assert dict(doc.metadata)["date"] == "2024-04-03" and dict(doc.metadata)["url"] == "https://atlas-eco.example/nour"
    assert [(s.path, "empty 'texte' field" in s.reason) for s in skipped] == [(f"{table}:3", True)]


def test_headline_lists_in_a_record_stay_separate_items(tmp_path):
    (lines := tmp_path / "news.jsonl").write_text(JSONL_LINES[5] + "\n", encoding="utf-8")
    (doc,) = list(read_documents([lines], [], []))
    kinds = [(s.kind, doc.text[s.start : s.end]) for s in doc.segments]
    assert kinds[:3] == [
        ("headline", "Souss Agritech : une nouvelle usine à Taroudant"),
        ("headline", "Tanger : le salon du numérique ferme ses portes"),
        ("headline", "Médina Cloud recrute à Fès"),
    ]
    assert kinds[3][0] == "body" and kinds[3][1].startswith("La société Médina Cloud")


def test_non_french_text_is_read_when_asked(tmp_path):
    (lines := tmp_path / "news.jsonl").write_text(JSONL_LINES[4] + "\n", encoding="utf-8")
    assert list(read_documents([lines], [], [])) == []
    for options in (IngestOptions(languages=("fr", "en")), IngestOptions(any_language=True)):
        (doc,) = list(read_documents([lines], [], [], options))
        assert dict(doc.metadata)["language"] == "en"


def test_language_identifier_knows_languages_beyond_a_word_list():
    portuguese = "A empresa marroquina assinou um acordo com o banco para financiar novas centrais solares no sul."
    italian = "L'azienda marocchina ha firmato un accordo con la banca per finanziare nuovi impianti solari nel sud."
    assert (detect_language(portuguese), detect_language(italian)) == ("pt", "it")
    mixed = "Nour Énergie signs with ONEE : la startup the deal solar Casablanca Tanger Rabat Fès Agadir Oujda Dakhla"
    assert detect_language(mixed) in (None, "fr", "en")  # never a third language for a mixed text


def test_language_guess():
    assert detect_language(PLAIN) == "fr"
    assert detect_language(json.loads(JSONL_LINES[4])["text"]) == "en"
    assert detect_language("Maroc PME soutient les startups de Tanger.") is None  # too short to tell
    seed = next((ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    assert detect_language(seed) == "fr"


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2024-03-12", "2024-03-12"),
        ("2024-03-12T09:30:00Z", "2024-03-12T09:30:00+00:00"),
        ("Tue, 12 Mar 2024 09:30:00 +0100", "2024-03-12T09:30:00+01:00"),
        ("12/03/2024", "2024-03-12"),
        ("1er mars 2024", "2024-03-01"),
        ("mardi 12 mars 2024", "2024-03-12"),
        ("March 12, 2024", "2024-03-12"),
        ("12 déc. 2023", "2023-12-12"),
        ("5 juil 2024", "2024-07-05"),
        ("15 août 2024", "2024-08-15"),
        ("31/02/2024", None),
        ("bientôt", None),
        ("le mois prochain", None),  # relative: no publication date
    ],
)
def test_dates_are_normalised_to_iso_8601(raw, iso):
    assert normalise_date(raw) == iso


def test_unreadable_date_is_a_warning_not_a_skip(tmp_path):
    record = {"text": PLAIN, "date": "le mois prochain"}
    (lines := tmp_path / "a.jsonl").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    skipped, warned = [], []
    (doc,) = list(read_documents([lines], skipped, warned))
    assert skipped == [] and "date" not in dict(doc.metadata)
    assert [w.path for w in warned] == [f"{lines}:1"] and "unreadable date" in warned[0].message


def test_html_fragments_become_lines_of_text():
    assert html_to_text("<p>Un &amp; deux</p><ul><li>trois</li><li>quatre</li></ul>") == "Un & deux\ntrois\nquatre"
    assert html_to_text("sans balise") == "sans balise"


def test_content_is_sniffed_when_the_extension_says_nothing(tmp_path):
    (feed := tmp_path / "flux").write_text(RSS, encoding="utf-8")
    (lines := tmp_path / "export.data").write_text(JSONL_LINES[0], encoding="utf-8")
    items = [i for f in (feed, lines) for i in read_articles(f)]
    assert all(isinstance(i, Article) for i in items) and len(items) == 3
    assert not any(isinstance(i, Problem) for i in items)


# --- one real build over every format -----------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory):
    from kg.build import build_graph

    folder = write_inputs(tmp_path_factory.mktemp("mixed-in"))
    (folder / "news.csv").unlink()
    (folder / "nour.csv").write_text(CSV.replace("titre;texte;jour;lien", "title;text;date;url"), encoding="utf-8")
    out = tmp_path_factory.mktemp("mixed-out")
    report = build_graph([folder], out, write_html=False, ingest=IngestOptions())
    from kg.store import KGStore

    return report, KGStore.open(out)


def test_build_counts_documents_duplicates_and_skipped(mixed_build):
    report, store = mixed_build
    assert report.documents == 7 and report.duplicates == 1
    skipped = sorted(Path(s.path).name for s in report.skipped)
    assert skipped == [
        "broken.rss",
        "news.jsonl:2",
        "news.jsonl:3",
        "news.jsonl:4",
        "news.jsonl:5",
        "no_text.csv",
        "nour.csv:3",
        "rubriques.htm",
    ]
    (row,) = store.query("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a ekg:Document }")
    assert row["n"] == 7


def test_the_same_article_from_a_page_and_a_feed_is_one_document_with_both_sources(mixed_build):
    _, store = mixed_build
    rows = store.query(
        "SELECT ?t ?d ?source WHERE { ?d a ekg:Document ; dcterms:title ?t ; dcterms:source ?source }",
        t=ATLAS_TITLE,
    )
    assert len({r["d"] for r in rows}) == 1
    assert sorted(Path(r["source"]).name for r in rows) == ["atlas.html", "courrier.xml#entry-1"]
    (meta,) = store.query(
        "SELECT ?d ?author ?url WHERE { ?d dcterms:creator ?author ; <https://schema.org/url> ?url }", d=rows[0]["d"]
    )
    assert meta["author"] == "Salma Idrissi" and meta["url"] == "https://courrier-souss.example/eco/atlas-drone"


def test_metadata_is_on_the_document_resource(mixed_build):
    _, store = mixed_build
    rows = store.query(
        """SELECT ?title ?date ?dt ?publisher ?url ?lang WHERE {
             ?d a ekg:Document ; dcterms:title ?title ; dcterms:date ?date ; dcterms:language ?lang .
             OPTIONAL { ?d dcterms:publisher ?publisher } OPTIONAL { ?d <https://schema.org/url> ?url }
             BIND (DATATYPE(?date) AS ?dt) }""",
    )
    by_title = {r["title"]: r for r in rows}
    sahel = by_title["Sahel Innov ouvre un incubateur à Guelmim"]
    assert sahel["date"] == "2024-01-18" and sahel["dt"].endswith("#date")
    assert sahel["publisher"] == "Sud Éco" and sahel["url"] == "https://sud-eco.example/sahel-innov"
    oasis = by_title["Oasis Data ouvre un bureau à Dakhla"]
    assert oasis["dt"].endswith("#dateTime") and oasis["date"].startswith("2024-03-05T08:00:00")
    nour = by_title["Nour Énergie signe avec l'ONEE"]
    assert nour["date"] == "2024-04-03" and nour["url"] == "https://atlas-eco.example/nour"
    assert by_title["Argane Pay s'associe à la Banque Populaire de l'Oriental"]["publisher"] == "Maghreb Tech Hebdo"
    assert {r["lang"] for r in rows} == {"fr"}


def test_facts_between_dates_query(mixed_build):
    _, store = mixed_build
    sparql = (ROOT / "kg" / "queries" / "facts_between_dates.rq").read_text(encoding="utf-8")
    assert sparql.startswith("#")
    march = store.query(sparql, **{"from": "2024-03-01", "to": "2024-03-31"})
    everything = store.query(sparql, **{"from": "2000-01-01", "to": "2100-01-01"})
    nothing = store.query(sparql, **{"from": "2023-01-01", "to": "2023-12-31"})
    assert march and nothing == []
    assert all("2024-03-01" <= r["day"] <= "2024-03-31" for r in march)
    assert len(everything) > len(march)


def test_plain_french_is_known_without_the_identifier_and_its_neighbours_are_not_taken_for_it():
    from kg.formats import _language_identifier, detect_language

    _language_identifier.cache_clear()
    french = (
        "La coopérative a ouvert une unité de séchage à Taroudant, avec des fonds qui viennent de la région "
        "et du Crédit Agricole pour les femmes."
    )
    assert detect_language(french) == "fr"
    assert _language_identifier.cache_info().currsize == 0  # the identifier was not even loaded
    neighbours = {
        "es": "La cooperativa abrió una planta de secado en la región, con fondos que vienen de los bancos "
        "y del gobierno para las mujeres del campo.",
        "it": "La cooperativa ha aperto un impianto di essiccazione nella regione, con fondi che vengono "
        "dalle banche e dal governo per le donne.",
        "pt": "A cooperativa abriu uma unidade de secagem na região, com fundos que vêm dos bancos "
        "e do governo para as mulheres do campo.",
    }
    assert {code: detect_language(text) for code, text in neighbours.items()} == {c: c for c in neighbours}
