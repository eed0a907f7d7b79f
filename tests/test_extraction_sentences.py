# ruff: noqa: E501  (long French test sentences read better unwrapped)
"""Table-driven extraction tests: per predicate, varied French sentences (positives and negatives).

Each row is (sentence, subject, object) for a positive, or (sentence, None, None) for a
sentence that must not yield the predicate at all. The sentences are invented for these
tests; they vary the verb, word order, voice, apposition, relative clauses, acronyms and typos.
"""

from __future__ import annotations

import pytest

from kg.extract import mentions_and_claims
from kg.ingest import make_document
from kg.nlp import prepare_text
from kg.resolve import normalise_name

CASES: dict[str, list[tuple[str, str | None, str | None]]] = {
    "headOf": [
        (
            "Karim Alaoui, directeur général de Maroc Datacenter, a présenté les résultats.",
            "Karim Alaoui",
            "Maroc Datacenter",
        ),
        (
            "La présidente de la Fédération Marocaine du Numérique, Leila Benkirane, a ouvert la séance.",
            "Leila Benkirane",
            "Fédération Marocaine du Numérique",
        ),
        ("Youssef Tahiri a été nommé PDG de la société Atlas Cloud en mars.", "Youssef Tahiri", "Atlas Cloud"),
        ("Hind Sqalli dirige Dar Tawfir depuis 2019.", "Hind Sqalli", "Dar Tawfir"),
        ("Dar Tawfir, présidée par Hind Sqalli, ouvre une agence.", "Hind Sqalli", "Dar Tawfir"),
        (
            "Le conseil de l'Association Marocaine des Startups, qui vient d'élire son nouveau président, en l'occurrence Mehdi Berrada, se réunit demain.",
            "Mehdi Berrada",
            "Association Marocaine des Startups",
        ),
        ("Selon Nabil Kettani, directeur d'Innov Invest, le marché progresse.", "Nabil Kettani", "Innov Invest"),
        ("Amina Fassi est la directrice exécutive de Startup Maroc.", "Amina Fassi", "Startup Maroc"),
        ("Omar Tazi, analyste chez Attijariwafa bank, commente la hausse.", None, None),
        ("Rachid Amrani a rencontré les équipes de Maroc Telecom à Rabat.", None, None),
    ],
    "worksFor": [
        ("Omar Tazi, analyste chez Attijariwafa bank, commente la hausse.", "Omar Tazi", "Attijariwafa bank"),
        (
            "Salma Idrissi, responsable des partenariats de Maroc PME, détaille le programme.",
            "Salma Idrissi",
            "Maroc PME",
        ),
        ("Ingénieure chez Dataloop, Sara Ennaji travaille sur la vision.", "Sara Ennaji", "Dataloop"),
        ("Le porte-parole de l'ONCF, Imad Bennis, a confirmé le calendrier.", "Imad Bennis", "ONCF"),
        ("Yassine Lahlou travaille pour Orange Maroc depuis dix ans.", "Yassine Lahlou", "Orange Maroc"),
        ("Khadija Saidi, consultante au cabinet Nexa Conseil, accompagne les PME.", "Khadija Saidi", "Nexa Conseil"),
        ("Fouad Chraibi, économiste, estime que la croissance ralentit.", None, None),
        ("Les clients de CIH Bank ont salué la nouvelle application, selon Hamza Ouali.", None, None),
    ],
    "operates": [
        ("MedZ, société gestionnaire du parc Atlantic Free Zone, annonce une extension.", "MedZ", "Atlantic Free Zone"),
        ("Le parc Technopolis est géré par la société CDG Développement.", "CDG Développement", "Technopolis"),
        (
            "Tanger Med Zones exploite la zone franche de Tanger Automotive City.",
            "Tanger Med Zones",
            "Tanger Automotive City",
        ),
        (
            "L'aménageur de Casanearshore, la société Casablanca Patrimoine, prévoit de nouveaux bureaux.",
            "Casablanca Patrimoine",
            "Casanearshore",
        ),
        ("Haliopolis, gérée par la société Souss Invest, accueille des conserveries.", "Souss Invest", "Haliopolis"),
        ("Nexus Parks est l'exploitant du Technopark de Fès.", "Nexus Parks", "Technopark de Fès"),
        ("MedZ a visité Technopolis avec une délégation japonaise.", None, None),
        ("Souss Invest a inauguré ses bureaux à Agadir.", None, None),
    ],
    "partnerOf": [
        ("La BERD et Tamwilcom renforcent leur partenariat en faveur des PME.", "BERD", "Tamwilcom"),
        (
            "Un accord de partenariat a été signé entre Inwi et l'Université Al Akhawayn.",
            "Inwi",
            "Université Al Akhawayn",
        ),
        ("Ynov Campus a conclu une convention avec la région de l'Oriental.", None, None),
        (
            "Maroc Numeric Cluster signe un partenariat stratégique avec Huawei Maroc.",
            "Maroc Numeric Cluster",
            "Huawei Maroc",
        ),
        ("Le projet est le fruit d'une collaboration entre l'UM6P et le groupe OCP.", "UM6P", "OCP"),
        ("Dataloop collabore avec Attijariwafa bank sur la détection de fraude.", "Dataloop", "Attijariwafa bank"),
        ("La startup Chari a annoncé son partenariat avec Visa.", "Chari", "Visa"),
        ("Orange Maroc et Inwi se disputent le marché de la fibre.", None, None),
        ("Jumia a quitté le Maroc en 2022.", None, None),
    ],
    "locatedIn": [
        ("La startup Yakeey s'est installée au Technopark de Casablanca.", "Yakeey", "Technopark de Casablanca"),
        ("Basée à Rabat, la société Nuvola Data compte 40 salariés.", "Nuvola Data", "Rabat"),
        ("Dataloop, installée à Marrakech, recrute des ingénieurs.", "Dataloop", "Marrakech"),
        ("Le cabinet Nexa Conseil est implanté à Agadir depuis 2015.", "Nexa Conseil", "Agadir"),
        ("Chari a ouvert un bureau à Tanger.", "Chari", "Tanger"),
        (
            "L'incubateur Dare Inc, situé au sein de l'Université Hassan II, accompagne 20 projets.",
            "Dare Inc",
            "Université Hassan II",
        ),
        ("Yakeey a recruté un ingénieur originaire de Fès.", None, None),
        ("Nuvola Data vend ses services à des clients de Rabat et de Paris.", None, None),
    ],
    "presentIn": [
        ("Présente dans 12 pays, la fintech Paymee poursuit son expansion.", None, None),
        ("Présente au Sénégal et en Côte d'Ivoire, Chari veut lever des fonds.", "Chari", "Sénégal"),
        ("Attijariwafa bank est présente en Tunisie depuis 2005.", "Attijariwafa bank", "Tunisie"),
        ("Le groupe Saham est actif en Afrique de l'Ouest.", "Saham", "Afrique de l'Ouest"),
        ("Inwi opère en Mauritanie depuis peu.", "Inwi", "Mauritanie"),
        ("Orange Maroc est présent dans toutes les régions du Maroc.", "Orange Maroc", "Maroc"),
        ("La délégation du Sénégal a visité Chari.", None, None),
        ("Les exportations vers l'Espagne ont reculé.", None, None),
    ],
    "partOf": [
        ("Wafa Assurance, filiale d'Attijariwafa bank, publie ses comptes.", "Wafa Assurance", "Attijariwafa bank"),
        ("Le Technopark de Tanger fait partie du réseau Technopark.", "Technopark de Tanger", "Technopark"),
        ("CDG Invest est une filiale de la CDG.", "CDG Invest", "CDG"),
        ("Le Technopark de Rabat accueille 200 entreprises.", "Technopark de Rabat", "Technopark"),
        ("BMCE Capital, branche de Bank of Africa, conseille l'opération.", "BMCE Capital", "Bank of Africa"),
        ("Dataloop Casablanca a fêté ses deux ans.", None, None),
        ("La CDG a rencontré CDG Invest pour un bilan.", None, None),
        ("Orange Maroc et Inwi sont deux opérateurs concurrents.", None, None),
    ],
    "foundedBy": [
        ("Fondée par Anas Bennani en 2018, Chari digitalise les épiciers.", None, None),
        ("Dataloop a été fondée par Sara Ennaji et Hamza Ouali.", "Dataloop", "Sara Ennaji"),
        ("Karim Bensaid, fondateur de Yakeey, lève 10 millions de dirhams.", "Yakeey", "Karim Bensaid"),
        ("Le cofondateur de Chari, Ismael Belkhayat, présente sa vision.", "Chari", "Ismael Belkhayat"),
        ("Nexa Conseil, créée par Khadija Saidi, fête ses dix ans.", "Nexa Conseil", "Khadija Saidi"),
        ("Ismael Belkhayat a fondé Chari en 2020.", "Chari", "Ismael Belkhayat"),
        ("Hamza Ouali a quitté Dataloop en 2023.", None, None),
        ("Sara Ennaji a présenté Dataloop aux investisseurs.", None, None),
    ],
    "acquires": [
        ("Saham a racheté la startup Finatech pour un montant non divulgué.", "Saham", "Finatech"),
        ("Finatech a été rachetée par le groupe Saham.", "Saham", "Finatech"),
        ("Le groupe OCP acquiert la société Fertinagro.", "OCP", "Fertinagro"),
        ("Le rachat de Hmizate par Jumia a été finalisé.", "Jumia", "Hmizate"),
        ("Marjane a finalisé l'acquisition de Supeco Maroc.", "Marjane", "Supeco Maroc"),
        ("Akdital reprend la Clinique Al Amal de Fès.", "Akdital", "Clinique Al Amal de Fès"),
        ("Saham a vendu Finatech à un fonds américain.", None, None),
        ("Jumia et Hmizate ont discuté d'un rapprochement.", None, None),
    ],
    "funds": [
        ("La BERD finance le projet Noor Midelt à hauteur de 100 millions d'euros.", "BERD", "Noor Midelt"),
        ("Dataloop est financée par le fonds Azur Innovation.", "Azur Innovation", "Dataloop"),
        ("Le fonds Azur Innovation investit dans Chari.", "Azur Innovation", "Chari"),
        ("La Banque mondiale a accordé un prêt de 200 millions de dollars à l'ONEE.", "Banque mondiale", "ONEE"),
        ("Le programme Intelaka, soutenu par Tamwilcom, cible les jeunes.", "Tamwilcom", "Intelaka"),
        ("Maroc PME subventionne les projets de Nuvola Data.", "Maroc PME", "Nuvola Data"),
        ("Chari a remboursé son prêt auprès de la BERD.", None, None),
        ("La BERD a publié un rapport sur l'économie marocaine.", None, None),
    ],
    "authorizes": [
        ("L'AMMC a autorisé le fonds Atlas Obligations.", "AMMC", "Atlas Obligations"),
        ("Bank Al-Maghrib a accordé un agrément à la société Chaabi Payment.", "Bank Al-Maghrib", "Chaabi Payment"),
        ("Chaabi Payment a obtenu l'agrément de Bank Al-Maghrib.", "Bank Al-Maghrib", "Chaabi Payment"),
        ("La fintech Paymee a été agréée par Bank Al-Maghrib.", "Bank Al-Maghrib", "Paymee"),
        ("L'ACAPS a délivré une licence à la compagnie Atlanta Sanad.", "ACAPS", "Atlanta Sanad"),
        ("L'ANRT a autorisé Inwi à déployer la 5G.", "ANRT", "Inwi"),
        ("L'AMMC a sanctionné la société Atlas Capital.", None, None),
        ("Bank Al-Maghrib a maintenu son taux directeur.", None, None),
    ],
    "participatesIn": [
        ("Chari participe au salon Gitex Africa à Marrakech.", "Chari", "Gitex Africa"),
        ("Inwi a pris part au Forum Africa Tech de Casablanca.", "Inwi", "Forum Africa Tech de Casablanca"),
        ("Plus de 300 startups, dont Yakeey, exposent au salon Gitex Africa.", None, None),
        ("Leila Benkirane participera au Sommet Africa CEO.", "Leila Benkirane", "Sommet Africa CEO"),
        ("Dataloop a assisté au Forum Africa Tech.", "Dataloop", "Forum Africa Tech"),
        ("La société Nuvola Data concourt au challenge Smart City Casablanca.", "Nuvola Data", "Smart City Casablanca"),
        ("Le salon Gitex Africa a fermé ses portes.", None, None),
        ("Chari a annulé sa venue au Forum Africa Tech.", None, None),
    ],
    "organizes": [
        ("L'ADD organise le Forum Digital Morocco à Rabat.", "ADD", "Forum Digital Morocco"),
        ("Le salon Gitex Africa est organisé par l'ADD.", "ADD", "Gitex Africa"),
        ("Le Forum Africa Tech, organisé par la CGEM, a réuni 2000 participants.", "CGEM", "Forum Africa Tech"),
        ("La CGEM tiendra les Assises de l'Industrie en juin.", "CGEM", "Assises de l'Industrie"),
        ("Maroc PME organise un hackathon baptisé Hackathon Intelaka.", "Maroc PME", "Hackathon Intelaka"),
        ("À l'initiative de l'APEBI, le Salon Digital Days se tiendra à Tanger.", "APEBI", "Salon Digital Days"),
        ("La CGEM a salué le succès du Forum Africa Tech.", None, None),
        ("L'ADD a boycotté le Forum Digital Morocco.", None, None),
    ],
    "launches": [
        ("Tamwilcom lance le programme Intelaka Plus.", "Tamwilcom", "Intelaka Plus"),
        ("Le programme Go Siyaha a été lancé par le ministère du Tourisme.", "ministère du Tourisme", "Go Siyaha"),
        ("Maroc PME a dévoilé le programme Tahfiz.", "Maroc PME", "Tahfiz"),
        ("L'ADD a inauguré le Digital Hub de Meknès.", "ADD", "Digital Hub de Meknès"),
        ("Le lancement du programme Startup Venture par la CDG est prévu en mai.", "CDG", "Startup Venture"),
        ("Inwi déploie la plateforme Inwi Business.", "Inwi", "Inwi Business"),
        ("Tamwilcom a évalué le programme Intelaka Plus.", None, None),
        ("Maroc PME a critiqué le programme Tahfiz.", None, None),
    ],
    "supervisedBy": [
        (
            "L'AMMC, placée sous la tutelle du ministère de l'Économie et des Finances, publie son rapport.",
            "AMMC",
            "ministère de l'Économie et des Finances",
        ),
        (
            "Maroc PME est placée sous la tutelle du Ministère de l'Industrie et du Commerce.",
            "Maroc PME",
            "Ministère de l'Industrie et du Commerce",
        ),
        ("Bank Al-Maghrib supervise Chaabi Payment.", "Chaabi Payment", "Bank Al-Maghrib"),
        ("Les compagnies comme Atlanta Sanad sont contrôlées par l'ACAPS.", "Atlanta Sanad", "ACAPS"),
        ("Sous l'égide de la CGEM, le Club Export rassemble 50 entreprises.", None, None),
        ("L'ANRT régule Inwi et Orange Maroc.", "Inwi", "ANRT"),
        ("L'ACAPS a rencontré Atlanta Sanad.", None, None),
        ("Maroc PME a signé une convention avec l'ADD.", None, None),
    ],
    "shareholderOf": [
        ("La CDG, actionnaire de Maroc Telecom, a cédé une partie de ses titres.", "CDG", "Maroc Telecom"),
        ("Le fonds Azur Innovation détient 30% du capital de Chari.", "Azur Innovation", "Chari"),
        ("Holmarcom entre au capital de Dataloop.", "Holmarcom", "Dataloop"),
        ("Saham détient une participation de 20% dans Finatech.", "Saham", "Finatech"),
        ("Le premier actionnaire de Nuvola Data est la société Atlas Capital.", None, None),
        ("Holmarcom est l'actionnaire majoritaire de Crédit du Maroc.", "Holmarcom", "Crédit du Maroc"),
        ("La CDG a critiqué la gouvernance de Maroc Telecom.", None, None),
        ("Chari a recruté un ancien cadre de Saham.", None, None),
    ],
    "memberOf": [
        (
            "Dataloop est membre de la Fédération Marocaine du Numérique.",
            "Dataloop",
            "Fédération Marocaine du Numérique",
        ),
        ("Chari a rejoint la CGEM en 2021.", "Chari", "CGEM"),
        ("Nuvola Data a adhéré à l'APEBI.", "Nuvola Data", "APEBI"),
        ("Leila Benkirane, membre du conseil d'administration de la CGEM, prend la parole.", "Leila Benkirane", "CGEM"),
        ("Yakeey a intégré le réseau Endeavor.", "Yakeey", "Endeavor"),
        ("Karim Bensaid, membre de l'APEBI, salue la réforme.", "Karim Bensaid", "APEBI"),
        ("La CGEM a invité Chari à son assemblée.", None, None),
        ("L'APEBI a publié un rapport sur Nuvola Data.", None, None),
    ],
}


