"""Deterministic synthetic provincial extracts, written to the CSV contract.

Real HCC waitlist data must never reach a developer's laptop, a demo or a CI runner, yet
the portal is only worth showing (and load-testing) with a waitlist that looks like
Ontario's: bilingual names, rural and urban FSAs, health card numbers that pass their
check, a cohort of people waiting since before 2025. This module makes such files out
of nothing but a seed, in exactly the shape the extract contract (``extracts.md``) and
its samples define, so demos go through the same importer path as production files.

Design choices, and why:

* Pure standard library (``random.Random``, ``csv``), no ORM: the files are an input
  to the importer, not a shortcut around it, and writing them needs no database.
* One ``Random`` per file kind, seeded from ``seed`` and the kind's name: the registry
  does not change when only the patient count changes, and the same arguments always
  give the same bytes (tests and bug reports can rely on a seed).
* Tables are precomputed and the per-patient loop only indexes into them, so 250,000
  patients take a few seconds on one core (no Faker, no per-row date parsing).
* Each file is written under a ``.part`` name and renamed when complete, so an inbox
  watcher never picks up half a file.

Everything is made up: OHT codes and names, people, clinicians, practices. Postal
codes follow the real Ontario pattern (FSA of the right region, rural FSAs with the
digit 0); phone numbers all use the fictional 555-01XX lines; e-mail addresses use
the reserved example domains.
"""

import bisect
import csv
import random
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

__all__ = [
    "CLINICIAN_CONTACTS_COLUMNS",
    "HCC_FSA_SUMMARY_COLUMNS",
    "HCC_WAITLIST_COLUMNS",
    "OHT_REGISTRY_COLUMNS",
    "REGIONS",
    "count_rows",
    "luhn_check_digit",
    "max_ohts",
    "write_extracts",
]

# --- the contract's columns, in the order the samples use -------------------------------

OHT_REGISTRY_COLUMNS = ("oht_code", "name_en", "name_fr", "region", "fsas")
HCC_WAITLIST_COLUMNS = (
    "hcc_id",
    "oht_code",
    "registration_date",
    "given_name",
    "family_name",
    "date_of_birth",
    "health_card_number",
    "postal_code",
    "phone",
    "email",
    "preferred_contact",
    "preferred_language",
    "complex_vulnerable",
    "status",
    "status_date",
    "last_verified",
)
CLINICIAN_CONTACTS_COLUMNS = (
    "registration_body",
    "registration_number",
    "clinician_type",
    "given_name",
    "family_name",
    "practice_name",
    "practice_address",
    "city",
    "postal_code",
    "phone",
    "fax",
    "email",
    "oht_code",
    "languages",
)
HCC_FSA_SUMMARY_COLUMNS = (
    "extract_date",
    "oht_code",
    "fsa",
    "active_patients",
    "active_complex_vulnerable",
    "wait_0_6m",
    "wait_6_12m",
    "wait_12_24m",
    "wait_24m_plus",
)

# Round-robin order of regions when OHTs are made; the first six OHTs get one region
# each, in the order of the shared samples.
REGIONS = ("Toronto", "East", "North East", "North West", "Central", "West")

COHORT_DATE = date(2025, 1, 1)  # the HCC_COHORT_DATE default: "waiting as of Jan 1, 2025"
EARLIEST_REGISTRATION = date(2016, 1, 1)
EARLIEST_BIRTH = date(1930, 1, 1)
# 30% of patients register in the 272 days after the cohort date up to 2025-09-30; the
# same daily rate is used for any other extract date (capped), so ~70% are the cohort.
_RECENT_SHARE_PER_DAY = 0.30 / 272
_RECENT_SHARE_MAX = 0.6

# Letters Canada Post uses in the local delivery unit (never D, F, I, O, Q, U).
_LDU_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
_VERSION_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


# --- geography ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Area:
    """A real-looking catchment one made-up OHT can serve.

    ``fsas`` is a space-separated list; ``FSA=Town`` names the town of an FSA outside the
    area's main city (rural FSAs, the digit-0 ones, always have one)."""

    name_en: str
    name_fr: str
    city: str
    fsas: str
    area_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _RegionProfile:
    """What differs by region: size, phone area codes, who lives there, street names.

    ``francophone`` is the chance that someone who would be down as English asks for care
    in French (bilingual households; most of Ontario's francophones live East and North
    East), on top of the languages that go with their names."""

    weight: float
    area_codes: tuple[str, ...]
    cultures: tuple[tuple[str, float], ...]
    french_streets: float
    francophone: float


