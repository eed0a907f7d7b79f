"""A synthetic French business-news corpus for benchmarks and tests, deterministic for a seed.

Every article is written from templates of our own: invented company names
(a root such as "Nour" or "Tafilalt" plus a kind such as "Digital" or
"Logistique"), invented people (first name + family name drawn from two
lists), Moroccan cities, and sentences of partnership ("X et Y ont signé un
accord de partenariat"), leadership ("P, directeur général de X"), location
("X, installée à C") and launches, padded with market and figures sentences
until the article reaches its drawn length (``min_words``..``max_words``).
A running article number and date make every text distinct.
"""

from __future__ import annotations

import random
from pathlib import Path

ROOTS = (
    "Nour", "Tafilalt", "Argana", "Sahel", "Zagora", "Oudaya", "Menara", "Tazrout", "Amlal", "Ifrane",
    "Bouregreg", "Anfa", "Souss", "Tiznit", "Atlasia", "Medinova", "Ksarine", "Dadès", "Tamesna", "Oasia",
)  # fmt: skip
KINDS = (
    "Digital", "Logistique", "Capital", "Solutions", "Énergies", "Technologies", "Agro", "Conseil",
    "Ingénierie", "Santé", "Mobilité", "Data",
)  # fmt: skip
FIRST_NAMES = (
    "Salma", "Youssef", "Nadia", "Karim", "Imane", "Hicham", "Leila", "Omar", "Samira", "Mehdi",
    "Rania", "Anas", "Zineb", "Reda", "Houda", "Amine",
)  # fmt: skip
FAMILY_NAMES = (
    "Benkirane", "Tazi", "Alaoui", "Berrada", "Chraibi", "Lahlou", "Bennani", "Skalli", "Idrissi",
    "Fassi", "Kettani", "Sqalli", "Benjelloun", "Zniber", "Amrani", "Ouazzani",
)  # fmt: skip
CITIES = ("Casablanca", "Rabat", "Tanger", "Marrakech", "Agadir", "Fès", "Oujda", "Kénitra", "Meknès", "Laâyoune")
ROLES = ("directeur général", "présidente", "directrice générale", "président-directeur général")
SECTORS = ("la logistique", "les paiements mobiles", "l'agriculture de précision", "l'énergie solaire", "la santé")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "septembre", "octobre", "novembre")

FACTS = (
    "{org1} et {org2} ont signé un accord de partenariat pour développer {sector} au Maroc.",
    "{person}, {role} de {org1}, a présenté les ambitions du groupe devant la presse.",
    "{org1}, installée à {city}, prévoit de recruter une centaine d'ingénieurs d'ici la fin de l'année.",
    "{org2} a ouvert un nouveau bureau à {city} afin de se rapprocher de ses clients.",
    "{person} a été nommé {role} de {org2} lors du dernier conseil d'administration.",
    "Le partenariat entre {org1} et {org2} porte sur la formation de jeunes diplômés à {city}.",
    "{org1} a lancé le programme {root} Académie, destiné aux porteurs de projets de {city}.",
    "Selon {person}, {org1} compte doubler son chiffre d'affaires grâce à {sector}.",
)
FILLERS = (
    "Le marché a progressé de {pct}% sur un an, porté par la demande des entreprises régionales.",
    "Les investissements annoncés atteignent {amount} millions de dirhams sur trois ans.",
    "Les analystes estiment que la croissance du secteur restera soutenue au cours des prochains trimestres.",
    "Cette annonce intervient dans un contexte de forte concurrence entre les acteurs du numérique.",
    "Plus de {count} emplois directs devraient être créés dans la région d'ici deux ans.",
    "Les autorités locales ont salué une initiative qui renforce l'attractivité du territoire.",
    "La société souhaite également accompagner les petites et moyennes entreprises dans leur transformation.",
    "Le projet bénéficie du soutien de plusieurs banques de la place et d'investisseurs institutionnels.",
    "Les premiers résultats sont attendus au second semestre, selon un communiqué publié mardi.",
    "Le secteur emploie déjà près de {count} personnes et attire chaque année de nouveaux talents.",
)


def company(rng: random.Random) -> str:
    return f"{rng.choice(ROOTS)} {rng.choice(KINDS)}"


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"


def article(n: int, rng: random.Random, min_words: int = 300, max_words: int = 600) -> str:
    """Article number ``n``: a title line, then paragraphs of facts and fillers."""
    org1, org2 = company(rng), company(rng)
    while org2 == org1:
        org2 = company(rng)
    slots = {
        "org1": org1,
        "org2": org2,
        "person": person(rng),
        "city": rng.choice(CITIES),
        "role": rng.choice(ROLES),
        "sector": rng.choice(SECTORS),
        "root": rng.choice(ROOTS),
    }
    title = f"{org1} et {org2} s'allient à {slots['city']} (dépêche n° {n})"
    target = rng.randint(min_words, max_words)
    sentences = [f"Le {rng.randint(1, 28)} {rng.choice(MONTHS)} {2015 + n % 10}, dépêche numéro {n}."]
    words = len(sentences[0].split())
    while words < target:
        template = rng.choice(FACTS) if rng.random() < 0.4 else rng.choice(FILLERS)
        if rng.random() < 0.1:  # a second cast of characters now and then, so graphs are not stars
            slots["person"], slots["city"] = person(rng), rng.choice(CITIES)
        sentence = template.format(
            **slots, pct=rng.randint(2, 40), amount=rng.randint(5, 900), count=rng.randint(50, 5000)
        )
        sentences.append(sentence)
        words += len(sentence.split())
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return title + "\n" + "\n".join(paragraphs) + "\n"


def generate(count: int, seed: int = 7, min_words: int = 300, max_words: int = 600) -> list[str]:
    rng = random.Random(seed)
    return [article(n, rng, min_words, max_words) for n in range(count)]


def write_corpus(folder: str | Path, count: int, seed: int = 7, min_words: int = 300, max_words: int = 600) -> Path:
    """Write ``count`` articles as ``folder/article-NNNNN.txt``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for n, text in enumerate(generate(count, seed, min_words, max_words)):
        (folder / f"article-{n:05d}.txt").write_text(text, encoding="utf-8")
    return folder
