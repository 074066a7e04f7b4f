"""The demo catalogue and the word lists demo customers are made of.

Kept apart from the generator (``orderview.demo``) so the generator reads as an algorithm and
this file as data. Nothing here is random: the generator picks from these lists with a seeded
``random.Random``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DemoProduct:
    name: str
    short_code: str
    authorization_method: str  # "license-key" | "user"
    active: bool = True
    weight: int = 10  # how often orders pick it


@dataclass(frozen=True)
class DemoPolicy:
    code: str
    name: str
    is_default: bool = False
    values: dict[str, Any] = field(default_factory=dict)  # license fields the policy presets


PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct("Atlas CAD", "ATLAS", "license-key", weight=30),
    DemoProduct("Borealis Render", "BOREALIS", "license-key", weight=20),
    DemoProduct("Cirrus Sync", "CIRRUS", "license-key", weight=15),
    DemoProduct("Delta Analytics", "DELTA", "license-key", weight=10),
    DemoProduct("Fjord Cloud Suite", "FJORD", "user", weight=15),
    DemoProduct("Gale Team Chat", "GALE", "user", weight=8),
    DemoProduct("Halo Legacy Tools", "HALO", "license-key", active=False, weight=2),
)

# Every license type appears, each with sensible values; every product gets all of them.
POLICIES: tuple[DemoPolicy, ...] = (
    DemoPolicy(
        "perpetual",
        "Perpetual",
        is_default=True,
        values={
            "license_type": "perpetual",
            "max_activations": 2,
            "max_transfers": 3,
            "maintenance_duration": "1y",
        },
    ),
    DemoPolicy(
        "annual",
        "Annual (time-limited)",
        values={
            "license_type": "time-limited",
            "valid_duration": "1y",
            "max_activations": 3,
        },
    ),
    DemoPolicy(
        "monthly-sub",
        "Monthly subscription",
        values={
            "license_type": "subscription",
            "grace_period": 7,
            "max_activations": 5,
        },
    ),
    DemoPolicy(
        "metered",
        "Metered usage (consumption)",
        values={
            "license_type": "consumption",
            "max_consumptions": 1000,
            "allow_overages": True,
            "max_overages": 100,
            "reset_consumption": True,
            "consumption_period": "monthly",
            "max_activations": 1,
        },
    ),
    DemoPolicy(
        "trial",
        "14-day trial",
        values={
            "license_type": "time-limited",
            "valid_duration": "14d",
            "is_trial": True,
            "trial_days": 14,
            "max_activations": 1,
            "prevent_vm": True,
        },
    ),
    DemoPolicy(
        "floating",
        "Floating (5 seats)",
        values={
            "license_type": "perpetual",
            "is_floating": True,
            "floating_users": 5,
            "floating_timeout": 30,
            "allow_unlimited_activations": True,
            "max_activations": None,
        },
    ),
)

POLICY_WEIGHTS = {
    "perpetual": 40,
    "annual": 20,
    "monthly-sub": 15,
    "metered": 8,
    "trial": 10,
    "floating": 7,
}

# What every license row starts from before its policy's values are applied.
LICENSE_DEFAULTS: dict[str, Any] = {
    "license_type": "perpetual",
    "valid_duration": None,
    "validity_period": None,
    "grace_period": None,
    "max_consumptions": None,
    "allow_unlimited_consumptions": False,
    "total_consumptions": 0,
    "allow_overages": False,
    "max_overages": None,
    "reset_consumption": False,
    "consumption_period": None,
    "max_activations": 1,
    "allow_unlimited_activations": False,
    "times_activated": 0,
    "max_transfers": 0,
    "transfer_count": 0,
    "prevent_vm": False,
    "start_date": None,
    "maintenance_duration": None,
    "maintenance_period": None,
    "is_trial": False,
    "trial_days": None,
    "is_floating": False,
    "floating_users": None,
    "floating_timeout": None,
    "enabled": True,
    "note": "",
}

FIRST_NAMES = (
    "Ada",
    "Alan",
    "Amara",
    "Anders",
    "Aiko",
    "Beatriz",
    "Bjorn",
    "Carlos",
    "Chen",
    "Chloe",
    "Dmitri",
    "Elena",
    "Emeka",
    "Fatima",
    "Felix",
    "Giulia",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jakob",
    "Jana",
    "Jonas",
    "Kai",
    "Keiko",
    "Lars",
    "Leila",
    "Lucas",
    "Maja",
    "Marco",
    "Maria",
    "Mateo",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Pablo",
    "Priya",
    "Rafael",
    "Rosa",
    "Sakura",
    "Samir",
    "Sofia",
    "Sven",
    "Tariq",
    "Thomas",
    "Uma",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
    "Zhang",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
)
LAST_NAMES = (
    "Andersson",
    "Becker",
    "Bianchi",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Lefebvre",
    "Martin",
    "Moreau",
    "Müller",
    "Nakamura",
    "Novak",
    "Okafor",
    "Olsen",
    "Papadopoulos",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Van Dijk",
    "Virtanen",
    "Wagner",
    "Wang",
    "Weber",
    "Nguyen",
    "Yilmaz",
    "Zimmermann",
    "O'Brien",
    "García",
    "Hopper",
    "Lovelace",
    "Turing",
    "Ritchie",
    "Liskov",
    "Hamilton",
    "Thompson",
    "Kernighan",
)
COMPANY_WORDS = (
    "Acme",
    "Apex",
    "Blue Harbor",
    "Brightline",
    "Cedar",
    "Cobalt",
    "Crescent",
    "Driftwood",
    "Evergreen",
    "Falcon",
    "Granite",
    "Helix",
    "Horizon",
    "Ironbark",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Northwind",
    "Nimbus",
    "Orchid",
    "Pinnacle",
    "Quartz",
    "Redwood",
    "Sable",
    "Summit",
    "Tidewater",
    "Umbra",
    "Vertex",
    "Willow",
    "Zenith",
    "Polaris",
)
COMPANY_KINDS = (
    "Engineering",
    "Systems",
    "Labs",
    "Analytics",
    "Design",
    "Manufacturing",
    "Studios",
    "Consulting",
    "Robotics",
    "Logistics",
    "Software",
    "Medical",
    "Architects",
    "Energy",
)
COMPANY_SUFFIXES = ("Ltd", "GmbH", "Inc.", "LLC", "S.A.", "B.V.", "AB", "Oy", "K.K.", "plc", "")
COUNTRIES = (
    # (ISO code, weight, cities, phone prefix)
    ("US", 30, ("Austin", "Boston", "Denver", "Seattle", "Chicago"), "+1"),
    ("GB", 10, ("London", "Leeds", "Bristol", "Glasgow"), "+44"),
    ("DE", 12, ("Berlin", "Munich", "Hamburg", "Köln"), "+49"),
    ("FR", 7, ("Paris", "Lyon", "Toulouse"), "+33"),
    ("JP", 6, ("Tokyo", "Osaka", "Fukuoka"), "+81"),
    ("SE", 4, ("Stockholm", "Göteborg", "Malmö"), "+46"),
    ("NL", 4, ("Amsterdam", "Utrecht", "Eindhoven"), "+31"),
    ("BR", 4, ("São Paulo", "Curitiba", "Recife"), "+55"),
    ("IN", 5, ("Bengaluru", "Pune", "Hyderabad"), "+91"),
    ("SI", 2, ("Ljubljana", "Maribor"), "+386"),
    ("CA", 6, ("Toronto", "Vancouver", "Montréal"), "+1"),
    ("AU", 4, ("Sydney", "Melbourne", "Perth"), "+61"),
    ("NG", 2, ("Lagos", "Abuja"), "+234"),
    ("ES", 4, ("Madrid", "Barcelona", "Valencia"), "+34"),
)
STREETS = (
    "Main St",
    "Harbour Rd",
    "Station Rd",
    "Lindenstraße",
    "Rue de la Paix",
    "High St",
    "Industrial Way",
    "Parkweg",
    "Calle Mayor",
    "Market Sq",
)
LANGUAGES = (("en", 50), ("", 20), ("de", 10), ("fr", 6), ("ja", 5), ("es", 5), ("pt", 4))
CAMPAIGNS = (
    "cpg=web,src=google.com",
    "cpg=spring-sale,src=newsletter",
    "cpg=partner,src=reseller",
    "cpg=webinar,src=linkedin.com",
    "cpg=black-friday,src=email",
    "utm_source=bing&utm_medium=cpc",
)
NOTES = (
    "Renewal agreed by phone",
    "Replacement for lost key",
    "Upgrade from v3",
    "Education discount",
    "Reseller: Northwind Partners",
    "Seat for CI server",
)

# Hostile values: real-looking customers whose names are markup or terminal control sequences,
# so every screen's literal display of data gets exercised by the demo itself.
HOSTILE_CUSTOMERS: tuple[dict[str, str], ...] = (
    {
        "first_name": "Mallory",
        "last_name": "[bold red]Brackets[/]",
        "company_name": "[/b] ACME [Ltd]",
        "email": "mallory@acme-ltd.example",
    },
    {
        "first_name": "Eve",
        "last_name": "Terminal\x1b[2J\x1b[1;1HPWNED",
        "company_name": "EVIL\x1b[31m Corp\x07",
        "email": "eve@evil-corp.example",
    },
    {
        "first_name": "Trudy",
        "last_name": "Clicker",
        "company_name": "[@click=app.quit]Click me[/]",
        "email": "trudy@click.example",
    },
    {
        "first_name": "\u202eevorter",
        "last_name": "Bidi",
        "company_name": "Reverse \u202eLtd\u202c Holdings",
        "email": "bidi@reverse.example",
    },
)