_AREAS: dict[str, tuple[_Area, ...]] = {
    "Toronto": (
        _Area(
            "Lakeshore East Health Partners",
            "Partenaires santé de Lakeshore Est",
            "Toronto",
            "M4B M4C M4E M4J M4K M4L M4M",
        ),
        _Area(
            "Scarborough Bluffs Health Team",
            "Équipe Santé des falaises de Scarborough",
            "Toronto",
            "M1B M1C M1E M1G M1H M1J M1K M1L M1M M1N",
        ),
        _Area(
            "Humber River West Health Network",
            "Réseau santé de l'Ouest de la rivière Humber",
            "Toronto",
            "M9A M9B M9C M9L M9M M9N M9P M9R M9V M9W",
        ),
        _Area(
            "Midtown Toronto Health Collaborative",
            "Collaboration santé du centre de Toronto",
            "Toronto",
            "M4P M4R M4S M4T M4V M5N M5P M5R",
        ),
        _Area(
            "Downtown Harbourfront Health Team",
            "Équipe Santé du centre-ville et du port",
            "Toronto",
            "M5A M5B M5C M5E M5G M5H M5J M5S M5T M5V",
        ),
        _Area(
            "Don Valley North Health Partners",
            "Partenaires santé du nord de la vallée de la Don",
            "Toronto",
            "M2J M2K M2L M2M M2N M2P M2R M3H M3J",
        ),
    ),
    "East": (
        _Area(
            "Rideau Valley Health Team",
            "Équipe Santé de la vallée Rideau",
            "Ottawa",
            "K1G K1H K1K K1L K1M K1N K0A=Embrun",
        ),
        _Area(
            "Ottawa Valley West Health Team",
            "Équipe Santé de l'Ouest de la vallée de l'Outaouais",
            "Ottawa",
            "K2B K2C K2G K2H K2K K2L K2M K7C=Carleton Place K0J=Eganville",
        ),
        _Area(
            "Frontenac Islands Health Team",
            "Équipe Santé des îles de Frontenac",
            "Kingston",
            "K7K K7L K7M K7N K7P K0H=Sydenham",
        ),
        _Area(
            "Kawartha Lakes Health Team",
            "Équipe Santé des lacs Kawartha",
            "Peterborough",
            "K9H K9J K9K K9L K9V=Lindsay K0L=Lakefield",
            ("705", "249"),
        ),
        _Area(
            "Bay of Quinte Health Team",
            "Équipe Santé de la baie de Quinte",
            "Belleville",
            "K8N K8P K8R K8V=Quinte West K0K=Picton",
        ),
        _Area(
            "Seaway Valley Health Team",
            "Équipe Santé de la vallée de la Voie maritime",
            "Cornwall",
            "K6H K6J K6K K6A=Hawkesbury K0C=Alexandria",
        ),
    ),
    "North East": (
        _Area(
            "Nickel Basin Health Team",
            "Équipe Santé du bassin du Nickel",
            "Sudbury",
            "P3A P3B P3C P3E P3G P3N P3P P0M=Chelmsford",
        ),
        _Area(
            "Nipissing Lakes Health Team",
            "Équipe Santé des lacs du Nipissing",
            "North Bay",
            "P1A P1B P1C P2A=Parry Sound P0H=Mattawa",
        ),
        _Area(
            "Algoma Shores Health Team",
            "Équipe Santé des rives de l'Algoma",
            "Sault Ste. Marie",
            "P6A P6B P6C P5A=Elliot Lake P0R=Blind River P0S=Wawa",
        ),
        _Area(
            "Porcupine Timiskaming Health Team",
            "Équipe Santé Porcupine-Timiskaming",
            "Timmins",
            "P4N P4P P4R P5N=Kapuskasing P2N=Kirkland Lake P0L=Hearst",
        ),
    ),
    "North West": (
        _Area(
            "Superior Shores Health Team",
            "Équipe Santé des rives du Supérieur",
            "Thunder Bay",
            "P7A P7B P7C P7E P7G P7J P7K P0T=Nipigon",
        ),
        _Area(
            "Lake of the Woods Health Team",
            "Équipe Santé du lac des Bois",
            "Kenora",
            "P9N P8N=Dryden P8T=Sioux Lookout P9A=Fort Frances P0V=Red Lake "
            "P0X=Keewatin P0W=Rainy River",
        ),
    ),
    "Central": (
        _Area(
            "Peel Crossroads Health Team",
            "Équipe Santé du carrefour de Peel",
            "Mississauga",
            "L5A L5B L5C L5E L5G L5H L5J L5K L5L L5M",
        ),
        _Area(
            "Etobicoke Creek Health Partners",
            "Partenaires santé du ruisseau Etobicoke",
            "Brampton",
            "L6P L6R L6S L6T L6V L6W L6X L6Y L7C=Caledon L7E=Bolton",
        ),
        _Area(
            "York North Health Team",
            "Équipe Santé de York Nord",
            "Newmarket",
            "L3X L3Y L4G=Aurora L4A=Stouffville L9N=East Gwillimbury L0G=Schomberg",
        ),
        _Area(
            "Simcoe Lakes Health Team",
            "Équipe Santé des lacs de Simcoe",
            "Barrie",
            "L4M L4N L9J L9S=Innisfil L3V=Orillia L0L=Elmvale",
            ("705", "249"),
        ),
        _Area(
            "Rouge Valley Health Alliance",
            "Alliance santé de la vallée de la Rouge",
            "Markham",
            "L3P L3R L3S L6B L6C L6E L6G",
        ),
    ),
    "West": (
        _Area(
            "Thames Forks Health Team",
            "Équipe Santé des fourches de la Thames",
            "London",
            "N5V N5W N5X N5Y N5Z N6A N6B N0M=Ilderton",
        ),
        _Area(
            "Grand River Health Team",
            "Équipe Santé de la rivière Grand",
            "Kitchener",
            "N2A N2B N2E N2G N2H N2M N2J=Waterloo N2L=Waterloo N0B=Wellesley",
        ),
        _Area(
            "Erie St. Clair Shores Health Team",
            "Équipe Santé des rives Érié–Sainte-Claire",
            "Windsor",
            "N8N=Tecumseh N8P N8R N8S N8T N8W N8X N9A N0R=Harrow",
        ),
        _Area(
            "Royal City Health Alliance",
            "Alliance santé de la Ville royale",
            "Guelph",
            "N1E N1G N1H N1K N1L N1M=Fergus N0G=Mount Forest",
        ),
        _Area(
            "Bluewater Health Partners",
            "Partenaires santé Bluewater",
            "Sarnia",
            "N7S N7T N7V N7W N7X N0N=Petrolia",
        ),
        _Area(
            "Brant County Health Team",
            "Équipe Santé du comté de Brant",
            "Brantford",
            "N3P N3R N3S N3T N3V N3L=Paris N0E=Scotland",
        ),
    ),
}