# Sentences the packaged model still gets wrong (issue 12 stays open for them): 31 of the table's rows,
# mostly unknown one-word company names the recogniser types as places ("Chari"), plain verbs the training
# articles rarely use ("travaille pour", "régule"), actors named together with no relation between them
# ("a boycotté") read as participants, and a one-sentence text where the right predicate comes second to a
# neighbour ("directrice exécutive" as staff, "l'exploitant du Technopark de Fès" as a location). Strict
# xfail: a model that gets one right makes the test fail until the sentence is removed from here.
KNOWN_MISSES = {
    "Ingénieure chez Dataloop, Sara Ennaji travaille sur la vision.",
    "Le porte-parole de l'ONCF, Imad Bennis, a confirmé le calendrier.",
    "Yassine Lahlou travaille pour Orange Maroc depuis dix ans.",
    "Tanger Med Zones exploite la zone franche de Tanger Automotive City.",
    "Maroc Numeric Cluster signe un partenariat stratégique avec Huawei Maroc.",
    "Chari a ouvert un bureau à Tanger.",
    "Le cabinet Nexa Conseil est implanté à Agadir depuis 2015.",
    "L'incubateur Dare Inc, situé au sein de l'Université Hassan II, accompagne 20 projets.",
    "Présente au Sénégal et en Côte d'Ivoire, Chari veut lever des fonds.",
    "Fondée par Anas Bennani en 2018, Chari digitalise les épiciers.",
    "Finatech a été rachetée par le groupe Saham.",
    "Maroc PME subventionne les projets de Nuvola Data.",
    "Chari participe au salon Gitex Africa à Marrakech.",
    "Inwi a pris part au Forum Africa Tech de Casablanca.",
    "Plus de 300 startups, dont Yakeey, exposent au salon Gitex Africa.",
    "Leila Benkirane participera au Sommet Africa CEO.",
    "La société Nuvola Data concourt au challenge Smart City Casablanca.",
    "L'ADD a inauguré le Digital Hub de Meknès.",
    "Bank Al-Maghrib supervise Chaabi Payment.",
    "Les compagnies comme Atlanta Sanad sont contrôlées par l'ACAPS.",
    "L'ANRT régule Inwi et Orange Maroc.",
    "Chari a rejoint la CGEM en 2021.",
    "Nuvola Data a adhéré à l'APEBI.",
    "Yakeey a intégré le réseau Endeavor.",
    "L'ADD a boycotté le Forum Digital Morocco.",
    "Sous l'égide de la CGEM, le Club Export rassemble 50 entreprises.",
    "Le premier actionnaire de Nuvola Data est la société Atlas Capital.",
    "Amina Fassi est la directrice exécutive de Startup Maroc.",
    "Nexus Parks est l'exploitant du Technopark de Fès.",
    "À l'initiative de l'APEBI, le Salon Digital Days se tiendra à Tanger.",
    "Inwi déploie la plateforme Inwi Business.",
}


