"""Qualifiers of a fact: French amounts, currencies, shares, dates and titles, and which of them a fact gets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kg.extract.qualifiers import (
    currency_code,
    find_amounts,
    find_dates,
    find_roles,
    normalise_role,
    parse_amount,
    parse_date,
    parse_number,
    parse_share,
    qualifiers_for,
)

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("un prêt de 1,2 milliard de dirhams", "1200000000", "MAD"),
        ("une enveloppe de 1.200.000 dirhams", "1200000", "MAD"),
        ("un chèque de 1 200 000 DH", "1200000", "MAD"),
        (f"un chèque de 1{NBSP}200{NBSP}000 DH", "1200000", "MAD"),
        (f"un chèque de 1{NNBSP}200{NNBSP}000 dirhams", "1200000", "MAD"),
        ("un budget de 3 Mds DH", "3000000000", "MAD"),
        ("une ligne de 150 MDH", "150000000", "MAD"),
        ("un plan de 12 MMDH", "12000000000", "MAD"),
        ("un tour de 7,5 millions de dollars", "7500000", "USD"),
        ("un prêt de 40 millions d’euros", "40000000", "EUR"),
        ("un crédit de 25 M€", "25000000", "EUR"),
        ("un prêt de 9 milliards de francs CFA", "9000000000", "XOF"),
        ("une levée de 2 milliards", "2000000000", None),
        ("plus d'un milliard de dirhams", "1000000000", "MAD"),
    ],
)
def test_french_amounts_in_units_with_iso_currency(text, value, currency):
    found = parse_amount(text)
    assert found is not None, text
    assert (found.value, found.currency) == (Decimal(value), currency)


def test_approximations_keep_the_number_and_say_so_in_the_written_form():
    found = parse_amount("Le groupe y a investi près de 3 Mds DH en dix ans.")
    assert found.value == Decimal("3000000000") and found.approximate
    assert found.text == "près de 3 Mds DH"
    assert parse_amount("plus de 500 000 dirhams").text == "plus de 500 000 dirhams"


@pytest.mark.parametrize(
    "text", ["l'application compte 800 000 utilisateurs", "3 millions de clients", "en 2023", "10 M de visiteurs"]
)
def test_counts_and_years_are_not_amounts(text):
    assert find_amounts(text) == []


def test_currency_codes():
    assert [currency_code(c) for c in ("dirhams", "DH", "MMDH", "€", "francs CFA", "dollars", "EUR")] == [
        "MAD",
        "MAD",
        "MAD",
        "EUR",
        "XOF",
        "USD",
        "EUR",
    ]
    assert currency_code("bananes") is None


def test_numbers():
    assert parse_number("1.200.000") == Decimal("1200000")
    assert parse_number("1,25") == Decimal("1.25")
    assert parse_number("sept") == 7
    with pytest.raises(ValueError, match="not a number"):
        parse_number("beaucoup")


@pytest.mark.parametrize(
    ("text", "share"),
    [("20 %", "0.2"), ("20%", "0.2"), (f"35{NNBSP}%", "0.35"), ("5,2 %", "0.052"), ("un cinquième du capital", "0.2")],
)
def test_shares_in_zero_one(text, share):
    assert parse_share(text) == Decimal(share)


def test_the_majority_and_growth_above_100_percent_are_no_share():
    assert parse_share("la majorité du capital") is None
    assert parse_share("une hausse de 150 %") is None


TUESDAY = dt.date(2024, 5, 14)


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("le 3 juin 2024", "2024-06-03", "day"),
        ("le 1er octobre 2023", "2023-10-01", "day"),
        ("en date du 9 février 2024", "2024-02-09", "day"),
        ("les 22 et 23 novembre 2023", "2023-11-22", "day"),
        ("du 4 au 6 avril 2024", "2024-04-04", "day"),
        ("en juillet 2022", "2022-07", "month"),
        ("en 2019", "2019", "year"),
        ("depuis 2016", "2016", "year"),
        ("début 2025", "2025", "year"),
    ],
)
def test_absolute_dates_as_precise_as_written(text, value, precision):
    found = parse_date(text)
    assert (found.value, found.precision) == (value, precision)


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("lundi", "2024-05-13", "day"),
        ("ce mardi", "2024-05-14", "day"),
        ("jeudi dernier", "2024-05-09", "day"),
        ("hier", "2024-05-13", "day"),
        ("le 2 mai dernier", "2024-05-02", "day"),
        ("le 20 décembre", "2023-12-20", "day"),
        ("en mars dernier", "2024-03", "month"),
        ("en mai dernier", "2023-05", "month"),
        ("en novembre", "2023-11", "month"),
        ("l'an dernier", "2023", "year"),
        ("l’année dernière", "2023", "year"),
        ("cette année", "2024", "year"),
    ],
)
def test_relative_dates_against_the_document_date(text, value, precision):
    found = parse_date(text, TUESDAY)
    assert found is not None, text
    assert (found.value, found.precision, found.relative) == (value, precision, True)
    assert found.datatype == {"day": "date", "month": "gYearMonth", "year": "gYear"}[precision]


@pytest.mark.parametrize("text", ["lundi", "en mars dernier", "l'an dernier", "cette année", "le 2 mai"])
def test_relative_dates_are_left_out_without_a_document_date(text):
    assert parse_date(text) is None
    assert parse_date(text, "pas une date") is None


def test_titles_stop_where_the_organisation_starts():
    text = "Salma Idrissi, directrice générale adjointe de Atlas Pay, a confirmé."
    stop = text.index("Atlas Pay")
    assert [r.text for r in find_roles(text, stops=(stop,))] == ["directrice générale adjointe"]
    text = "Hamid Filali, ancien directeur du pôle industrie de la Caisse, rejoint le groupe."
    assert find_roles(text)[0].text == "ancien directeur du pôle industrie"
    assert normalise_role("Ancien  directeur d’usine") == "ancien directeur d'usine"
    assert normalise_role("Ancienne directrice", drop_tense=True) == "directrice"


def span(text: str, name: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(name, start + 1)
    return start, start + len(name)


def attach(predicate, text, subject, obj, date=None, others=()):
    return qualifiers_for(
        predicate, text, 0, len(text), span(text, subject), span(text, obj), date, [span(text, o) for o in others]
    )


def test_an_amount_in_a_clause_about_another_actor_is_not_the_facts():
    text = (
        "Le fonds Argan Seed, qui gère un véhicule de 60 millions de dollars, a investi 2 millions de dirhams "
        "dans la jeune pousse Tibr."
    )
    q = attach("funds", text, "Argan Seed", "Tibr")
    assert (q.amount, q.currency, q.amount_text) == (Decimal("2000000"), "MAD", "2 millions de dirhams")


def test_an_amount_in_the_funders_own_relative_clause_is_its_contribution():
    text = "Le tour réunit la banque Wafa Tamwil, qui accorde un prêt de 90 millions de dirhams à Sahl Agri."
    q = attach("funds", text, "Wafa Tamwil", "Sahl Agri")
    assert q.amount == Decimal("90000000")


def test_each_holder_gets_its_own_share():
    text = (
        "Le capital de Riad Ciment est détenu à 55 % par Holdco Atlas, à 30 % par Safi Invest et à 15 % par Omar Alami."
    )
    for holder, share in (("Holdco Atlas", "0.55"), ("Safi Invest", "0.3"), ("Omar Alami", "0.15")):
        q = attach("shareholderOf", text, holder, "Riad Ciment", others=[n for n in ("Holdco Atlas", "Safi Invest")])
        assert q.share == Decimal(share), holder


def test_shares_and_amounts_only_for_the_predicates_that_carry_them():
    text = "Basée à Rabat, Noura Tech a cédé 20 % de son capital pour 5 millions de dirhams à Kasba Invest."
    assert attach("locatedIn", text, "Noura Tech", "Rabat") is None
    q = attach("acquires", text, "Kasba Invest", "Noura Tech")
    assert (q.share, q.amount) == (Decimal("0.2"), Decimal("5000000"))


def test_the_title_in_apposition_to_the_person_is_the_role():
    text = (
        "Karim Alaoui, fondateur de la startup Dunes, et Nadia Berrada, présidente du directoire de Atlas Lease, "
        "ont signé."
    )
    q = attach("headOf", text, "Nadia Berrada", "Atlas Lease", others=["Karim Alaoui", "Dunes"])
    assert q.role == "présidente du directoire"
    q = attach("headOf", "Cofondateur et PDG de Qamar Labs, Hicham Saadi lève des fonds.", "Hicham Saadi", "Qamar Labs")
    assert q.role == "PDG"


def test_dates_resolved_or_dropped_with_the_document_date():
    text = "La Banque Atlas a signé en mars dernier une convention avec Dar Tamkine."
    with_date = attach("partnerOf", text, "Banque Atlas", "Dar Tamkine", "2024-06-02")
    assert (with_date.date, with_date.date_datatype, with_date.date_text) == (
        "2024-03",
        "gYearMonth",
        "en mars dernier",
    )
    assert attach("partnerOf", text, "Banque Atlas", "Dar Tamkine") is None


def test_a_date_far_from_a_lasting_fact_is_not_its_date():
    text = "Installée à Agadir, la société Souss Pêche a été rachetée en 2021 par le groupe Halieutis."
    assert attach("locatedIn", text, "Souss Pêche", "Agadir") is None
    q = attach("acquires", text, "Halieutis", "Souss Pêche")
    assert (q.date, q.date_precision) == ("2021", "year")


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("au premier trimestre 2024", "2024", "year"),
        ("au second semestre 2023", "2023", "year"),
        ("T3 2022", "2022", "year"),
        ("mi-2022", "2022", "year"),
        ("fin 2023", "2023", "year"),
        ("au printemps 2021", "2021", "year"),
    ],
)
def test_quarters_halves_and_seasons_as_precise_as_their_year(text, value, precision):
    found = parse_date(text)
    assert (found.value, found.precision) == (value, precision)
    assert found.text == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("en début d'année", "2024"),
        ("en fin d’année", "2024"),
        ("en début d'année prochaine", "2025"),
        ("au premier trimestre", "2024"),
        ("au quatrième trimestre", "2023"),  # in May, the last quarter still to come is last year's
        ("au printemps dernier", "2024"),
        ("l'été dernier", "2023"),
    ],
)
def test_relative_periods_against_the_document_date(text, value):
    found = parse_date(text, TUESDAY)
    assert (found.value, found.precision, found.relative) == (value, "year", True)
    assert parse_date(text) is None


def test_that_year_is_the_year_written_before():
    text = "En 2014, Karim Naji part à Bamako. La banque locale, rachetée cette année-là par Sahel Holding, grandit."
    found = find_dates(text)
    assert [(d.text, d.value) for d in found] == [("En 2014", "2014"), ("cette année-là", "2014")]
    assert parse_date("la même année") is None


MONDAY = "2024-06-03"


def test_a_date_between_the_two_mentions_beats_a_closer_one_outside():
    text = "Cotée en 1998, Tanmia Bois est passée en 2016 sous le contrôle du fonds Oasis Growth."
    assert attach("acquires", text, "Oasis Growth", "Tanmia Bois").date == "2016"


def test_a_founding_date_belongs_to_the_founding():
    text = "La startup Warda Pay, fondée en 2019 par Imane Tazi, a signé en 2023 un partenariat avec Sahel Finance."
    others = ["Imane Tazi", "Sahel Finance"]
    assert attach("partnerOf", text, "Warda Pay", "Sahel Finance", others=others).date == "2023"
    assert attach("foundedBy", text, "Warda Pay", "Imane Tazi", others=others).date == "2019"
    text = "Cofondée en 2020 par Leila Amrani et Younes Bakkali, la société Nakhla Data lève des fonds."
    q = attach("foundedBy", text, "Nakhla Data", "Younes Bakkali", others=["Leila Amrani"])
    assert q.date == "2020"


def test_a_date_opening_the_sentence_dates_its_facts():
    text = "En 2021, la jeune pousse lève 4 millions de dirhams auprès du fonds Tafilalet Ventures."
    q = qualifiers_for("funds", text, 0, len(text), span(text, "Tafilalet Ventures"), None)
    assert (q.date, q.amount) == ("2021", Decimal("4000000"))
    text = "Le virage arrive en 2017 : le fonds Oasis Growth entre au capital de Dunes Textile."
    assert attach("shareholderOf", text, "Oasis Growth", "Dunes Textile").date == "2017"
    # an opening clause about another actor dates that actor's news only
    text = "Après Rif Crédit en juin, la Banque Kenz a signé en septembre un accord avec Souss Invest."
    q = attach("partnerOf", text, "Banque Kenz", "Souss Invest", date=MONDAY, others=["Rif Crédit"])
    assert q.date == "2023-09"


def test_the_announcement_dates_the_news_but_the_dateline_dates_nothing():
    text = (
        "La banque Kenz a accordé un prêt de 20 millions d'euros à la régie Souss Eau pour moderniser son réseau "
        "d'eau potable dans les provinces côtières de Tiznit et de Guelmim, a annoncé lundi la régie."
    )
    assert attach("funds", text, "Kenz", "Souss Eau", date=MONDAY).date == "2024-06-03"
    text = "Agadir, le 3 juin 2024 - La coopérative Tifaouine a signé le 28 mai une convention avec l'Office Argane."
    assert attach("partnerOf", text, "Tifaouine", "Office Argane", date=MONDAY).date == "2024-05-28"
    text = "Agadir, le 3 juin 2024 - La coopérative Tifaouine a signé une convention avec l'Office Argane."
    assert attach("partnerOf", text, "Tifaouine", "Office Argane", date=MONDAY) is None


def test_since_dates_a_state_not_an_event():
    text = "Présidente de Dar Tamwil depuis 2018, Salma Idrissi a finalisé en mai 2023 le rachat de Nour Leasing."
    q = attach("acquires", text, "Dar Tamwil", "Nour Leasing", others=["Salma Idrissi"])
    assert (q.date, q.date_precision) == ("2023-05", "month")
    q = attach("headOf", text, "Salma Idrissi", "Dar Tamwil", others=["Nour Leasing"])
    assert q.date == "2018"


def test_a_lasting_fact_takes_the_date_right_after_its_place():
    text = "La startup Sahl Agri a ouvert un bureau à Nouakchott en 2022 pour servir la Mauritanie."
    assert attach("presentIn", text, "Sahl Agri", "Nouakchott", others=["Mauritanie"]).date == "2022"
    text = "La startup Sahl Agri, installée à Meknès depuis 2019, emploie 30 personnes."
    assert attach("locatedIn", text, "Sahl Agri", "Meknès").date == "2019"


def test_a_fact_stated_across_sentences_takes_the_later_sentences_date():
    text = (
        "Tawfir Tech a été primée en 2016. "
        "Elle a levé en 2022 un ticket de 5 millions de dirhams auprès du fonds Argan Capital."
    )
    q = attach("funds", text, "Argan Capital", "Tawfir Tech")
    assert (q.date, q.amount) == ("2022", Decimal("5000000"))


def test_a_deal_amount_given_in_the_next_sentence():
    text = (
        "Le groupe Atlas Froid a finalisé l'acquisition de la société Sahara Cold. "
        "L'opération, d'un montant de 120 millions de dirhams, a reçu l'aval du Conseil de la concurrence. "
        "Le groupe vise 300 millions de dirhams de ventes."
    )
    end = text.index(". ") + 1
    q = qualifiers_for("acquires", text, 0, end, span(text, "Atlas Froid"), span(text, "Sahara Cold"))
    assert (q.amount, q.currency) == (Decimal("120000000"), "MAD")
    text = "Le groupe Atlas Froid a racheté la société Sahara Cold. Le groupe vise 300 millions de dirhams de ventes."
    end = text.index(". ") + 1
    assert qualifiers_for("acquires", text, 0, end, span(text, "Atlas Froid"), span(text, "Sahara Cold")) is None


def test_a_partnership_amount_is_its_agreements():
    text = "La région de l'Oriental et l'agence MedPort ont signé une convention de 80 millions de dirhams."
    q = attach("partnerOf", text, "Oriental", "MedPort")
    assert (q.amount, q.currency) == (Decimal("80000000"), "MAD")
    text = "La société Kasba Tech, qui a levé 10 millions de dirhams, a signé un partenariat avec Al Qarawiyyin."
    assert attach("partnerOf", text, "Kasba Tech", "Al Qarawiyyin") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Le salon se tiendra les 8 et 9 octobre à Tanger.", "2024-10-08"),
        ("Le groupe bâtira en avril une deuxième usine.", "2025-04"),
        ("La banque va signer en septembre un accord avec la région.", "2024-09"),
        ("Le salon ouvrira ses portes jeudi.", "2024-05-16"),
        ("Il partira en mars prochain.", "2025-03"),
        ("La coopérative a signé en avril une convention.", "2024-04"),  # past tense: the latest April
        ("Les patrons ont signé le 20 mai.", "2023-05-20"),  # 'patrons' is no future
        ("Il lancera en juin dernier un appel d'offres.", "2023-06"),  # 'dernier' says which June
    ],
)
def test_a_clause_looking_ahead_places_a_relative_date_after_the_document_date(text, value):
    assert [d.value for d in find_dates(text, TUESDAY)] == [value]