_PROFILES: dict[str, _RegionProfile] = {
    "Toronto": _RegionProfile(
        1.3,
        ("416", "647", "437"),
        (
            ("english", 20),
            ("french", 5),
            ("punjabi", 4),
            ("pakistani", 5),
            ("indian", 9),
            ("chinese", 13),
            ("arabic", 5),
            ("filipino", 7),
            ("latin", 5),
            ("european", 10),
            ("african", 9),
            ("vietnamese", 3),
            ("indigenous", 1),
        ),
        0.05,
        0.07,
    ),
    "Central": _RegionProfile(
        1.3,
        ("905", "289", "365"),
        (
            ("english", 26),
            ("french", 5),
            ("punjabi", 12),
            ("pakistani", 6),
            ("indian", 10),
            ("chinese", 12),
            ("arabic", 5),
            ("filipino", 5),
            ("latin", 3),
            ("european", 10),
            ("african", 4),
            ("vietnamese", 2),
            ("indigenous", 1),
        ),
        0.05,
        0.05,
    ),
    "East": _RegionProfile(
        1.0,
        ("613", "343"),
        (
            ("english", 34),
            ("french", 38),
            ("punjabi", 1),
            ("pakistani", 2),
            ("indian", 4),
            ("chinese", 4),
            ("arabic", 6),
            ("filipino", 2),
            ("latin", 2),
            ("european", 4),
            ("african", 4),
            ("vietnamese", 1),
            ("indigenous", 3),
        ),
        0.4,
        0.16,
    ),
    "North East": _RegionProfile(
        0.7,
        ("705", "249"),
        (
            ("english", 34),
            ("french", 44),
            ("indian", 2),
            ("chinese", 1),
            ("arabic", 2),
            ("filipino", 1),
            ("european", 5),
            ("african", 1),
            ("indigenous", 10),
        ),
        0.45,
        0.24,
    ),
    "North West": _RegionProfile(
        0.5,
        ("807",),
        (
            ("english", 52),
            ("french", 8),
            ("indian", 2),
            ("chinese", 2),
            ("filipino", 3),
            ("european", 12),
            ("african", 1),
            ("indigenous", 20),
        ),
        0.08,
        0.06,
    ),
    "West": _RegionProfile(
        1.1,
        ("519", "226", "548"),
        (
            ("english", 46),
            ("french", 6),
            ("punjabi", 4),
            ("pakistani", 3),
            ("indian", 6),
            ("chinese", 5),
            ("arabic", 7),
            ("filipino", 3),
            ("latin", 4),
            ("european", 10),
            ("african", 3),
            ("vietnamese", 2),
            ("indigenous", 3),
        ),
        0.06,
        0.05,
    ),
}