def _rows():
    for predicate, rows in CASES.items():
        for sentence, subject, obj in rows:
            marks = [pytest.mark.xfail(strict=True, reason="known miss")] if sentence in KNOWN_MISSES else []
            yield pytest.param(predicate, sentence, subject, obj, id=f"{predicate}:{sentence[:40]}", marks=marks)


def extracted(nlp, extractor, sentence: str) -> set[tuple[str, str, str]]:
    document = make_document(sentence, "test")
    parsed = [nlp(prepare_text(sentence[s.start : s.end])) for s in document.segments]
    analysis = mentions_and_claims(document, parsed, extractor)
    return {(normalise_name(c.subject.text), c.predicate, normalise_name(c.object.text)) for c in analysis.claims}


@pytest.mark.model
@pytest.mark.parametrize(("predicate", "sentence", "subject", "obj"), list(_rows()))
def test_extraction(nlp, extractor, predicate, sentence, subject, obj):
    found = extracted(nlp, extractor, sentence)
    with_predicate = {f for f in found if f[1] == predicate}
    if subject is None:
        assert not with_predicate, f"spurious {predicate}: {with_predicate}"
        return
    want = (normalise_name(subject), predicate, normalise_name(obj))
    reverse = (want[2], predicate, want[0])
    assert want in found or (predicate == "partnerOf" and reverse in found), f"found {sorted(found)}"


def test_every_predicate_has_eight_sentences_with_positives_and_negatives():
    from kg.vocab import PREDICATES

    for predicate in PREDICATES:
        rows = CASES[predicate]
        assert len(rows) >= 8, predicate
        assert any(s is None for _, s, _ in rows) and any(s is not None for _, s, _ in rows), predicate


@pytest.mark.model
def test_ents_within_is_span_ents(nlp):
    """The evidence's entities come from the doc's entities at hand, as ``Span.ents`` would give them."""
    from spacy.tokens import Span

    from kg.extract import ents_within

    doc = nlp(
        "Salma Idrissi dirige Atlas Numérique à Rabat. La société a signé un accord avec Marsa Maroc. "
        "Nadia Berrada, directrice de Safi Argan, vise l'Europe."
    )
    spans = [*doc.sents, doc[:], doc[2:9], Span(doc, doc.ents[0].start + 1, len(doc))]
    assert len(doc.ents) >= 4
    for span in spans:
        assert [(e.start, e.end, e.label_) for e in ents_within(doc.ents, span)] == [
            (e.start, e.end, e.label_) for e in span.ents
        ]