# --- people ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Culture:
    """Given and family names that go together, and the languages of care they ask for.

    ``languages`` are ISO 639-1 codes with weights; ``second`` is the language a
    clinician of this background most often offers besides English."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]
    second: str


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


_CULTURES: dict[str, _Culture] = {
    "english": _Culture(
        _names(
            "Olivia, Liam, Emma, Noah, Charlotte, James, Amelia, William, Ava, Benjamin,"
            "Sophie, Lucas, Ethan, Grace, Jack, Owen, Hannah, Margaret, Robert, Dorothy,"
            "Siobhan, Ciarán, Niamh, Aoife, Eoin, Fiona, Hamish, Caitlin, Seán, Bridget,"
            "Declan, Mary, David, Susan, Karen, Michael, Jennifer, Brian, Heather, Zoë,"
            "Chloe, Evelyn, Harold, Shirley, Gordon, Doreen, Kyle, Brittany, Tyler, Megan"
        ),
        _names(
            "Smith, Brown, Wilson, Taylor, Campbell, Anderson, Jones, Johnson, Williams,"
            "Martin, Thompson, White, MacDonald, MacLeod, McKenzie, O'Brien, O'Connor,"
            "O'Neill, Murphy, Kelly, Fitzgerald, Walsh, Ryan, Stewart, Robertson, Clarke,"
            "Hughes, Graham, Reid, Fraser, Sinclair, Doyle, Hall, Wright, Scott, Young,"
            "Morrison, Ferguson, McIntyre, Sullivan, O'Reilly, Baker, Cooper, Ward"
        ),
        (("en", 96), ("fr", 4)),
        "fr",
    ),
    "french": _Culture(
        _names(
            "Jean-François, Marie-Ève, Élodie, Amélie, Chloé, Maëlle, Émile, Hélène,"
            "Gaétan, Josée, Geneviève, Benoît, Stéphane, Mathieu, Olivier, Léa, Zoé,"
            "Noémie, Félix, Étienne, Louis-Philippe, Andrée, Françoise, Réjean, Ginette,"
            "Sylvie, Luc, Denis, Marc-André, Anaïs, Raphaël, Gabrielle, Frédéric, Mélanie,"
            "Nathalie, Jérôme, Céline, Thérèse, Rosalie, Édouard, François, Joëlle, Noël,"
            "Aimée, Ghislain, Lise, Jacinthe, Yves, Rémi, Hugo"
        ),
        _names(
            "Tremblay, Gagnon, Roy, Côté, Bouchard, Gauthier, Morin, Lavoie, Fortin, Gagné,"
            "Ouellet, Pelletier, Bélanger, Lévesque, Bergeron, Leblanc, Paquette, Girard,"
            "Simard, Boucher, Caron, Beaulieu, Cloutier, Dubé, Poirier, Fournier, Lapointe,"
            "Leclerc, Lefèvre, Poulin, Thibault, St-Pierre, Desjardins, Séguin, Lalonde,"
            "Charbonneau, Bérubé, Lacroix, Sauvé, D'Amours, Brisebois, Labelle, Laflamme,"
            "Chénier, Ménard, Béliveau, Provençal, Brûlé, L'Heureux, Labrèche, St-Onge,"
            "Aubé, Desrosiers, Groulx, Lamoureux"
        ),
        (("fr", 72), ("en", 28)),
        "fr",
    ),
    "punjabi": _Culture(
        _names(
            "Gurpreet, Harpreet, Manpreet, Simran, Navdeep, Jaspreet, Amandeep, Baljit,"
            "Harjit, Kulwinder, Parminder, Rajinder, Gurleen, Jasleen, Arshdeep, Sukhdeep,"
            "Harleen, Tejinder, Ravneet, Gurbir"
        ),
        _names(
            "Singh, Kaur, Gill, Sandhu, Dhillon, Grewal, Sidhu, Brar, Bains, Randhawa,"
            "Sekhon, Dhaliwal, Virk, Cheema, Bhullar, Mann"
        ),
        (("en", 52), ("pa", 46), ("hi", 2)),
        "pa",
    ),
    "pakistani": _Culture(
        _names(
            "Ayesha, Imran, Farhan, Zainab, Bilal, Sana, Tariq, Usman, Hira, Asif, Nadia,"
            "Fatima, Saima, Kamran, Rabia, Faisal, Mahnoor, Hamza, Iqra, Adeel"
        ),
        _names(
            "Khan, Hussain, Chaudhry, Malik, Qureshi, Siddiqui, Butt, Raza, Sheikh, Javed,"
            "Mirza, Abbasi, Rana, Bhatti, Akhtar"
        ),
        (("en", 55), ("ur", 40), ("pa", 5)),
        "ur",
    ),
    "indian": _Culture(
        _names(
            "Priya, Arjun, Rohan, Aarav, Ananya, Deepika, Rajesh, Sanjay, Sunita, Lakshmi,"
            "Meera, Anil, Ravi, Neha, Vikram, Kavya, Nikhil, Pooja, Suresh, Divya, Karthik,"
            "Shreya, Venkatesh, Anjali"
        ),
        _names(
            "Patel, Sharma, Gupta, Shah, Mehta, Iyer, Nair, Reddy, Rao, Kumar, Desai,"
            "Joshi, Bhatt, Pillai, Menon, Krishnan, Verma, Agarwal, Chatterjee, D'Souza,"
            "Fernandes, Subramaniam"
        ),
        (("en", 72), ("hi", 10), ("gu", 7), ("ta", 8), ("ml", 3)),
        "hi",
    ),
    "chinese": _Culture(
        _names(
            "Wei, Jing, Li Na, Xiaoming, Mei, Hui, Jun, Ying, Yan, Lei, Kevin, Jenny,"
            "Vivian, Alan, Winnie, Tony, Ka-Wai, Siu Ming, Wing, Hoi Yan, Xinyi, Haoran,"
            "Yuting, Zihan, Raymond, Cindy"
        ),
        _names(
            "Li, Wang, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu,"
            "Lin, Guo, He, Chan, Wong, Leung, Lau, Cheung, Ng, Ho, Lam, Tam, Yip, Chow, Tse"
        ),
        (("en", 55), ("zh", 45)),
        "zh",
    ),
    "arabic": _Culture(
        _names(
            "Mohammed, Ahmad, Omar, Youssef, Fatima, Layla, Nour, Hana, Khaled, Rami, Samir,"
            "Amira, Yasmine, Karim, Hassan, Hussein, Mariam, Rania, Walid, Zeinab, Ali,"
            "Abdullah, Salma, Dalia, Tarek, Lina, Ghada"
        ),
        _names(
            "Haddad, Khoury, Nasser, Saleh, Aziz, Mansour, Hamdan, Ibrahim, Abdullah,"
            "Al-Khatib, El-Amin, Farah, Darwish, Youssef, Hassan, Mahmoud, Najjar,"
            "Sabbagh, Chahine, El Masri, Abou-Khalil, Ahmed, Al-Hashimi, Bou Saab"
        ),
        (("en", 52), ("ar", 40), ("fr", 8)),
        "ar",
    ),
    "filipino": _Culture(
        _names(
            "Maria, Jose, Mark Anthony, Rowena, Marites, Jericho, Kristine, Angelica,"
            "Rommel, Jasmine, Ma. Cristina, Joy, Reynaldo, Lourdes, Arnel, Precious"
        ),
        _names(
            "Santos, Reyes, Cruz, Bautista, Ocampo, Garcia, Mendoza, Dela Cruz,"
            "Villanueva, Aquino, Castillo, Ramos, De Guzman, Soriano, Manalo, Pascual"
        ),
        (("en", 70), ("tl", 30)),
        "tl",
    ),
    "latin": _Culture(
        _names(
            "José, María José, Sofía, Valentina, Mateo, Santiago, Camila, Luis, Andrés,"
            "Ximena, Diego, Lucía, Joaquín, Martín, Daniela, Alejandro, Mónica, Iñaki"
        ),
        _names(
            "García, Rodríguez, Martínez, Hernández, López, González, Pérez, Sánchez,"
            "Ramírez, Torres, Flores, Núñez, Muñoz, Gómez, Peña, Castañeda, Ortiz"
        ),
        (("en", 55), ("es", 43), ("pt", 2)),
        "es",
    ),
    "european": _Culture(
        _names(
            "Giuseppe, Maria, Antonio, Francesca, João, Ana, Tomasz, Katarzyna, Olena,"
            "Dmytro, Nikolaos, Eleni, Marco, Giulia, Paulo, Inês, Agnieszka, Bohdan,"
            "Stavros, Lucia"
        ),
        _names(
            "Rossi, Russo, Esposito, De Luca, Ferreira, Silva, Sousa, Kowalski, Nowak,"
            "Wiśniewski, Kovalenko, Shevchenko, Papadopoulos, Costa, Moretti, Dos Santos,"
            "Marchetti, Medeiros, Zieliński, Bondarenko"
        ),
        (("en", 72), ("it", 8), ("pt", 9), ("pl", 5), ("uk", 4), ("el", 2)),
        "it",
    ),
    "african": _Culture(
        _names(
            "Kwame, Chidi, Ngozi, Amara, Oluwaseun, Abdi, Hodan, Fartun, Yonas, Selam,"
            "Abena, Kofi, Chinonso, Adaeze, Mamadou, Aïssatou, Emmanuel, Grace, Tendai"
        ),
        _names(
            "Okafor, Adeyemi, Okonkwo, Mensah, Asante, Abdi, Warsame, Mohamud, Tesfaye,"
            "Haile, Bekele, Osei, Boateng, Nwosu, Diallo, Traoré, Ndiaye, Mutasa"
        ),
        (("en", 66), ("fr", 14), ("so", 12), ("am", 8)),
        "fr",
    ),
    "vietnamese": _Culture(
        _names("Minh, Thanh, Linh, Huong, Tuan, Ngoc, Anh, Phuong, Quang, Thao, Duc, Lan"),
        _names("Nguyen, Tran, Le, Pham, Hoang, Vu, Dang, Bui, Do, Ho, Ngo, Duong"),
        (("en", 62), ("vi", 38)),
        "vi",
    ),
    "indigenous": _Culture(
        _names(
            "Tanis, Kateri, Shania, Dakota, Raven, Waylon, Jordyn, Skye, Autumn, Cedar,"
            "Ezra, Nolan, Cheyenne, Brody, Tristan, Destiny, Mercedes, Jonah, Lorraine,"
            "Roderick"
        ),
        _names(
            "Fiddler, Meekis, Kakegamic, Moonias, Beardy, Sutherland, Linklater, Wabasse,"
            "Keeash, Achneepineskum, Nanibush, Manitowabi, Commanda, Whiteduck,"
            "Nahwegahbow, Cheechoo, Okimaw, McKay, Hill, General, Jacobs, Kejick, Loon,"
            "Sakanee, Mamakwa, Wesley"
        ),
        (("en", 86), ("oj", 7), ("cr", 5), ("fr", 2)),
        "oj",
    ),
}

# Age at registration: (youngest, oldest exclusive, weight). Unattached patients skew to
# young adults (newcomers, students, people whose doctor retired), but every age appears.
_AGE_BANDS = ((0, 2, 5), (2, 18, 12), (18, 40, 33), (40, 65, 30), (65, 80, 14), (80, 96, 6))

_EN_STREETS = _names(
    "Main St, King St W, Queen St E, Dundas St, Church St, Wellington St, Victoria Ave,"
    "Elm St, Lakeshore Rd, Ontario St, Bay St, Park Ave, Dufferin St, Simcoe St,"
    "Water St, Front St, Huron St, Albert St, Erie St, Maple Ave"
)
_FR_STREETS = _names(
    "Rue Principale, Rue Notre-Dame, Boulevard Saint-Joseph, Rue Champlain,"
    "Avenue des Érables, Chemin du Lac, Rue Sainte-Anne, Boulevard LaSalle,"
    "Rue Lévesque, Rue Montcalm, Chemin de la Rivière, Rue Frontenac"
)
_EN_PLACES = _names(
    "Riverside, Lakeview, Hillcrest, Parkview, Maplewood, Cedarbrook, Harbourview,"
    "Northgate, Eastgate, Westmount, Bayview, Pinecrest, Oakridge, Stonebridge, Elmwood,"
    "Meadowvale, Brookside, Fairview, Kingsway, Trillium"
)
_FR_PLACES = _names(
    "du Boisé, des Érables, Saint-Joseph, Bellevue, du Ruisseau, de la Rivière,"
    "Sainte-Anne, Beauséjour, des Pins, du Lac, Notre-Dame, de l'Estuaire"
)
# (English template, French template); {place}/{city} are filled in, French used where
# French streets are.
_PRACTICE_KINDS = (
    ("{place} Family Health Team", "Équipe de santé familiale {fr_place}"),
    ("{city} Community Health Centre", "Centre de santé communautaire {fr_place}"),
    ("{place} NP-Led Clinic", "Clinique dirigée par du personnel infirmier praticien {fr_place}"),
    ("{place} Family Health Organization", "Clinique médicale {fr_place}"),
    ("{place} Medical Centre", "Clinique médicale {fr_place}"),
)


# --- small helpers --------------------------------------------------------------------


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` pass the Luhn check (Ontario health cards)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        total += _LUHN_DOUBLED[digit] if position % 2 == 0 else digit
    return str(-total % 10)


def _cumulative(weights: Iterable[float]) -> list[float]:
    """Cumulative weights scaled to end at exactly 1.0, for ``bisect`` on ``random()``."""
    running, out = 0.0, []
    for weight in weights:
        running += weight
        out.append(running)
    scaled = [value / running for value in out]
    scaled[-1] = 1.0
    return scaled


def _slug(name: str) -> str:
    """ASCII e-mail-safe form of a name: 'Jean-François O'Brien' -> 'jean-francoisobrien'."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == "-").strip("-")


def _parse_fsas(spec: str, city: str) -> list[tuple[str, str]]:
    """``"K1G K0A=Embrun"`` -> ``[("K1G", city), ("K0A", "Embrun")]``.

    The list is split on whitespace before an upper-case FSA so towns may hold spaces."""
    out: list[tuple[str, str]] = []
    for token in spec.split(" "):
        if len(token) >= 3 and token[:3].isalnum() and token[0].isupper() and token[1].isdigit():
            fsa, _, town = token.partition("=")
            out.append((fsa, town or city))
        else:  # continuation of a town name with a space ("Carleton Place")
            fsa, town = out[-1]
            out[-1] = (fsa, f"{town} {token}")
    return out


def max_ohts() -> int:
    """How many OHTs can be made with non-overlapping FSAs (one per catchment area)."""
    return sum(len(areas) for areas in _AREAS.values())


def count_rows(path: Path) -> int:
    """Data rows in a CSV file (header excluded; quoted line breaks handled)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write UTF-8, LF, RFC 4180 CSV under a temporary name, then rename into place."""
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    partial.replace(path)


# --- OHTs -----------------------------------------------------------------------------


@dataclass
class _OHT:
    code: str
    name_en: str
    name_fr: str
    region: str
    area: _Area
    fsas: list[str]
    towns: dict[str, str]
    weight: float
    fsa_weights: list[float]

    @property
    def area_codes(self) -> tuple[str, ...]:
        return self.area.area_codes or _PROFILES[self.region].area_codes


def _make_ohts(rng: random.Random, count: int) -> list[_OHT]:
    """OHTs round-robin over regions, each on its own catchment, 5-8 FSAs, rural included."""
    used = dict.fromkeys(REGIONS, 0)
    ohts: list[_OHT] = []
    while len(ohts) < count:
        for region in REGIONS:
            if len(ohts) == count or used[region] >= len(_AREAS[region]):
                continue
            area = _AREAS[region][used[region]]
            used[region] += 1
            pool = _parse_fsas(area.fsas, area.city)
            size = min(rng.randint(5, 8), len(pool))
            picked = set(rng.sample(range(len(pool)), size))
            rural = [i for i, (fsa, _) in enumerate(pool) if fsa[1] == "0"]
            if rural and not picked.intersection(rural):
                picked.discard(max(picked))
                picked.add(rural[0])
            chosen = [pool[i] for i in sorted(picked)]
            ohts.append(
                _OHT(
                    code=f"OHT{101 + len(ohts)}",
                    name_en=area.name_en,
                    name_fr=area.name_fr,
                    region=region,
                    area=area,
                    fsas=[fsa for fsa, _ in chosen],
                    towns=dict(chosen),
                    weight=_PROFILES[region].weight * rng.uniform(0.75, 1.25),
                    fsa_weights=[
                        rng.uniform(0.5, 1.5) * (0.6 if fsa[1] == "0" else 1.0) for fsa, _ in chosen
                    ],
                )
            )
    return ohts


def _registry_rows(ohts: list[_OHT]) -> Iterator[list[str]]:
    for oht in ohts:
        yield [oht.code, oht.name_en, oht.name_fr, oht.region, ";".join(oht.fsas)]


# --- patients -------------------------------------------------------------------------


@dataclass(frozen=True)
class _CultureTable:
    """A culture flattened for the hot loop: names, ASCII slugs, language cumulative."""

    given: tuple[str, ...]
    given_slug: tuple[str, ...]
    family: tuple[str, ...]
    family_slug: tuple[str, ...]
    langs: tuple[str, ...]
    lang_cum: list[float]


def _culture_tables() -> dict[str, _CultureTable]:
    return {
        key: _CultureTable(
            given=c.given,
            given_slug=tuple(_slug(n) for n in c.given),
            family=c.family,
            family_slug=tuple(_slug(n) for n in c.family),
            langs=tuple(code for code, _ in c.languages),
            lang_cum=_cumulative(w for _, w in c.languages),
        )
        for key, c in _CULTURES.items()
    }


def _months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (how long a patient has waited)."""
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _wait_band(months: int) -> int:
    """Index of the summary's wait column: <6, 6-<12, 12-<24, 24+ months."""
    return 0 if months < 6 else 1 if months < 12 else 2 if months < 24 else 3


def _patient_rows(
    rng: random.Random,
    ohts: list[_OHT],
    patients: int,
    extract_date: date,
    summary: dict[tuple[str, str], list[int]],
) -> Iterator[list[str]]:
    """Yield waitlist rows; tally active patients into ``summary`` on the way.

    Dates are handled as ordinals and turned into text through a precomputed table, and
    every choice is an index into a prebuilt list: this loop runs once per patient."""
    rnd = rng.random
    cultures = _culture_tables()
    culture_list = list(cultures.values())

    # Where people live: one slot per (OHT, FSA), weighted.
    slots = []
    slot_weights = []
    for oht in ohts:
        profile = _PROFILES[oht.region]
        culture_cum = _cumulative(w for _, w in profile.cultures)
        region_cultures = [cultures[key] for key, _ in profile.cultures]
        fsa_total = sum(oht.fsa_weights)
        for fsa, fsa_weight in zip(oht.fsas, oht.fsa_weights, strict=True):
            slots.append(
                (
                    oht.code,
                    fsa,
                    fsa[1] == "0",
                    oht.area_codes,
                    profile.francophone,
                    culture_cum,
                    region_cultures,
                    summary[(oht.code, fsa)],
                )
            )
            slot_weights.append(oht.weight * fsa_weight / fsa_total)
    slot_cum = _cumulative(slot_weights)

    # Dates as ordinals, ISO text by table lookup.
    end = extract_date.toordinal()
    first_birth = EARLIEST_BIRTH.toordinal()
    start = min(EARLIEST_REGISTRATION.toordinal(), end - 365)
    iso = [date.fromordinal(o).isoformat() for o in range(first_birth, end + 1)]
    cohort_end = min(COHORT_DATE.toordinal(), end)
    early_span = cohort_end - start + 1
    recent_span = end - cohort_end
    recent_share = min(_RECENT_SHARE_MAX, recent_span * _RECENT_SHARE_PER_DAY)
    band_of = [
        _wait_band(_months_between(date.fromordinal(o), extract_date))
        for o in range(start, end + 1)
    ]
    age_cum = _cumulative(w for _, _, w in _AGE_BANDS)

    ldu_letters = _LDU_LETTERS
    version_letters = _VERSION_LETTERS
    # Luhn by table, indexed by the ASCII code of each digit.
    dbl = [0] * 48 + list(_LUHN_DOUBLED)
    pln = [0] * 48 + list(range(10))
    bis = bisect.bisect_right
    ids = sorted(rng.sample(range(10**9, 10**10), patients))

    for hcc_number in ids:
        code, fsa, rural, area_codes, francophone, culture_cum, region_cultures, tally = slots[
            bis(slot_cum, rnd())
        ]

        # Registration: ~30% after the cohort date, the rest skewed towards recent years.
        if rnd() < recent_share:
            reg = cohort_end + 1 + int(rnd() * recent_span)
        else:
            reg = start + int(rnd() ** 0.6 * early_span)

        culture = region_cultures[bis(culture_cum, rnd())]
        gi = int(rnd() * len(culture.given))
        given, given_slug = culture.given[gi], culture.given_slug[gi]
        fam_culture = culture_list[int(rnd() * len(culture_list))] if rnd() < 0.08 else culture
        fi = int(rnd() * len(fam_culture.family))
        family, family_slug = fam_culture.family[fi], fam_culture.family_slug[fi]

        lo, hi, _ = _AGE_BANDS[bis(age_cum, rnd())]
        age = lo + int(rnd() * (hi - lo))
        dob = reg - int(age * 365.2425) - int(rnd() * 365)
        if dob < first_birth:  # nobody born before 1930: redraw among the oldest
            dob = first_birth + int(rnd() * 3650)

        # Health card: 9 random digits and their Luhn check digit, some with a version code.
        if rnd() < 0.85:
            body = f"{int(rnd() * 1_000_000_000):09d}"
            b = body.encode()
            total = (
                dbl[b[8]] + pln[b[7]] + dbl[b[6]] + pln[b[5]] + dbl[b[4]]
                + pln[b[3]] + dbl[b[2]] + pln[b[1]] + dbl[b[0]]
            )  # fmt: skip
            hcn = body + str(-total % 10)
            r = rnd()
            if r < 0.3:
                version = version_letters[int(rnd() * 20)]
                if r < 0.18:
                    version += version_letters[int(rnd() * 20)]
            else:
                version = ""
            if rnd() < 0.04:  # keyed in by hand somewhere: spaced like the card
                hcn = f"{hcn[:4]} {hcn[4:7]} {hcn[7:]}" + (f" {version}" if version else "")
            else:
                hcn += version
        else:
            hcn = ""

        # Postal code in the patient's FSA; rural LDUs end in 0 like real ones.
        ldu_digit = int(rnd() * 10)
        letter = ldu_letters[int(rnd() * 20)]
        if rural:
            ldu = f"{1 + ldu_digit % 3}{letter}0"
        else:
            ldu = f"{ldu_digit}{letter}{int(rnd() * 10)}"
        r = rnd()
        if r < 0.04:
            postal = fsa + ldu
        elif r < 0.06:
            postal = f"{fsa} {ldu}".lower()
        else:
            postal = f"{fsa} {ldu}"

        # Phone: always the fictional 555-01XX lines, in the formats extracts really hold.
        if rnd() < 0.8:
            area = area_codes[int(rnd() * len(area_codes))]
            line = f"01{int(rnd() * 100):02d}"
            r = rnd()
            if r < 0.45:
                phone = f"({area}) 555-{line}"
            elif r < 0.75:
                phone = f"{area}-555-{line}"
            elif r < 0.85:
                phone = f"+1 {area} 555 {line}"
            elif r < 0.9:
                phone = f"{area}.555.{line}"
            else:
                phone = f"{area}555{line}"
        else:
            phone = ""

        if rnd() < 0.5:
            domain = "example.org" if rnd() < 0.6 else "example.com"
            r = rnd()
            if r < 0.35:
                email = f"{given_slug}.{family_slug}@{domain}"
            elif r < 0.6:
                email = f"{given_slug}.{family_slug}{int(rnd() * 100)}@{domain}"
            elif r < 0.8:
                email = f"{given_slug[0]}{family_slug}{iso[dob - first_birth][2:4]}@{domain}"
            else:
                email = f"{family_slug}_{given_slug}@{domain}"
        else:
            email = ""

        # How to reach them: only a channel they have (mail always works).
        r = rnd()
        if r < 0.18:
            contact = ""
        elif phone and email:
            r = rnd()
            contact = "phone" if r < 0.4 else "text" if r < 0.58 else "email" if r < 0.9 else "mail"
        elif phone:
            r = rnd()
            contact = "phone" if r < 0.55 else "text" if r < 0.8 else "mail"
        elif email:
            contact = "email" if rnd() < 0.85 else "mail"
        else:
            contact = "mail"

        if rnd() < 0.05:
            language = ""
        else:
            language = culture.langs[bis(culture.lang_cum, rnd())]
            if language == "en" and rnd() < francophone:  # bilingual, asks for care in French
                language = "fr"
        complex_vulnerable = rnd() < (0.28 if age >= 70 else 0.13)

        r = rnd()
        if r < 0.85:
            status, status_day = "active", 0
        else:
            status = "attached" if r < 0.95 else "closed"
            status_day = reg + int(rnd() * (end - reg + 1))
        if rnd() < 0.55:
            last_limit = status_day or end
            verified = iso[reg + int(rnd() ** 0.5 * (last_limit - reg + 1)) - first_birth]
        else:
            verified = ""

        if status_day == 0:
            tally[0] += 1
            tally[1] += complex_vulnerable
            tally[2 + band_of[reg - start]] += 1

        yield [
            f"HCC{hcc_number}",
            code,
            iso[reg - first_birth],
            given,
            family,
            iso[dob - first_birth],
            hcn,
            postal,
            phone,
            email,
            contact,
            language,
            "Y" if complex_vulnerable else "N",
            status,
            iso[status_day - first_birth] if status_day else "",
            verified,
        ]


def _summary_rows(
    ohts: list[_OHT], extract_date: date, summary: dict[tuple[str, str], list[int]]
) -> Iterator[list[object]]:
    day = extract_date.isoformat()
    for oht in ohts:
        for fsa in oht.fsas:
            yield [day, oht.code, fsa, *summary[(oht.code, fsa)]]


# --- clinicians -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Practice:
    name: str
    address: str
    city: str
    postal_code: str
    phone: str
    fax: str
    email: str
    np_led: bool


def _fictional_phone(rng: random.Random, area_codes: Sequence[str]) -> str:
    return f"{rng.choice(area_codes)}-555-01{rng.randrange(100):02d}"


def _make_practices(rng: random.Random, oht: _OHT, count: int) -> list[_Practice]:
    """Clinics for one OHT: unique names, addresses in its FSAs, optional phone/fax/e-mail."""
    french = _PROFILES[oht.region].french_streets
    practices: list[_Practice] = []
    names: set[str] = set()
    while len(practices) < count:
        fsa = rng.choice(oht.fsas)
        city = oht.towns[fsa]
        is_french = rng.random() < french
        kind = rng.randrange(len(_PRACTICE_KINDS))
        template = _PRACTICE_KINDS[kind][1 if is_french else 0]
        place = rng.choice(_EN_PLACES) if rng.random() < 0.7 else city
        name = template.format(place=place, city=city, fr_place=rng.choice(_FR_PLACES))
        if name in names:
            name = f"{name} – {city} {len(practices) + 1}"
        names.add(name)
        street = rng.choice(_FR_STREETS if is_french else _EN_STREETS)
        address = f"{rng.randint(1, 2999)} {street}"
        if rng.random() < 0.25:  # commas inside a field exercise the CSV quoting
            unit = "bureau" if is_french else "Suite"
            address += f", {unit} {rng.randint(1, 9)}0{rng.randint(0, 9)}"
        if fsa[1] == "0":
            ldu = f"{rng.randint(1, 3)}{rng.choice(_LDU_LETTERS)}0"
        else:
            ldu = f"{rng.randrange(10)}{rng.choice(_LDU_LETTERS)}{rng.randrange(10)}"
        slug = "-".join(_slug(word) for word in name.split() if _slug(word))[:40].strip("-")
        practices.append(
            _Practice(
                name=name,
                address=address,
                city=city,
                postal_code=f"{fsa} {ldu}",
                phone=_fictional_phone(rng, oht.area_codes) if rng.random() < 0.95 else "",
                fax=_fictional_phone(rng, oht.area_codes) if rng.random() < 0.65 else "",
                email=f"{slug}@example.{'org' if rng.random() < 0.7 else 'com'}"
                if rng.random() < 0.6
                else "",
                np_led=kind == 2,
            )
        )
    return practices


def _clinician_rows(rng: random.Random, ohts: list[_OHT], count: int) -> Iterator[list[str]]:
    """One row per clinician and practice location; 1-2 locations each, within one OHT."""
    cultures = _culture_tables()
    # Every OHT gets a clinician first, the rest follow the OHTs' sizes.
    homes = [ohts[i % len(ohts)] for i in range(min(count, len(ohts)))]
    homes += rng.choices(ohts, weights=[o.weight for o in ohts], k=count - len(homes))
    per_oht = {oht.code: homes.count(oht) for oht in ohts}
    practices = {
        oht.code: _make_practices(rng, oht, max(2, -(-per_oht[oht.code] // 3))) for oht in ohts
    }
    numbers: dict[str, set[int]] = {"CPSO": set(), "CNO": set()}
    for oht in homes:
        profile = _PROFILES[oht.region]
        is_np = rng.random() < 0.3
        body = "CNO" if is_np else "CPSO"
        while True:
            if is_np:
                number = rng.randint(1_000_000, 9_999_999)
            elif rng.random() < 0.05:
                number = rng.randint(1000, 9999)
            else:
                number = rng.randint(10_000, 399_999)
            if number not in numbers[body]:
                numbers[body].add(number)
                break
        key = rng.choices([k for k, _ in profile.cultures], [w for _, w in profile.cultures])[0]
        table = cultures[key]
        second = _CULTURES[key].second
        r = rng.random()
        if r < 0.08:
            languages = ""
        elif key == "french":
            languages = "fr" if r < 0.35 else "en;fr"
        elif r < 0.5 and key != "english" and second != "fr":
            languages = f"en;{second}"
        elif rng.random() < 0.05 + profile.french_streets:
            languages = "en;fr"
        else:
            languages = "en"
        pool = practices[oht.code]
        if is_np:  # NPs are the staff of NP-led clinics
            pool = sorted(pool, key=lambda p: not p.np_led)[: max(2, len(pool) // 2)]
        locations = rng.sample(pool, 2 if rng.random() < 0.25 and len(pool) > 1 else 1)
        given = rng.choice(table.given)
        family = rng.choice(table.family)
        for practice in locations:
            yield [
                body,
                str(number),
                "NP" if is_np else "FP",
                given,
                family,
                practice.name,
                practice.address,
                practice.city,
                practice.postal_code,
                practice.phone,
                practice.fax,
                practice.email,
                oht.code,
                languages,
            ]


# --- public API -----------------------------------------------------------------------


def write_extracts(
    out_dir: Path,
    *,
    patients: int = 2000,
    seed: int = 2025,
    extract_date: date = date(2025, 9, 30),
    ohts: int = 6,
) -> dict[str, Path]:
    """Write the four extract kinds into ``out_dir`` and return their paths by kind.

    Same arguments, same bytes. The FSA summary is computed from the waitlist file it
    accompanies, so the two agree (as the province's own would at a quarter end)."""
    if patients < 0:
        raise ValueError("patients must be zero or more")
    if not 1 <= ohts <= max_ohts():
        raise ValueError(f"ohts must be between 1 and {max_ohts()}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = extract_date.strftime("%Y%m%d")
    paths = {
        "oht_registry": out_dir / "oht_registry.csv",
        "hcc_waitlist": out_dir / f"hcc_waitlist_ALL_{stamp}.csv",
        "clinician_contacts": out_dir / f"clinician_contacts_ALL_{stamp}.csv",
        "hcc_fsa_summary": out_dir / f"hcc_fsa_summary_ALL_{stamp}.csv",
    }

    oht_list = _make_ohts(random.Random(f"{seed}:oht_registry"), ohts)  # noqa: S311
    _write_csv(paths["oht_registry"], OHT_REGISTRY_COLUMNS, _registry_rows(oht_list))

    summary = {(oht.code, fsa): [0] * 6 for oht in oht_list for fsa in oht.fsas}
    patient_rng = random.Random(f"{seed}:hcc_waitlist")  # noqa: S311
    _write_csv(
        paths["hcc_waitlist"],
        HCC_WAITLIST_COLUMNS,
        _patient_rows(patient_rng, oht_list, patients, extract_date, summary),
    )
    _write_csv(
        paths["hcc_fsa_summary"],
        HCC_FSA_SUMMARY_COLUMNS,
        _summary_rows(oht_list, extract_date, summary),
    )

    clinician_rng = random.Random(f"{seed}:clinician_contacts")  # noqa: S311
    clinicians = max(10, round(patients / 40))
    _write_csv(
        paths["clinician_contacts"],
        CLINICIAN_CONTACTS_COLUMNS,
        _clinician_rows(clinician_rng, oht_list, clinicians),
    )
    return paths
