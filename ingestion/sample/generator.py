"""Deterministic, realistic sample extracts for the lead-to-revenue warehouse.

:func:`generate` simulates a B2B software company selling in DACH, UK&I, Benelux, the
Nordics and North America, and writes what its three source systems would have exported:

* ``crm`` (Salesforce style CSV): users, accounts, contacts, leads and their status history,
  opportunities and their stage history, tasks, events, quotas and NPS survey responses.
* ``marketing`` (JSON Lines): campaigns, campaign members and touchpoints.
* ``finance`` (German ERP CSV, Windows-1252): campaign cost lines, revenue bookings,
  department budgets and daily FX rates.

Every file follows its :class:`~ingestion.contract.Extract` (columns, order, format). The
landing layout is ``<out>/<system>/<YYYY-MM-DD>/<file name>``; one folder per drop, named
after the drop's extract date, with every extract file in every drop (header only / empty
when nothing changed).

Delta semantics
---------------
Drops are dated the 1st of the month after each simulated month (``cadence="monthly"``;
``"weekly"``: every Monday, ``"daily"``: every day; ``daily_tail_days=n`` delivers the last n
days one drop a day after the regular cadence). A drop contains the rows created or
changed between the previous drop date (inclusive) and its own date (exclusive), each as it
stood at the drop date (so an entity changed twice in a month appears once, in its latest
state). The first drop additionally contains everything that existed before the window
starts (initial load: users, accounts, contacts, campaigns, quotas and budgets planned
before the window, and the pipeline that was already open: opportunities created up to ~5
months before the window with their stage history and activities). Nothing happens on or after ``end + 1 day``: leads, opportunities and
campaigns still open then simply stay open. Append-only extracts (histories, touchpoints,
cost lines, invoices, FX rates) appear in the drop covering their creation (or delivery)
time.

The simulation (all vectorised with numpy; one ``default_rng`` stream per component derived
from ``seed``, so identical parameters give byte-identical files):

* Reps (``Field Sales`` ~40 % / ``Inside Sales``) in teams per territory and role, with
  managers (``Sales_Role__c = 'Sales Manager'``, ``Team__c = 'Sales Leadership'``), ~20 %
  hired during the window (quota ramp-up), a few leavers (``IsActive`` turns 0; their open
  leads, opportunities and accounts are reassigned to a successor, visible as ``Owner``
  rows in LeadHistory). Lead routing is skewed so some reps are far over capacity; those
  reps respond slower and leave more handed-over leads untouched.
* Leads: ~70 % marketing (MQL, tied to a campaign) and ~30 % sales generated (SGL, cold
  call / referral / partner), seasonal (August and December are quiet). Lifecycle in
  LeadHistory: MQL/SGL -> SAL -> (BANT check) -> SQL -> Converted, or Recycled /
  Disqualified; recycled leads may come back as MQL (up to three cycles) and a converted
  lead whose opportunity is lost may be recycled and converted again (a lead can therefore
  own several opportunities; ``IsConverted`` stays 1 and the ``Converted*`` fields show the
  latest conversion, as in Salesforce).
* Opportunities from conversions (``Lead_Id__c``, ``CampaignId`` = lead's primary campaign)
  plus ~20 % existing-business / sales-sourced ones without a lead; every stage change is
  an OpportunityHistory row (amounts revised, close dates slipping).
* Accounts: Prospect -> Customer at the first won deal -> Former Customer when churning.
* Activities: first sales touch after the SAL handover (per-rep response times, ~10 % of
  handed-over leads never touched), follow-ups, deal and account activities; tasks
  (calls / e-mails) and events (field visits / video meetings). Descriptions contain
  commas, quotes and line breaks.
* Touchpoints before (anonymous, e-mail only) and after lead creation, on open
  opportunities (contacts), newsletters to contacts and touches of unknown people; campaign
  members per campaign and lead/contact touched.
* Finance: cost lines per campaign (0.6-1.5x planned budget, ~3 % without campaign), one
  invoice per won opportunity (never later than the window end), monthly budgets and
  actuals for ``Marketing`` (= the month's cost lines in EUR) and ``Vertrieb`` (headcount
  and travel), FX rates on business days.

Real-world mess (all driven by ``mess_rate``, default 0.01; ``0`` switches all of it off;
with a positive rate, kinds 2-4 occur at least once whenever there is anything to mess up):

1. Re-delivered rows: a fraction ``mess_rate`` of every drop's rows of every extract is
   delivered again, byte-identical, at the top of the next drop's file (for versioned
   entities next to the newer version, if the entity changed again).
2. E-mail noise: a fraction ``mess_rate`` of leads carry their e-mail with odd casing
   (``Max.Mueller@Nordlicht-Logistik.De``) and/or a trailing space; a fraction
   ``3 * mess_rate`` of touchpoint e-mails are captured the same way (the converted
   contact always has the clean address).
3. Late-arriving touchpoints: a fraction ``mess_rate`` of touchpoints arrive one drop late
   (their ``occurred_at`` lies before the previous drop date).
4. Late invoice corrections: a fraction ``mess_rate`` of revenue bookings are sent again
   in a later drop with the same ``Rechnungsnummer`` and a corrected ``Umsatz``.

Structural (not mess, but worth knowing): ``Kampagne`` is empty on ~3 % of cost lines
(unmapped cost), campaign ``expected_revenue`` is deliberately far off for some campaigns
(optimists 3-10x, pessimists ~0.3x of what they actually bring), finance documents are
dated on working days and finance files use CRLF line ends; CRM CSVs quote only fields that
need it (RFC 4180, LF line ends).
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion import crm, finance, marketing
from ingestion.contract import Column, Extract
from ingestion.registry import SYSTEMS

__all__ = ["GenerationSummary", "generate"]

DAY = 86_400
HOUR = 3_600
NEVER = np.int64(2**62)  # "no such time" (leave date of a rep who never leaves, ...)
NULL = np.iinfo(np.int64).min  # null timestamp / date / index in typed columns

# ----------------------------------------------------------------------------- vocabulary

TERRITORIES = ("DACH", "UK&I", "Benelux", "Nordics", "North America")
TERR_W = np.array([0.43, 0.15, 0.14, 0.15, 0.13])  # ~ where the companies are
CURRENCIES = ("EUR", "USD", "CHF", "GBP")
EUR, USD, CHF, GBP = range(4)
FX_CENTER = (1.08, 0.95, 0.86)  # USD, CHF, GBP per 1 EUR

# code, name, territory, currency, weight, tld, phone prefix, cities, legal forms
COUNTRIES: tuple[
    tuple[str, str, int, int, float, str, str, tuple[str, ...], tuple[str, ...]], ...
] = (
    (
        "DE",
        "Germany",
        0,
        EUR,
        0.30,
        "de",
        "+49",
        (
            "Berlin",
            "Hamburg",
            "München",
            "Köln",
            "Frankfurt am Main",
            "Stuttgart",
            "Düsseldorf",
            "Leipzig",
            "Nürnberg",
            "Hannover",
        ),
        ("GmbH", "AG", "GmbH & Co. KG", "SE"),
    ),
    (
        "AT",
        "Austria",
        0,
        EUR,
        0.06,
        "at",
        "+43",
        ("Wien", "Graz", "Linz", "Salzburg", "Innsbruck"),
        ("GmbH", "AG"),
    ),
    (
        "CH",
        "Switzerland",
        0,
        CHF,
        0.07,
        "ch",
        "+41",
        ("Zürich", "Basel", "Bern", "Genf", "Luzern"),
        ("AG", "GmbH", "SA"),
    ),
    (
        "GB",
        "United Kingdom",
        1,
        GBP,
        0.12,
        "co.uk",
        "+44",
        ("London", "Manchester", "Birmingham", "Leeds", "Edinburgh", "Bristol"),
        ("Ltd", "PLC"),
    ),
    ("IE", "Ireland", 1, EUR, 0.03, "ie", "+353", ("Dublin", "Cork", "Galway"), ("Ltd", "DAC")),
    (
        "NL",
        "Netherlands",
        2,
        EUR,
        0.08,
        "nl",
        "+31",
        ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Den Haag"),
        ("B.V.", "N.V."),
    ),
    (
        "BE",
        "Belgium",
        2,
        EUR,
        0.05,
        "be",
        "+32",
        ("Brussel", "Antwerpen", "Gent", "Leuven"),
        ("NV", "BV", "SA"),
    ),
    (
        "LU",
        "Luxembourg",
        2,
        EUR,
        0.01,
        "lu",
        "+352",
        ("Luxembourg", "Esch-sur-Alzette"),
        ("S.A.", "S.à r.l."),
    ),
    (
        "SE",
        "Sweden",
        3,
        EUR,
        0.05,
        "se",
        "+46",
        ("Stockholm", "Göteborg", "Malmö", "Uppsala"),
        ("AB",),
    ),
    ("DK", "Denmark", 3, EUR, 0.04, "dk", "+45", ("København", "Aarhus", "Odense"), ("A/S", "ApS")),
    ("NO", "Norway", 3, EUR, 0.03, "no", "+47", ("Oslo", "Bergen", "Trondheim"), ("AS", "ASA")),
    ("FI", "Finland", 3, EUR, 0.03, "fi", "+358", ("Helsinki", "Espoo", "Tampere"), ("Oy", "Oyj")),
    (
        "US",
        "United States",
        4,
        USD,
        0.11,
        "com",
        "+1",
        ("New York", "Chicago", "Boston", "Austin", "San Francisco", "Seattle", "Atlanta"),
        ("Inc.", "LLC", "Corp."),
    ),
    (
        "CA",
        "Canada",
        4,
        USD,
        0.02,
        "ca",
        "+1",
        ("Toronto", "Montréal", "Vancouver", "Calgary"),
        ("Inc.", "Ltd."),
    ),
)

FIRST_NAMES = (
    "Anna",
    "Lukas",
    "Julia",
    "Jonas",
    "Laura",
    "Felix",
    "Sarah",
    "Maximilian",
    "Lea",
    "Paul",
    "Katharina",
    "Tobias",
    "Sophie",
    "Jörg",
    "Jürgen",
    "Sören",
    "Björn",
    "Maike",
    "Özlem",
    "Mehmet",
    "Thomas",
    "Sabine",
    "Stefan",
    "Claudia",
    "Michael",
    "Andrea",
    "Markus",
    "Petra",
    "Daniel",
    "Nicole",
    "Oliver",
    "Emma",
    "James",
    "Olivia",
    "William",
    "Charlotte",
    "George",
    "Amelia",
    "Harry",
    "Siobhan",
    "Liam",
    "Aoife",
    "Seán",
    "Pieter",
    "Sanne",
    "Daan",
    "Femke",
    "Lars",
    "Ingrid",
    "Erik",
    "Astrid",
    "Søren",
    "Mette",
    "Mikael",
    "Anneli",
    "John",
    "Emily",
    "David",
    "Ashley",
    "Chris",
    "Megan",
    "Renée",
    "François",
    "Chloé",
    "Zoë",
    "Matthias",
    "Ursula",
    "Ralf",
    "Heike",
    "Kai",
)
LAST_NAMES = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Weiß",
    "Krause",
    "Lehmann",
    "Köhler",
    "Huber",
    "Gruber",
    "Steiner",
    "Meier",
    "Keller",
    "Brunner",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Evans",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Walsh",
    "de Vries",
    "Jansen",
    "van Dijk",
    "Bakker",
    "Visser",
    "Peeters",
    "Maes",
    "Janssens",
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nielsen",
    "Hansen",
    "Jensen",
    "Larsen",
    "Virtanen",
    "Korhonen",
    "Johnson",
    "Miller",
    "Davis",
    "Garcia",
    "Martinez",
    "Anderson",
    "Thompson",
    "White",
    "Clark",
    "Lewis",
    "Tremblay",
    "Roy",
    "Gagnon",
)
BRAND_A = (
    "Nord",
    "Süd",
    "Ost",
    "West",
    "Alpen",
    "Rhein",
    "Hansa",
    "Stern",
    "Falken",
    "Eichen",
    "Linden",
    "Sonnen",
    "Polar",
    "Atlas",
    "Vega",
    "Orion",
    "Nova",
    "Helix",
    "Quant",
    "Apex",
    "Blue",
    "Red",
    "Green",
    "Silver",
    "Iron",
    "Gold",
    "Lake",
    "Sea",
    "Berg",
    "Tal",
)
BRAND_B = (
    "licht",
    "werk",
    "tec",
    "tronic",
    "soft",
    "data",
    "form",
    "line",
    "wave",
    "point",
    "gate",
    "field",
    "stone",
    "bridge",
    "works",
    "logic",
    "net",
    "haus",
    "mark",
    "feld",
    "hof",
    "port",
    "view",
    "star",
    "light",
    "craft",
    "core",
    "flow",
    "bay",
    "ridge",
)
CORE = (
    "Logistik",
    "Maschinenbau",
    "Medizintechnik",
    "Software",
    "Energie",
    "Handel",
    "Consulting",
    "Systems",
    "Pharma",
    "Bau",
    "Analytics",
    "Solutions",
    "Technologies",
    "Industries",
    "Foods",
    "Finance",
    "Media",
    "Robotics",
    "Labs",
    "Mobility",
    "Automation",
    "Services",
    "Digital",
    "Textil",
    "Chemie",
    "Versicherung",
    "Immobilien",
    "Elektronik",
    "Werkzeuge",
    "Verpackung",
)
INDUSTRIES = (
    "Manufacturing",
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Logistics",
    "Energy",
    "Professional Services",
    "Telecommunications",
    "Public Sector",
    "Automotive",
    "Media",
)
TITLES = (
    "CEO",
    "CFO",
    "CTO",
    "CIO",
    "Head of Sales",
    "Head of Marketing",
    "IT-Leiter",
    "Einkaufsleiter",
    "Procurement Manager",
    "Marketing Manager",
    "Sales Operations Manager",
    "VP Engineering",
    "Geschäftsführer",
    "Leiter Vertrieb",
    "Data Analyst",
    "Project Manager",
    "Director of Operations",
    "Office Manager",
)
FREEMAIL = (
    "gmail.com",
    "gmx.de",
    "web.de",
    "outlook.com",
    "yahoo.co.uk",
    "hotmail.com",
    "t-online.de",
    "icloud.com",
)
SEGMENTS = ("Enterprise", "Mid-Market", "SMB")
ACCOUNT_TYPES = ("Prospect", "Customer", "Former Customer")
PROSPECT, CUSTOMER, FORMER = range(3)

CHANNELS = ("email", "webinar", "paid_search", "social", "trade_fair", "content")
CH_W = np.array([0.25, 0.20, 0.10, 0.15, 0.12, 0.18])
CH_TAIL_DAYS = np.array([7, 2, 1, 1, 5, 1])  # leads / touches keep coming after the end date
# share of marketing leads per channel (index 6 = the always-on paid search programmes)
CH_LEAD_SHARE = np.array([0.12, 0.15, 0.10, 0.13, 0.15, 0.20, 0.15])
CH_BUDGET = np.array(
    [
        [2_000, 10_000],
        [3_000, 15_000],
        [10_000, 60_000],
        [5_000, 40_000],
        [30_000, 150_000],
        [5_000, 25_000],
    ]
)
CH_LABEL = ("Newsletter", "Webinar", "Paid Search", "LinkedIn Ads", "Trade Fair", "Whitepaper")
REGIONS = ("DACH", "UK&I", "Benelux", "Nordics", "North America", "EMEA")
REGION_W = np.array([0.35, 0.15, 0.10, 0.08, 0.12, 0.20])
THEMES = (
    "Revenue Operations",
    "Sales Forecasting",
    "Pipeline Hygiene",
    "Data Security",
    "Cloud Migration",
    "AI im Vertrieb",
    "Customer Success",
    "Partner Selling",
    "Marketing Attribution",
    "CPQ Best Practices",
    "Digitale Transformation",
    "Field Service 2.0",
)
FAIRS = (
    (
        "Hannover Messe",
        "it-sa Nürnberg",
        "DMEXCO Köln",
        'Messe "Zukunft Vertrieb"',
        "Swiss Digital Days",
    ),
    ("Big Data London", "Sales Innovation Expo London", "Dublin Tech Summit"),
    ("Benelux Digital Days", "Mobile Convention Amsterdam"),
    ("Nordic Tech Expo", "Slush Helsinki"),
    ("SaaStr Annual", "Dreamforce Side Event"),
    ("Web Summit", "SaaS Europe Conference"),
)
# lead sources: 0-5 = marketing channels, 6-8 = sales generated, 9 = existing business
LEAD_SOURCES = (
    "Email",
    "Webinar",
    "Paid Search",
    "Social",
    "Trade Fair",
    "Content",
    "Cold Call",
    "Referral",
    "Partner",
    "Existing Business",
)
SRC_QUALITY = np.array([0.45, 0.55, 0.40, 0.30, 0.65, 0.45, 0.40, 0.75, 0.60])
WIN_BASE = np.array([0.25, 0.30, 0.22, 0.18, 0.38, 0.27, 0.22, 0.42, 0.35, 0.45])

STATUS = ("MQL", "SGL", "SAL", "SQL", "Converted", "Recycled", "Disqualified")
MQL, SGL, SAL, SQL, CONV, RECY, DISQ = range(7)

STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal",
    "Negotiation",
    "Closed Won",
    "Closed Lost",
)
STAGE_PROB = np.array([10, 20, 40, 60, 80, 100, 0], dtype=np.float64)
STAGE_FC = ("Pipeline", "Pipeline", "Best Case", "Best Case", "Commit", "Closed", "Omitted")
SEG_AMOUNT_EUR = np.array([150_000.0, 40_000.0, 10_000.0])
SEG_CYCLE_DAYS = np.array([140.0, 75.0, 35.0])
PRODUCTS_NEW = (
    "Platform Subscription",
    "Analytics Suite",
    "Starter Package",
    "Enterprise Licence",
    "Implementation Project",
)
PRODUCTS_EXISTING = ("Upsell", "Renewal", "Add-on Licences", "Expansion")
OPP_TYPES = ("New Business", "Existing Business")

TOUCH_TYPES = ("email_click", "form_fill", "webinar", "ad_click", "trade_fair", "download")
# probability of each touch type per channel (rows) and for touches without campaign (last)
TOUCH_P = np.array(
    [
        [0.90, 0.10, 0.00, 0.00, 0.00, 0.00],
        [0.10, 0.30, 0.60, 0.00, 0.00, 0.00],
        [0.00, 0.30, 0.00, 0.70, 0.00, 0.00],
        [0.00, 0.25, 0.00, 0.75, 0.00, 0.00],
        [0.00, 0.00, 0.00, 0.00, 1.00, 0.00],
        [0.10, 0.20, 0.00, 0.00, 0.00, 0.70],
        [0.00, 0.60, 0.00, 0.00, 0.00, 0.40],
    ]
)
MEMBER_STATUS = ("sent", "responded", "registered", "attended")
CAMPAIGN_STATUS = ("planned", "active", "completed")

ACT_CALL, ACT_EMAIL, ACT_VIDEO, ACT_VISIT = range(4)
CALL_SUBJECTS = (
    "Call",
    "Intro call",
    "Discovery call",
    "Follow-up call",
    "Call: left voicemail",
    "Qualification call",
)
EMAIL_SUBJECTS = (
    "Email: Intro",
    "Email: Follow-up",
    "Email: Proposal sent",
    "Email: Meeting recap",
    "Re: Your enquiry",
    "Email: Pricing",
)
VISIT_SUBJECTS = ("On-site meeting", "Workshop at customer", "On-site demo")
VIDEO_SUBJECTS = ("Video call: Demo", "Video call: Discovery", "Video call: Proposal walkthrough")
VIDEO_LOCATIONS = ("Microsoft Teams", "Zoom")
NOTES = (
    'Discussed current setup, pain points with "legacy CRM", wants a demo.',
    "Left voicemail.\nWill try again tomorrow.",
    "Budget confirmed, decision in Q3; needs approval from CFO.",
    '"Not interested right now", call back in 6 months.',
    "Sent pricing, case study and references.",
    "Gatekeeper, asked for an e-mail with details.",
    'Meeting notes:\n- pricing ok\n- legal review pending, "DPA" required',
    "Kunde möchte Angebot bis Freitag, Ansprechpartner: Herr Müller.",
    "Demo went well, 5 users in pilot, next step: security questionnaire.",
    "Competitor in place (contract ends in March), open to a comparison.",
)

COST_TYPES = ("Agentur", "Media", "Event", "Druck", "Sonstiges")
COST_P = np.array(
    [  # per channel
        [0.6, 0.2, 0.0, 0.0, 0.2],
        [0.5, 0.3, 0.0, 0.0, 0.2],
        [0.2, 0.8, 0.0, 0.0, 0.0],
        [0.3, 0.7, 0.0, 0.0, 0.0],
        [0.2, 0.0, 0.5, 0.2, 0.1],
        [0.6, 0.2, 0.0, 0.2, 0.0],
    ]
)
SUPPLIERS = (
    (
        "Agentur Weiß & Söhne",
        "Brandwerk Kommunikation GmbH",
        "Pixelfabrik Köln GmbH",
        "Northlight Creative Ltd",
        "Content Königsklasse GmbH",
    ),
    (
        "Google Ireland Ltd.",
        "LinkedIn Ireland Unlimited Company",
        "Meta Platforms Ireland Ltd.",
        "Microsoft Ireland Operations Ltd.",
        "New Work SE (XING)",
    ),
    (
        "Müller Messebau GmbH",
        "Messe Düsseldorf GmbH",
        "Eventtechnik Schäfer KG",
        "Catering Göbel GmbH",
    ),
    ("Druckerei Fröhlich GmbH", "Print & Paper Jürgens e.K.", "Flyeralarm GmbH"),
    ("Hotel Zürichsee AG", "Deutsche Bahn AG", "Büroservice Maaß GmbH"),
)
COST_TEXTS = (
    ("Agenturleistung Konzeption", "Agenturhonorar lt. Angebot", "Kreation & Texte, Abschlag"),
    ("Media-Buchung", "Anzeigenschaltung", "Klickkosten lt. Abrechnung"),
    ("Messestand Anzahlung", "Standbau und Logistik", "Catering Messe"),
    ("Druck Flyer; Roll-ups", "Druck Broschüren", "Give-aways"),
    ("Reisekosten", "Hotel und Bewirtung", "Sonstige Kosten"),
)

SEASON = np.array([0.95, 1.0, 1.1, 1.05, 1.05, 1.0, 0.85, 0.55, 1.1, 1.15, 1.1, 0.6])
COMPANY_DOMAIN = "nordwind-software.example"

_TRANSLIT = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ø": "o",
        "å": "a",
        "é": "e",
        "è": "e",
        "ç": "c",
        "ë": "e",
        "á": "a",
        "à": "a",
        "ï": "i",
        "'": "",
        " ": "",
        ".": "",
        "&": "",
        "/": "",
    }
)


def _slug(text: str) -> str:
    return text.translate(_TRANSLIT).lower()


def _dslug(text: str) -> str:
    """Slug for a domain part: like :func:`_slug` but spaces become hyphens."""
    return "-".join(_slug(w) for w in text.split() if _slug(w))


# ----------------------------------------------------------------------------- small helpers


def _secs(d: date) -> int:
    return int(np.datetime64(d, "s").astype(np.int64))


def _days_of(t: np.ndarray) -> np.ndarray:
    return np.floor_divide(t, DAY)


def _dow(days: np.ndarray) -> np.ndarray:
    """Day of week, 0 = Monday (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def _month_index(t: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of timestamps (seconds)."""
    return (
        np.asarray(t, dtype=np.int64)
        .astype("datetime64[s]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )


def _month_start_secs(month_idx: np.ndarray) -> np.ndarray:
    return (
        np.asarray(month_idx, dtype=np.int64)
        .astype("datetime64[M]")
        .astype("datetime64[s]")
        .astype(np.int64)
    )


def _business(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move timestamps into office hours (Mon-Fri, 08:00-18:00 UTC), never backwards."""
    t = np.asarray(t, dtype=np.int64)
    day = np.floor_divide(t, DAY)
    sec = t - day * DAY
    off = rng.integers(0, 2 * HOUR, t.shape)
    late = sec >= 18 * HOUR
    early = sec < 8 * HOUR
    day = day + late
    sec = np.where(late | early, 8 * HOUR + off, sec)
    dow = _dow(day)
    day = day + np.where(dow == 5, 2, np.where(dow == 6, 1, 0))
    return day * DAY + sec


def _weekday(days: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Days moved to the next Monday-Friday (or the previous one at the upper bound ``hi``)."""
    days = np.clip(np.asarray(days, dtype=np.int64), lo, hi)
    dow = _dow(days)
    fwd = days + np.where(dow == 5, 2, np.where(dow == 6, 1, 0))
    back = days - np.where(dow == 5, 1, np.where(dow == 6, 2, 0))
    out = np.where(fwd <= hi, fwd, back)
    return np.where(out < lo, fwd, out)


def _ln(rng: np.random.Generator, median: Any, sigma: float, size: int) -> np.ndarray:
    """Lognormal draws with the given median."""
    return np.asarray(median, dtype=np.float64) * np.exp(sigma * rng.standard_normal(size))


def _ln_days(rng: np.random.Generator, median_days: Any, sigma: float, size: int) -> np.ndarray:
    return (_ln(rng, median_days, sigma, size) * DAY).astype(np.int64)


def _pick_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Categorical draw per item from ``probs[rows[i]]``."""
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0 + 1e-9
    u = rng.random(len(rows))
    return (u[:, None] >= cum[rows]).sum(axis=1)


def _mess_mask(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Each item with probability ``rate``; at least one item when rate > 0 and n > 0."""
    mask = rng.random(n) < rate
    if rate > 0 and n > 0 and not mask.any():
        mask[rng.integers(0, n)] = True
    return mask


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """For keys sorted into groups: index of the first row of each row's group."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.r_[True, keys[1:] != keys[:-1]]
    return np.maximum.accumulate(np.where(first, np.arange(n), 0))


def _ffill(keys: np.ndarray, values: np.ndarray, is_set: np.ndarray, missing: Any) -> np.ndarray:
    """Forward-fill ``values`` (where ``is_set``) within groups of sorted ``keys``."""
    n = len(values)
    pos = np.where(is_set, np.arange(n), -1)
    pos = np.maximum.accumulate(pos) if n else pos
    ok = pos >= _group_starts(keys)
    out = values[np.maximum(pos, 0)] if n else values.copy()
    return np.where(ok, out, missing)


def _shift_prev(keys: np.ndarray, values: np.ndarray, missing: Any) -> np.ndarray:
    """Previous row's value within groups of sorted keys."""
    out = np.empty_like(values)
    if len(values) == 0:
        return out
    out[0] = missing
    out[1:] = values[:-1]
    out[np.r_[True, keys[1:] != keys[:-1]]] = missing
    return out


def _seasonal_times(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, t0: int
) -> np.ndarray:
    """Uniform times in [lo, hi) thinned by month seasonality and growth."""
    lo = np.asarray(lo, dtype=np.int64)
    span = np.maximum(np.asarray(hi, dtype=np.int64) - lo, 1)
    n = len(lo)
    t = lo + (rng.random(n) * span).astype(np.int64)
    wmax = SEASON.max() * 1.6
    for _ in range(12):
        w = SEASON[_month_index(t) % 12] * (1.0 + 0.15 * np.maximum(t - t0, 0) / (365.25 * DAY))
        bad = rng.random(n) * wmax > w
        if not bad.any():
            break
        t[bad] = lo[bad] + (rng.random(int(bad.sum())) * span[bad]).astype(np.int64)
    return t


def _csr(keys: np.ndarray, values: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Group ``values`` by integer ``keys`` (0..n_keys-1): (offsets, values sorted by key)."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    offsets = np.r_[0, np.cumsum(counts)]
    return offsets, values[order]


def _csr_pick(
    rng: np.random.Generator, offsets: np.ndarray, vals: np.ndarray, keys: np.ndarray
) -> np.ndarray:
    """A uniformly random member of each key's group (-1 when the group is empty)."""
    start = offsets[keys]
    cnt = offsets[keys + 1] - start
    pos = start + (rng.random(len(keys)) * np.maximum(cnt, 1)).astype(np.int64)
    pos = np.minimum(pos, max(len(vals) - 1, 0))
    out = vals[pos] if len(vals) else np.zeros(len(keys), dtype=np.int64)
    return np.where(cnt > 0, out, -1)


# ----------------------------------------------------------------------------- arrow strings


@functools.lru_cache(maxsize=256)
def _vocab_cached(words: tuple[str, ...]) -> pa.Array:
    return pa.array(list(words), type=pa.string())


def _vocab(words: Any) -> pa.Array:
    return _vocab_cached(tuple(words))


def _take(vocab: pa.Array, idx: np.ndarray) -> pa.Array:
    idx = np.asarray(idx, dtype=np.int64)
    return vocab.take(pa.array(idx, mask=idx < 0))


def _join(*parts: Any, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def _num_str(values: np.ndarray, width: int = 0, null: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(values, dtype=np.int64), mask=null)
    s = pc.cast(arr, pa.string())
    return pc.utf8_lpad(s, width, "0") if width else s


def _ids(prefix: str, nums: np.ndarray, width: int = 18) -> pa.Array:
    """Ids like ``00Q000000000000042`` (prefix + zero padded number); negative -> null."""
    nums = np.asarray(nums, dtype=np.int64)
    return _join(prefix, _num_str(nums, width - len(prefix), nums < 0))


def _where(cond: np.ndarray, a: Any, b: Any) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(cond, dtype=bool)), a, b)


def _null_where(cond: np.ndarray, arr: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(cond, dtype=bool)), pa.scalar(None, pa.string()), arr)


# ----------------------------------------------------------------------------- formatting

_EMPTY = pa.array([], type=pa.string())
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def _fmt_decimal(x: np.ndarray, scale: int, dec: str, thou: str) -> pa.Array:
    x = np.asarray(x, dtype=np.float64)
    null = np.isnan(x)
    if thou:  # finance extracts are small: plain Python formatting is fine
        tr = str.maketrans({",": thou, ".": dec})
        return pa.array(
            [
                None if nn else f"{v:,.{scale}f}".translate(tr)
                for v, nn in zip(x.tolist(), null.tolist(), strict=True)
            ],
            type=pa.string(),
        )
    q = np.rint(np.where(null, 0.0, x) * 10**scale).astype(np.int64)
    neg = q < 0
    q = np.abs(q)
    s = _num_str(q // 10**scale)
    if scale:
        s = _join(s, _num_str(q % 10**scale, scale), sep=dec)
    s = _where(neg, _join("-", s), s)
    return _null_where(null, s)


def _fmt_column(col: Column, extract: Extract, values: Any, n: int) -> tuple[pa.Array, bool]:
    """Text of one column (null = missing) and whether it may contain special characters."""
    fmt = extract.format
    if values is None:
        return pa.nulls(n, pa.string()), False
    if col.type == "string":
        arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
        return arr.cast(pa.string()), True
    v = np.asarray(values)
    if col.type == "timestamp":
        null = v == NULL
        ts = pa.array(np.where(null, 0, v).astype(np.int64), mask=null).cast(pa.timestamp("s"))
        s = pc.utf8_replace_slice(pc.cast(ts, pa.string()), 10, 11, "T")
        return _join(s, ".000+0000" if extract.system == crm.SYSTEM else "Z"), False
    if col.type == "date":
        null = v == NULL
        days = pa.array(np.where(null, 0, v).astype(np.int32), mask=null).cast(pa.date32())
        s = pc.cast(days, pa.string())
        if fmt.date_format == "%Y-%m-%d":
            return s, False
        if fmt.date_format == "%d.%m.%Y":
            parts = [pc.utf8_slice_codeunits(s, a, b) for a, b in ((8, 10), (5, 7), (0, 4))]
            return _join(*parts, sep="."), False
        raise ValueError(f"unsupported date format {fmt.date_format!r}")
    if col.type == "boolean":
        true_s = "true" if fmt.kind == "jsonl" else fmt.true_values[0]
        false_s = "false" if fmt.kind == "jsonl" else None
        s = _where(v == 1, true_s, pa.scalar(false_s, pa.string()))
        return _null_where(v < 0, s), False
    if col.type == "decimal":
        return _fmt_decimal(v, col.scale, fmt.decimal_separator, fmt.thousands_separator), False
    if col.type == "integer":
        f = v.astype(np.float64)
        null = np.isnan(f)
        return _num_str(np.where(null, 0, f).astype(np.int64), null=null), False
    raise ValueError(f"unsupported column type {col.type!r}")


def _render(extract: Extract, cols: dict[str, Any], n: int) -> pa.Array:
    """One string per record (terminated), in the extract's file format."""
    fmt = extract.format
    missing = set(extract.column_names) - set(cols)
    extra = set(cols) - set(extract.column_names)
    if missing or extra:
        raise AssertionError(
            f"{extract.table}: missing {sorted(missing)}, unexpected {sorted(extra)}"
        )
    if n == 0:
        return pa.array([], type=pa.string())
    pieces = []
    if fmt.kind == "jsonl":
        for k, col in enumerate(extract.columns):
            s, special = _fmt_column(col, extract, cols[col.name], n)
            quoted = col.type in ("string", "date", "timestamp")
            if special and pc.any(pc.match_substring_regex(s, '[\\\\"\\n\\r\\t]')).as_py():
                for a, b in _JSON_ESCAPES:
                    s = pc.replace_substring(s, a, b)
            key = ("{" if k == 0 else ",") + f'"{col.name}":'
            piece = _join(key + '"', s, '"') if quoted else _join(key, s)
            pieces.append(pc.fill_null(piece, key + "null"))
        return _join(*pieces, "}\n")
    pattern = '["\\r\\n' + fmt.delimiter + "]"
    for col in extract.columns:
        s, special = _fmt_column(col, extract, cols[col.name], n)
        if special:
            needs = pc.fill_null(pc.match_substring_regex(s, pattern), False)
            if pc.any(needs).as_py():
                s = pc.if_else(needs, _join('"', pc.replace_substring(s, '"', '""'), '"'), s)
        pieces.append(s)
    eol = "\r\n" if fmt.encoding.lower() in ("cp1252", "windows-1252") else "\n"
    rows = pc.binary_join_element_wise(
        *pieces, fmt.delimiter, null_handling="replace", null_replacement=""
    )
    return _join(rows, eol)


def _header(extract: Extract) -> str:
    if extract.format.kind == "jsonl":
        return ""
    eol = "\r\n" if extract.format.encoding.lower() in ("cp1252", "windows-1252") else "\n"
    return extract.format.delimiter.join(extract.column_names) + eol


def _utf8_bytes(lines: pa.Array) -> bytes:
    if len(lines) == 0:
        return b""
    if lines.null_count:
        raise AssertionError("null record")
    offsets = np.frombuffer(
        lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4
    )
    return lines.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


def _write(path: Path, extract: Extract, lines: pa.Array) -> None:
    body = _utf8_bytes(lines)
    enc = extract.format.encoding
    head = _header(extract)
    with path.open("wb") as fh:
        if enc.lower() in ("utf-8", "utf8", "utf-8-sig"):
            fh.write(head.encode(enc))
            fh.write(body)
        else:
            fh.write((head + body.decode("utf-8")).encode(enc))


# ----------------------------------------------------------------------------- version tables


class _Versions:
    """Versions of entities over time; a drop holds the latest version per changed entity."""

    def __init__(self, ent: np.ndarray, t: np.ndarray, **data: np.ndarray) -> None:
        order = np.lexsort((np.asarray(ent), np.asarray(t)))
        self.ent = np.asarray(ent, dtype=np.int64)[order]
        self.t = np.asarray(t, dtype=np.int64)[order]
        self.data = {k: np.asarray(v)[order] for k, v in data.items()}

    def select(self, lo: int, hi: int) -> np.ndarray:
        """Rows of the latest version (before ``hi``) of entities changed in [lo, hi)."""
        i0 = int(np.searchsorted(self.t, lo, "left"))
        i1 = int(np.searchsorted(self.t, hi, "left"))
        e = self.ent[i0:i1]
        order = np.lexsort((np.arange(len(e)), e))
        es = e[order]
        last = np.r_[es[1:] != es[:-1], True] if len(es) else np.zeros(0, dtype=bool)
        return i0 + order[last]

    def __getitem__(self, key: str) -> np.ndarray:
        return self.data[key]


# ----------------------------------------------------------------------------- public API


@dataclass
class GenerationSummary:
    out_dir: Path
    drops: list[date]
    rows: dict[str, int]  # key = extract.table, e.g. 'crm__leads': data rows over all drops
    files: int
    seconds: float


def drop_dates(
    start: date, end: date, cadence: str = "monthly", daily_tail_days: int = 0
) -> list[date]:
    """Extract dates of the drops covering [start, end]. With ``daily_tail_days`` the last
    that many days are delivered one drop a day after the regular cadence ends: a drop dated
    ``end + 1 - daily_tail_days`` closes the regular part, then one drop per remaining day
    (what a company switching to daily exports, or the day an incremental run reads, sees)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if not 0 <= daily_tail_days <= (end - start).days:
        raise ValueError(
            f"daily_tail_days must be between 0 and {(end - start).days} (the window's days "
            f"after the first), not {daily_tail_days!r}"
        )
    horizon = end + timedelta(days=1)
    drops: list[date] = []
    if cadence == "monthly":
        d = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        while True:
            drops.append(d)
            if d >= horizon:
                break
            d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    elif cadence in ("weekly", "daily"):
        step = 7 if cadence == "weekly" else 1
        d = start + timedelta(days=(7 - start.weekday()) if cadence == "weekly" else 1)
        while True:
            drops.append(d)
            if d >= horizon:
                break
            d += timedelta(days=step)
    else:
        raise ValueError(f"cadence must be 'monthly', 'weekly' or 'daily', not {cadence!r}")
    if daily_tail_days:
        tail_start = horizon - timedelta(days=daily_tail_days)
        drops = [d for d in drops if d < tail_start]
        drops += [tail_start + timedelta(days=k) for k in range(daily_tail_days + 1)]
    return drops


def generate(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 42,
    start: date = date(2023, 1, 1),
    end: date = date(2025, 12, 31),
    cadence: str = "monthly",
    mess_rate: float = 0.01,
    progress: Callable[[str, int, int], None] | None = None,
    daily_tail_days: int = 0,
) -> GenerationSummary:
    """Simulate the company and write all drops below ``out_dir``; see the module docstring
    (``daily_tail_days``: see :func:`drop_dates`)."""
    began = time.perf_counter()
    out_dir = Path(out_dir)
    if not scale > 0 or not math.isfinite(scale):
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    if not 0 <= mess_rate <= 0.5:
        raise ValueError(f"mess_rate must be between 0 and 0.5, not {mess_rate!r}")
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ValueError(f"{out_dir} exists and is not a directory")
        if any(p.is_file() for p in out_dir.rglob("*")):
            raise ValueError(
                f"{out_dir} already contains files; refusing to overwrite (use an empty folder)"
            )
    drops = drop_dates(start, end, cadence, daily_tail_days)
    world = _World(scale, seed, start, end, cadence, mess_rate)
    steps = world.steps()
    total = len(steps) + len(drops)
    done = 0
    for desc, fn in steps:
        if progress:
            progress(desc, done, total)
        fn()
        done += 1
    builders = world.builders()
    rows = {e.table: 0 for extracts in SYSTEMS.values() for e in extracts}
    pending: dict[str, pa.Array] = {}
    mess_rng = np.random.default_rng([seed, 99])
    files = 0
    prev: int | None = None
    for drop in drops:
        if progress:
            progress(f"writing drop {drop.isoformat()}", done, total)
        lo = np.iinfo(np.int64).min if prev is None else prev
        hi = min(_secs(drop), world.H)
        for system, extracts in SYSTEMS.items():
            folder = out_dir / system / drop.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            for extract in extracts:
                versions, build = builders[extract.table]
                sel = versions.select(lo, hi)
                lines = _render(extract, build(sel), len(sel)) if len(sel) else _EMPTY
                fresh = lines
                if extract.table in pending:
                    lines = pa.concat_arrays([pending.pop(extract.table), lines])
                _write(folder / extract.file_name, extract, lines)
                files += 1
                rows[extract.table] += len(lines)
                if mess_rate > 0 and len(fresh):
                    keep = mess_rng.random(len(fresh)) < mess_rate
                    if keep.any():
                        pending[extract.table] = fresh.filter(pa.array(keep))
        prev = hi
        done += 1
    if progress:
        progress("done", total, total)
    return GenerationSummary(out_dir, drops, rows, files, time.perf_counter() - began)


# ----------------------------------------------------------------------------- simulation


class _World:
    """The simulated company. Arrays are indexed by entity number (= id order)."""

    def __init__(
        self, scale: float, seed: int, start: date, end: date, cadence: str, mess: float
    ) -> None:
        self.scale = scale
        self.seed = seed
        self.start = start
        self.end = end
        self.mess = mess
        self.T0 = _secs(start)
        self.H = _secs(end + timedelta(days=1))
        self.span = self.H - self.T0
        self.d0 = self.T0 // DAY
        self.d1 = self.H // DAY  # exclusive
        self.yf = self.span / (3 * 365.25 * DAY)  # volume factor vs. the default 3 years
        self.period_days = {"monthly": 31, "weekly": 7, "daily": 1}[cadence]

    def rng(self, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, stream])

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("simulating reps and FX rates", self._users_and_fx),
            ("simulating campaigns and companies", self._campaigns_and_companies),
            ("simulating leads", self._leads),
            ("simulating lead lifecycles", self._lifecycle),
            ("simulating opportunities and accounts", self._opportunities),
            ("simulating activities", self._activities),
            ("simulating touchpoints", self._touchpoints),
            ("simulating finance", self._finance),
        ]

    # ------------------------------------------------------------------ reps & fx

    def owner_at(self, owner: np.ndarray, t: np.ndarray) -> np.ndarray:
        owner = np.asarray(owner, dtype=np.int64)
        return np.where(np.asarray(t) >= self.u_leave[owner], self.u_succ[owner], owner)

    def fx(self, cur: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Units of ``cur`` per EUR at time ``t``."""
        d = np.clip(np.floor_divide(t, DAY) - self.fx_first, 0, self.fx_daily.shape[1] - 1)
        return self.fx_daily[np.asarray(cur, dtype=np.int64), d]

    def _users_and_fx(self) -> None:
        rng = self.rng(1)
        n_rep = max(8, round(30 * self.scale))
        n_mgr = max(2, round(4 * self.scale))
        n = n_rep + n_mgr
        is_mgr = np.r_[np.zeros(n_rep, bool), np.ones(n_mgr, bool)]
        # reps per territory in proportion to the market (largest remainder, at least one)
        want = TERR_W * n_rep
        counts = np.maximum(np.floor(want).astype(np.int64), 1)
        while counts.sum() < n_rep:
            counts[np.argmax(want - counts)] += 1
        while counts.sum() > n_rep:
            counts[np.argmax(np.where(counts > 1, counts - want, -np.inf))] -= 1
        anchors = np.r_[0, np.cumsum(counts)[:-1]]  # one rep per territory stays all the time
        terr = np.r_[np.repeat(np.arange(5), counts), np.arange(n_mgr) % 5]
        field = np.zeros(n, dtype=bool)
        field[rng.choice(n_rep, round(0.4 * n_rep), replace=False)] = True
        field[n_rep:] = rng.random(n_mgr) < 0.5
        field[anchors[:2]] = (True, False)
        others = np.setdiff1d(np.arange(n_rep), anchors)  # reps that may join or leave
        hired_in = np.zeros(n, dtype=bool)
        hired_in[rng.choice(others, max(1, round(0.2 * n_rep)), replace=False)] = True
        span_days = self.d1 - self.d0
        hire_day = np.where(
            hired_in,
            self.d0 + (rng.uniform(0.03, 0.8, n) * span_days).astype(np.int64),
            self.d0 - rng.integers(60, 8 * 365, n) - np.where(is_mgr, 1500, 0),
        )
        created = _business((hire_day - rng.integers(3, 15, n)) * DAY + 9 * HOUR, rng)
        leave = np.full(n, NEVER, dtype=np.int64)
        cand = np.setdiff1d(np.flatnonzero(~is_mgr & ~hired_in), anchors)
        n_leave = min(max(1, round(0.08 * n_rep)), len(cand))
        leavers = (
            np.sort(rng.choice(cand, n_leave, replace=False)) if n_leave else np.zeros(0, np.int64)
        )
        leave[leavers] = _business(
            self.T0 + (rng.uniform(0.2, 0.9, len(leavers)) * self.span).astype(np.int64), rng
        )
        succ = np.arange(n)
        stayers = ~is_mgr & (leave == NEVER)
        for i in leavers:  # loop over reps
            ok = stayers & (hire_day * DAY < leave[i])
            for pool in (ok & (terr == terr[i]) & (field == field[i]), ok & (terr == terr[i]), ok):
                if pool.any():
                    succ[i] = rng.choice(np.flatnonzero(pool))
                    break
        team = terr * 2 + (~field).astype(np.int64)
        manager = np.where(is_mgr, -1, n_rep + team % n_mgr)
        w = np.exp(0.35 * rng.standard_normal(n))
        fav = rng.random(n) < 0.12
        fav[np.setdiff1d(np.arange(n_rep), anchors)[:1]] = (
            True  # at least one clearly overloaded rep
        )
        w = w * np.where(fav, 2.3, 1.0) * np.where(field, 0.75, 1.25)
        w[is_mgr] = 0.0
        load = w / w[~is_mgr].mean()
        never = np.clip(0.05 + 0.10 * (load - 1.0), 0.02, 0.35)
        resp_h = np.clip(
            np.exp(np.log(5.0) + 1.3 * rng.standard_normal(n)) * np.maximum(load, 0.5), 0.15, 150
        )
        skill = np.clip(np.exp(0.25 * rng.standard_normal(n)), 0.6, 1.6)
        conv = np.clip(np.exp(0.1 * rng.standard_normal(n)), 0.85, 1.15)
        capacity = rng.integers(240, 321, n) / 2.0
        capacity[is_mgr] = 160.0
        pairs = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), n, replace=False)
        first, last = pairs // len(LAST_NAMES), pairs % len(LAST_NAMES)

        order = np.argsort(created, kind="stable")
        inv = np.empty(n, dtype=np.int64)
        inv[order] = np.arange(n)
        self.n_users = n
        self.u_is_mgr = is_mgr[order]
        self.u_terr = terr[order]
        self.u_field = field[order]
        self.u_hire_day = hire_day[order]
        self.u_created = created[order]
        self.u_leave = leave[order]
        self.u_succ = inv[succ[order]]
        self.u_manager = np.where(manager[order] >= 0, inv[np.maximum(manager[order], 0)], -1)
        self.u_weight = w[order]
        self.u_never = never[order]
        self.u_resp_h = resp_h[order]
        self.u_skill = skill[order]
        self.u_conv = conv[order]
        self.u_capacity = capacity[order]
        self.u_first = first[order]
        self.u_last = last[order]
        self.reps = np.flatnonzero(~self.u_is_mgr)

        # FX: AR(1) random walk in logs around the centre, business days only
        rng = self.rng(2)
        days = np.arange(self.d0 - 14, self.d1)
        bdays = days[_dow(days) < 5]
        rates = np.empty((3, len(bdays)))
        for c in range(3):
            eps = rng.normal(0.0, 0.0035, len(bdays))
            x = np.empty(len(bdays))
            acc = rng.normal(0.0, 0.02)
            for i, e in enumerate(eps.tolist()):  # loop over days (~800)
                acc = 0.995 * acc + e
                x[i] = acc
            rates[c] = np.round(FX_CENTER[c] * np.exp(x), 4)
        self.fx_days = bdays
        self.fx_rates = rates
        self.fx_first = int(self.d0 - 14)
        all_days = np.arange(self.fx_first, self.d1 + 800)
        pos = np.clip(np.searchsorted(bdays, all_days, "right") - 1, 0, len(bdays) - 1)
        self.fx_daily = np.vstack([np.ones(len(all_days)), rates[:, pos]])

    # ------------------------------------------------------------------ campaigns & companies

    def _campaigns_and_companies(self) -> None:
        rng = self.rng(3)
        years = list(range(self.start.year, self.end.year + 1))
        n_total = max(8, round(40 * math.sqrt(self.scale) * self.yf))
        n_ao = len(years)
        n_rand = max(n_total - n_ao, 5)
        n = n_ao + n_rand
        channel = np.r_[np.full(n_ao, 2), rng.choice(6, n_rand, p=CH_W)]
        channel[n_ao : n_ao + 6] = np.arange(6)[: min(6, n_rand)]  # every channel at least once
        region = np.r_[np.full(n_ao, 5), rng.choice(6, n_rand, p=REGION_W)]
        dur = np.select(
            [channel == 0, channel == 1, channel == 2, channel == 3, channel == 4],
            [
                rng.integers(3, 22, n),
                rng.integers(14, 36, n),
                rng.integers(30, 121, n),
                rng.integers(21, 91, n),
                rng.integers(2, 5, n),
            ],
            rng.integers(60, 241, n),
        )
        sday = self.d0 - 20 + (rng.random(n) * max(self.d1 - self.d0 - 15, 1)).astype(np.int64)
        for _ in range(10):  # no trade fairs or webinars in August / December
            m = (sday.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12) + 1
            bad = np.isin(channel, (1, 4)) & np.isin(m, (8, 12))
            if not bad.any():
                break
            sday[bad] = (
                self.d0
                - 20
                + (rng.random(int(bad.sum())) * max(self.d1 - self.d0 - 15, 1)).astype(np.int64)
            )
        eday = sday + dur - 1
        for i, y in enumerate(years):
            sday[i] = _secs(date(y, 1, 1)) // DAY
            eday[i] = _secs(date(y, 12, 31)) // DAY
        cur = np.where(region == 1, GBP, np.where(region == 4, USD, EUR))
        cur = np.where((region == 0) & (rng.random(n) < 0.15), CHF, cur)
        created = _business((sday - rng.integers(20, 61, n)) * DAY + 9 * HOUR, rng)
        n_mkt_leads = 0.7 * max(150, round(10000 * self.scale * self.yf))
        # Sized so that marketing as a whole returns roughly 2-5x its cost in won revenue
        # (primary-campaign view), with single campaigns from clear losses to big winners.
        budget_factor = (n_mkt_leads / n) / 45.0
        lo, hi = CH_BUDGET[channel, 0], CH_BUDGET[channel, 1]
        budget_eur = (lo + rng.random(n) * (hi - lo)) * budget_factor
        budget_eur[:n_ao] = rng.uniform(80_000, 140_000, n_ao) * budget_factor
        budget = np.maximum(np.round(budget_eur * self.fx(cur, created), -2), 500.0)
        tail = CH_TAIL_DAYS[channel]
        w0 = np.maximum(sday, self.d0)
        w1 = np.minimum(eday + tail + 1, self.d1)
        overlap = np.maximum(w1 - w0, 0)
        raw = (
            np.exp(0.6 * rng.standard_normal(n))
            * overlap
            / (eday + tail + 1 - sday)
            * (eday - sday + 1) ** 0.3
        )
        mid_month = ((w0 + w1) // 2).astype("datetime64[D]").astype("datetime64[M]").astype(
            np.int64
        ) % 12
        raw = raw * SEASON[mid_month] ** 2  # fewer / smaller campaigns in August and December
        group = np.where(np.arange(n) < n_ao, 6, channel)
        lead_w = np.zeros(n)
        for g in range(7):  # loop over channels
            m = group == g
            if raw[m].sum() > 0:
                lead_w[m] = raw[m] / raw[m].sum() * CH_LEAD_SHARE[g]

        order = np.argsort(created, kind="stable")
        self.n_camp = n
        self.c_channel = channel[order]
        self.c_region = region[order]
        self.c_start = sday[order]
        self.c_end = eday[order]
        self.c_cur = cur[order]
        self.c_created = created[order]
        self.c_budget = budget[order]
        self.c_budget_eur = self.c_budget / self.fx(self.c_cur, self.c_created)
        self.c_w0 = w0[order]
        self.c_w1 = w1[order]
        self.c_lead_w = lead_w[order]
        names = []
        fair_pick = rng.integers(0, 100, n)
        theme_pick = rng.integers(0, len(THEMES), n)
        for i in range(n):  # loop over campaigns
            s = date.fromordinal(int(self.c_start[i]) + date(1970, 1, 1).toordinal())
            ch, rg = int(self.c_channel[i]), int(self.c_region[i])
            theme = THEMES[theme_pick[i]]
            q = (s.month - 1) // 3 + 1
            if order[i] < n_ao:
                names.append(f"{s.year} Always-on Paid Search EMEA")
            elif ch == 4:
                fairs = FAIRS[rg]
                names.append(f"{fairs[fair_pick[i] % len(fairs)]} {s.year}")
            elif ch == 1:
                names.append(f"{s:%Y-%m} Webinar: {theme} ({REGIONS[rg]})")
            elif ch == 0:
                names.append(f"{s:%Y-%m} {CH_LABEL[ch]} {REGIONS[rg]} \u2013 {theme}")
            elif ch == 5:
                names.append(f"{s.year} Q{q} Whitepaper \u201e{theme}\u201c {REGIONS[rg]}")
            else:
                names.append(f"{s.year} Q{q} {CH_LABEL[ch]} {REGIONS[rg]} \u2013 {theme}")
        self.c_name = _vocab(names)

        # daily lists of running campaigns (for touches, re-engagement, opportunity sources)
        nd = self.d1 - self.d0
        cnt = np.maximum(self.c_w1 - self.c_w0, 0)
        camp_rep = np.repeat(np.arange(n), cnt)
        day_rep = np.repeat(self.c_w0 - self.d0, cnt) + (
            np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        )
        self.cday_off, self.cday_val = _csr(day_rep, camp_rep, nd)

        # companies: pre-existing accounts first, then prospects
        rng = self.rng(4)
        n_pre = max(30, round(1700 * self.scale))
        n_pro = max(60, round(5000 * self.scale * self.yf))
        nc = n_pre + n_pro
        cw = np.array([c[4] for c in COUNTRIES])
        country = rng.choice(len(COUNTRIES), nc, p=cw / cw.sum())
        country[:5] = (0, 3, 5, 8, 12)
        country[n_pre : n_pre + 5] = (0, 3, 5, 8, 12)
        c_terr = np.array([c[2] for c in COUNTRIES])
        c_cur = np.array([c[3] for c in COUNTRIES])
        seg = rng.choice(3, nc, p=[0.12, 0.33, 0.55])
        city_n = np.array([len(c[7]) for c in COUNTRIES])
        city_off = np.r_[0, np.cumsum(city_n)[:-1]]
        legal_n = np.array([len(c[8]) for c in COUNTRIES])
        legal_off = np.r_[0, np.cumsum(legal_n)[:-1]]
        city = city_off[country] + (rng.random(nc) * city_n[country]).astype(np.int64)
        legal = legal_off[country] + (rng.random(nc) * legal_n[country]).astype(np.int64)
        brand = rng.integers(0, len(BRAND_A) * len(BRAND_B), nc)
        core = rng.integers(0, len(CORE), nc)
        with_city = rng.random(nc) < 0.35
        partners = rng.random(nc) < 0.06
        l1, l2 = rng.integers(0, len(LAST_NAMES), nc), rng.integers(0, len(LAST_NAMES), nc)
        cities = [c for co in COUNTRIES for c in co[7]]
        legals = [g for co in COUNTRIES for g in co[8]]
        brands = [a + b for a in BRAND_A for b in BRAND_B]
        v_city, v_legal = _vocab(cities), _vocab(legals)
        v_brand, v_core, v_last = _vocab(brands), _vocab(CORE), _vocab(LAST_NAMES)
        plain = _join(_take(v_brand, brand), _take(v_core, core), sep=" ")
        plain = _where(with_city, _join(plain, _take(v_city, city), sep=" "), plain)
        partner = _join(_take(v_last, l1), ", ", _take(v_last, l2), " & Partner")
        name = _join(_where(partners, partner, plain), _take(v_legal, legal), sep=" ")
        v_bslug = _vocab([_dslug(b) for b in brands])
        v_cslug = _vocab([_dslug(c) for c in CORE])
        v_cityslug = _vocab([_dslug(c) for c in cities])
        v_lslug = _vocab([_dslug(x) for x in LAST_NAMES])
        v_tld = _vocab([c[5] for c in COUNTRIES])
        dom = _join(_take(v_bslug, brand), _take(v_cslug, core), sep="-")
        dom = _where(with_city, _join(dom, _take(v_cityslug, city), sep="-"), dom)
        dom = _where(partners, _join(_take(v_lslug, l1), _take(v_lslug, l2), sep="-"), dom)
        domain = _join(dom, _take(v_tld, country), sep=".")
        created = np.full(nc, NEVER, dtype=np.int64)
        created[:n_pre] = _business(self.T0 - rng.integers(30, 3000, n_pre) * DAY, rng)
        init_type = np.full(nc, PROSPECT)
        init_type[:n_pre] = rng.choice(3, n_pre, p=[0.55, 0.35, 0.10])
        init_type[:2] = (CUSTOMER, PROSPECT)
        order = np.r_[np.argsort(created[:n_pre], kind="stable"), np.arange(n_pre, nc)]
        self.n_pre = n_pre
        self.n_comp = nc
        self.co_country = country[order]
        self.co_terr = c_terr[self.co_country]
        self.co_cur = c_cur[self.co_country]
        self.co_seg = seg[order]
        self.co_industry = rng.integers(0, len(INDUSTRIES), nc)
        self.co_city = city[order]
        self.co_name = name.take(pa.array(order))
        self.co_domain = domain.take(pa.array(order))
        self.co_created = created[order]
        self.co_init_type = init_type[order]
        self.v_city = v_city
        self.v_country = _vocab([c[1] for c in COUNTRIES])

    # ------------------------------------------------------------------ people

    def _people(
        self, rng: np.random.Generator, company: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, pa.Array, pa.Array]:
        """First / last name indices, e-mail and phone for people at companies."""
        n = len(company)
        first = rng.integers(0, len(FIRST_NAMES), n)
        last = rng.integers(0, len(LAST_NAMES), n)
        local = _join(
            _take(_vocab([_slug(f) for f in FIRST_NAMES]), first),
            _take(_vocab([_slug(x) for x in LAST_NAMES]), last),
            sep=".",
        )
        dom = self.co_domain.take(pa.array(company))
        email = _join(local, dom, sep="@")
        phone = _join(
            _take(_vocab([c[6] for c in COUNTRIES]), self.co_country[company]),
            _num_str(rng.integers(20, 990, n)),
            _num_str(rng.integers(100_000, 9_999_999, n)),
            sep=" ",
        )
        return first, last, email, phone

    @staticmethod
    def _dedup(email: pa.Array, fixed: np.ndarray | None = None) -> pa.Array:
        """Make e-mails unique by adding the row number to the local part of repeats."""
        codes = np.asarray(pc.dictionary_encode(email).indices)
        _, first_pos = np.unique(codes, return_index=True)
        dup = np.ones(len(codes), dtype=bool)
        dup[first_pos] = False
        if fixed is not None:
            dup &= ~fixed
        if not dup.any():
            return email
        parts = pc.split_pattern(email, "@", max_splits=1)
        local = pc.list_element(parts, 0)
        dom = pc.list_element(parts, 1)
        alt = _join(_join(local, _num_str(np.arange(len(codes)))), dom, sep="@")
        return _where(dup, alt, email)

    # ------------------------------------------------------------------ leads

    def _leads(self) -> None:
        rng = self.rng(5)
        n = max(150, round(10000 * self.scale * self.yf))
        n_mkt = round(0.7 * n)
        n_sal = n - n_mkt
        p = self.c_lead_w / self.c_lead_w.sum()
        camp = rng.choice(self.n_camp, n_mkt, p=p)
        tm = _seasonal_times(rng, self.c_w0[camp] * DAY, self.c_w1[camp] * DAY, self.T0)
        tm = np.where(self.c_channel[camp] == 4, _business(tm, rng), tm)
        reg = self.c_region[camp]
        emea = rng.choice(4, n_mkt, p=TERR_W[:4] / TERR_W[:4].sum())
        terr_m = np.where(reg == 5, emea, reg)
        ts = _business(
            _seasonal_times(rng, np.full(n_sal, self.T0), np.full(n_sal, self.H - DAY), self.T0),
            rng,
        )
        terr_s = rng.choice(5, n_sal, p=TERR_W)
        src_s = rng.choice([6, 7, 8], n_sal, p=[0.5, 0.25, 0.25])
        t = np.minimum(np.r_[tm, ts], self.H - 60)
        mkt = np.r_[np.ones(n_mkt, bool), np.zeros(n_sal, bool)]
        src = np.r_[self.c_channel[camp], src_s]
        pcamp = np.r_[camp, np.full(n_sal, -1)]
        terr = np.r_[terr_m, terr_s]
        at_pre = rng.random(n) < np.where(mkt, 0.30, 0.45)
        company = np.empty(n, dtype=np.int64)
        co_pre = np.arange(self.n_comp) < self.n_pre
        for tr in range(5):  # loop over territories x existing/new
            for pre in (True, False):
                sel = np.flatnonzero((terr == tr) & (at_pre == pre))
                block = np.flatnonzero((self.co_terr == tr) & (co_pre == pre))
                if len(block) == 0:
                    block = np.flatnonzero(self.co_terr == tr)
                block = rng.permutation(block)
                company[sel] = block[(len(block) * rng.random(len(sel)) ** 2).astype(np.int64)]
        order = np.argsort(t, kind="stable")
        self.n_leads = n
        self.l_created = t[order]
        self.l_mkt = mkt[order]
        self.l_src = src[order]
        self.l_camp = pcamp[order]
        self.l_company = company[order]
        q = SRC_QUALITY[self.l_src] + 0.12 * rng.standard_normal(n)
        self.l_q = np.clip(q, 0.02, 0.98)
        first, last, email, phone = self._people(rng, self.l_company)
        self.l_first, self.l_last = first, last
        self.l_email = self._dedup(email)
        self.l_phone = _null_where(rng.random(n) < 0.25, phone)
        m = _mess_mask(rng, n, self.mess) if self.mess > 0 else np.zeros(n, bool)
        kind = rng.integers(1, 4, n)  # 1 odd case, 2 trailing space, 3 both
        messy = self.l_email
        messy = _where(m & (kind != 2), pc.utf8_title(messy), messy)
        messy = _where(m & (kind != 1), _join(messy, " "), messy)
        self.l_email_out = messy
        self.l_owner = self._assign(rng, self.l_created, self.co_terr[self.l_company])

    def _assign(self, rng: np.random.Generator, t: np.ndarray, terr: np.ndarray) -> np.ndarray:
        """Route leads to reps of their territory, skewed by rep weight, ramping new hires."""
        month = _month_index(t)
        owner = np.empty(len(t), dtype=np.int64)
        reps = self.reps
        key = (month - month.min()) * 5 + terr if len(t) else month
        order = np.argsort(key, kind="stable")
        ks = key[order]
        bounds = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1], True])
        for a, b in itertools.pairwise(bounds):  # loop over months x territories
            idx = order[a:b]
            mid = int(np.median(t[idx]))
            active = (self.u_hire_day[reps] * DAY <= mid) & (self.u_leave[reps] > mid)
            months_in = (mid - self.u_hire_day[reps] * DAY) / (30.4 * DAY)
            w = self.u_weight[reps] * np.clip((months_in + 1) / 3.0, 0.0, 1.0) * active
            local = w * (self.u_terr[reps] == terr[idx[0]])
            if local.sum() <= 0:
                local = w
            if local.sum() <= 0:
                local = np.ones(len(reps))
            owner[idx] = rng.choice(reps, len(idx), p=local / local.sum())
        return owner

    # ------------------------------------------------------------------ lead lifecycle

    def _opp_outcome(
        self, rng: np.random.Generator, seg: np.ndarray, src: np.ndarray, rep: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(seg)
        p = np.clip(WIN_BASE[src] * self.u_skill[rep], 0.05, 0.75)
        won = rng.random(n) < p
        cyc = np.clip(SEG_CYCLE_DAYS[seg] * np.exp(0.35 * rng.standard_normal(n)), 20, 200)
        cyc = np.where(won, cyc, np.clip(cyc * rng.uniform(0.3, 1.2, n), 7, 200))
        amt = (
            SEG_AMOUNT_EUR[seg]
            * np.exp(0.55 * rng.standard_normal(n))
            * np.where(src == 9, 0.6, 1.0)
        )
        return won, cyc, amt

    def _lifecycle(self) -> None:
        rng = self.rng(6)
        n, H = self.n_leads, self.H
        state = np.where(self.l_mkt, MQL, SGL).astype(np.int8)
        t = self.l_created.copy()
        cycle = np.zeros(n, dtype=np.int8)
        alive = np.ones(n, dtype=bool)
        bant = np.full(n, -1, dtype=np.int8)
        first_act = np.full(n, NULL, dtype=np.int64)
        last_won = np.zeros(n, dtype=bool)
        last_close = np.zeros(n, dtype=np.int64)
        seg = self.co_seg[self.l_company]
        ev: dict[str, list[np.ndarray]] = {
            k: [] for k in ("lead", "t", "old", "new", "bant", "fa", "opp")
        }
        op: dict[str, list[np.ndarray]] = {
            k: [] for k in ("lead", "t", "won", "cyc", "amt", "src", "rep", "close")
        }
        n_opp = 0

        def record(
            i: np.ndarray,
            tt: np.ndarray,
            old: np.ndarray,
            new: np.ndarray,
            b: np.ndarray,
            fa: np.ndarray,
            o: np.ndarray,
        ) -> None:
            dtypes = (np.int32, np.int64, np.int8, np.int8, np.int8, np.int64, np.int32)
            for k, v, dt in zip(ev, (i, tt, old, new, b, fa, o), dtypes, strict=True):
                ev[k].append(np.array(v, dtype=dt, copy=True))

        k0 = np.full(n, -1)
        record(np.arange(n), t.copy(), k0, state.copy(), k0, np.full(n, NULL), k0)
        bant_sqlish = np.array([7, 11, 13, 14, 15], dtype=np.int8)
        for _ in range(200):
            act = np.flatnonzero(alive)
            if act.size == 0:
                break
            st = state[act]
            u = rng.random(act.size)
            u2 = rng.random(act.size)
            q = self.l_q[act]
            owner = self.owner_at(self.l_owner[act], t[act])
            nxt = np.full(act.size, -1, dtype=np.int64)
            med = np.ones(act.size)  # delay median in days
            base = t[act].copy()
            # MQL: some never actioned, some disqualified, a few straight to SQL, else SAL / nurture
            p_sal = (0.25 + 0.6 * q) * 0.77
            m = st == MQL
            c1, c2, c3 = 0.10, 0.18, 0.23
            nxt = np.where(
                m,
                np.select([u < c1, u < c2, u < c3, u < c3 + p_sal], [-1, DISQ, SQL, SAL], RECY),
                nxt,
            )
            med = np.where(
                m, np.select([u < c2, u < c3, u < c3 + p_sal], [5.0, 4.0, 2.0], 30.0), med
            )
            # SGL: handed over quickly or disqualified
            m = st == SGL
            nxt = np.where(m, np.where(u < 0.85, SAL, DISQ), nxt)
            med = np.where(m, np.where(u < 0.85, 0.3, 3.0), med)
            # SAL: untouched leads rot or get recycled; touched ones pass or fail BANT
            m = st == SAL
            touched = first_act[act] != NULL
            nb = np.zeros(act.size, dtype=np.int64)
            bb = bant[act].astype(np.int64)
            for bit in range(4):
                nb += (bb >> bit) & 1
            pass_bant = (bb >= 0) & (nb >= 3)
            nxt = np.where(
                m,
                np.where(
                    ~touched,
                    np.where(u < 0.5, -1, RECY),
                    np.where(pass_bant, SQL, np.where(u < 0.65, RECY, DISQ)),
                ),
                nxt,
            )
            med = np.where(m, np.where(~touched, 45.0, np.where(pass_bant, 7.0, 6.0)), med)
            base = np.where(m & touched, np.maximum(first_act[act], base), base)
            # SQL: converted (rep dependent) or recycled / disqualified
            m = st == SQL
            p_conv = np.clip(0.72 * self.u_conv[owner], 0.5, 0.95)
            nxt = np.where(m, np.where(u < p_conv, CONV, np.where(u2 < 0.6, RECY, DISQ)), nxt)
            med = np.where(m, np.where(u < p_conv, 5.0, 10.0), med)
            base = np.where(m & (first_act[act] != NULL), np.maximum(first_act[act], base), base)
            # Converted: recycled after a lost opportunity (sometimes)
            m = st == CONV
            back = m & ~last_won[act] & (u < 0.45)
            nxt = np.where(m, np.where(back, RECY, -1), nxt)
            med = np.where(m, 5.0, med)
            base = np.where(back, np.maximum(last_close[act], base), base)
            # Recycled: may come back as MQL (new cycle)
            m = st == RECY
            again = m & (cycle[act] < 3) & (u < 0.3)
            nxt = np.where(m, np.where(again, MQL, -1), nxt)
            med = np.where(m, 120.0, med)
            # Disqualified: final
            nxt = np.where(st == DISQ, -1, nxt)

            sigma = np.where(nxt == MQL, 0.6, 0.8)
            tn = base + (med * np.exp(sigma * rng.standard_normal(act.size)) * DAY).astype(np.int64)
            tn = np.where(nxt == MQL, tn, _business(tn, rng))
            tn = np.maximum(tn, t[act] + 60)
            ok = (nxt >= 0) & (tn < H)
            alive[act[~ok]] = False
            i = act[ok]
            new = nxt[ok].astype(np.int8)
            tn = tn[ok]
            old = state[i]
            owner = owner[ok]
            b_ev = np.full(i.size, -1, dtype=np.int8)
            fa_ev = np.full(i.size, NULL, dtype=np.int64)
            o_ev = np.full(i.size, -1, dtype=np.int64)
            # handover: SAL, or MQL straight to SQL -> BANT evaluation and first sales touch
            sal = new == SAL
            direct = (new == SQL) & (old == MQL)
            pf = 0.35 + 0.6 * self.l_q[i]
            bits = (rng.random((i.size, 4)) < pf[:, None]) @ np.array([1, 2, 4, 8])
            b_ev = np.where(
                sal, bits, np.where(direct, bant_sqlish[rng.integers(0, 5, i.size)], b_ev)
            ).astype(np.int8)
            hand = sal | direct
            owner_h = self.owner_at(self.l_owner[i], tn)
            touch = hand & (rng.random(i.size) >= self.u_never[owner_h])
            resp = (_ln(rng, self.u_resp_h[owner_h], 0.9, i.size) * HOUR).astype(np.int64) + 120
            fa = tn + resp
            fa = np.where(resp > 2 * HOUR, _business(fa, rng), fa)
            fa_ev = np.where(touch, fa, fa_ev)
            bant[i[hand]] = b_ev[hand]
            first_act[i[hand]] = fa_ev[hand]
            first_act[i[new == MQL]] = NULL
            cycle[i[new == MQL]] += 1
            # conversion -> opportunity
            cv = np.flatnonzero(new == CONV)
            if cv.size:
                li = i[cv]
                rep = owner_h[cv]
                won, cyc, amt = self._opp_outcome(rng, seg[li], self.l_src[li], rep)
                close = _business(tn[cv] + (cyc * DAY).astype(np.int64), rng)
                for k, v in zip(
                    op, (li, tn[cv], won, cyc, amt, self.l_src[li], rep, close), strict=True
                ):
                    op[k].append(np.asarray(v))
                ids = n_opp + np.arange(cv.size)
                n_opp += cv.size
                o_ev[cv] = ids
                last_won[li] = won
                last_close[li] = close
            state[i] = new
            t[i] = tn
            record(i, tn, old, new, b_ev, fa_ev, o_ev)

        e = {k: np.concatenate(v) for k, v in ev.items()}
        seq = np.arange(len(e["lead"]))
        order = np.lexsort((seq, e["t"], e["lead"]))
        self.ev = {k: v[order] for k, v in e.items()}
        if n_opp:
            self.lo = {k: np.concatenate(v) for k, v in op.items()}
        else:
            self.lo = {k: np.zeros(0, dtype=np.int64) for k in op}

    # ------------------------------------------------------------------ opportunities & accounts

    def _opportunities(self) -> None:
        rng = self.rng(7)
        H = self.H
        lo = self.lo
        n_lo = len(lo["lead"])
        # accounts: pre-existing companies + companies whose first conversion created one
        comp = self.l_company[lo["lead"]]
        first_conv = np.full(self.n_comp, NEVER, dtype=np.int64)
        np.minimum.at(first_conv, comp, lo["t"])
        new_comp = np.flatnonzero((np.arange(self.n_comp) >= self.n_pre) & (first_conv < NEVER))
        new_comp = new_comp[np.argsort(first_conv[new_comp], kind="stable")]
        acc_comp = np.r_[np.arange(self.n_pre), new_comp]
        n_acc = len(acc_comp)
        comp_acc = np.full(self.n_comp, -1, dtype=np.int64)
        comp_acc[acc_comp] = np.arange(n_acc)
        a_created = np.r_[self.co_created[: self.n_pre], first_conv[new_comp]]
        # owners of pre-existing accounts: a rep of the territory (field for bigger accounts)
        a_owner = np.empty(n_acc, dtype=np.int64)
        pre_reps = self.reps[self.u_hire_day[self.reps] < self.d0]
        a_terr = self.co_terr[acc_comp]
        a_seg = self.co_seg[acc_comp]
        want_field = a_seg < 2
        for tr in range(5):  # loop over territories x roles
            for fld in (True, False):
                sel = np.flatnonzero(
                    (a_terr[: self.n_pre] == tr) & (want_field[: self.n_pre] == fld)
                )
                pool = pre_reps[(self.u_terr[pre_reps] == tr) & (self.u_field[pre_reps] == fld)]
                if len(pool) == 0:
                    pool = pre_reps[self.u_terr[pre_reps] == tr]
                if len(pool) == 0:
                    pool = pre_reps
                a_owner[sel] = rng.choice(pool, len(sel))
        # new accounts: owned by the rep who converted the first lead
        first_idx = np.full(self.n_comp, -1, dtype=np.int64)
        ordr = np.lexsort((np.arange(n_lo), lo["t"]))
        uc, upos = np.unique(comp[ordr], return_index=True)
        first_idx[uc] = ordr[upos]
        a_owner[self.n_pre :] = lo["rep"][first_idx[new_comp]]

        # opportunities without a lead: upsell to customers, sales-sourced to prospects
        n_nl = max(3, round(0.25 * int((lo["t"] < H).sum())))
        t_nl = _business(
            _seasonal_times(rng, np.full(n_nl, self.T0), np.full(n_nl, H - DAY), self.T0), rng
        )
        cust = np.flatnonzero(self.co_init_type[: self.n_pre] == CUSTOMER)
        pros = np.flatnonzero(self.co_init_type[: self.n_pre] != CUSTOMER)
        to_cust = rng.random(n_nl) < 0.7
        acc_nl = np.where(
            to_cust, cust[rng.integers(0, len(cust), n_nl)], pros[rng.integers(0, len(pros), n_nl)]
        )
        src_nl = np.where(to_cust, 9, 6)
        rep_nl = self.owner_at(a_owner[acc_nl], t_nl)
        won_nl, cyc_nl, amt_nl = self._opp_outcome(rng, a_seg[acc_nl], src_nl, rep_nl)
        close_nl = _business(t_nl + (cyc_nl * DAY).astype(np.int64), rng)
        camp_nl = np.where(rng.random(n_nl) < 0.3, self._camp_at(rng, t_nl), -1)
        # pipeline that was already open when the window starts (part of the first drop)
        rate = (int((lo["t"] < H).sum()) + n_nl) / max(self.span / DAY, 1.0)
        n_w = max(3, round(rate * 140))
        t_w = _business(self.T0 - rng.integers(1, 200, n_w) * DAY - rng.integers(0, DAY, n_w), rng)
        t_w = np.minimum(t_w, self.T0 - HOUR)
        cust_w = rng.random(n_w) < 0.5
        acc_w = np.where(
            cust_w, cust[rng.integers(0, len(cust), n_w)], pros[rng.integers(0, len(pros), n_w)]
        )
        src_w = np.where(cust_w, 9, rng.choice([6, 7, 8], n_w))
        rep_w = a_owner[acc_w]
        won_w, cyc_w, amt_w = self._opp_outcome(rng, a_seg[acc_w], src_w, rep_w)
        close_w = _business(t_w + (cyc_w * DAY).astype(np.int64), rng)
        open_w = close_w >= self.T0 + DAY
        t_nl = np.r_[t_nl, t_w[open_w]]
        acc_nl = np.r_[acc_nl, acc_w[open_w]]
        src_nl = np.r_[src_nl, src_w[open_w]]
        rep_nl = np.r_[rep_nl, rep_w[open_w]]
        won_nl = np.r_[won_nl, won_w[open_w]]
        amt_nl = np.r_[amt_nl, amt_w[open_w]]
        close_nl = np.r_[close_nl, close_w[open_w]]
        camp_nl = np.r_[camp_nl, np.full(int(open_w.sum()), -1)]
        n_nl = len(t_nl)

        o_t = np.r_[lo["t"], t_nl]
        order = np.argsort(o_t, kind="stable")
        n_o = len(o_t)
        self.n_opp = n_o
        inv = np.empty(n_o, dtype=np.int64)
        inv[order] = np.arange(n_o)
        self.ev["opp"] = np.where(self.ev["opp"] >= 0, inv[np.maximum(self.ev["opp"], 0)], -1)
        o_lead = np.r_[lo["lead"], np.full(n_nl, -1)][order]
        o_acc = np.r_[comp_acc[comp], acc_nl][order]
        o_won = np.r_[lo["won"], won_nl][order].astype(bool)
        o_close = np.r_[lo["close"], close_nl][order]
        o_amt_eur = np.r_[lo["amt"], amt_nl][order]
        o_src = np.r_[lo["src"], src_nl][order]
        o_owner = np.r_[lo["rep"], rep_nl][order]
        o_t = o_t[order]
        lead_camp = self.l_camp[np.maximum(o_lead, 0)]
        o_camp = np.where(o_lead >= 0, lead_camp, np.r_[np.full(n_lo, -1), camp_nl][order])
        existing = (o_acc < self.n_pre) & (self.co_init_type[acc_comp[o_acc]] == CUSTOMER)
        o_type = np.where(o_lead >= 0, existing, o_src == 9).astype(np.int64)
        o_cur = self.co_cur[acc_comp[o_acc]]
        amt0 = np.maximum(np.round(o_amt_eur * self.fx(o_cur, o_t), -2), 500.0)
        o_product = np.where(
            o_type == 1,
            rng.integers(0, len(PRODUCTS_EXISTING), n_o),
            len(PRODUCTS_EXISTING) + rng.integers(0, len(PRODUCTS_NEW), n_o),
        )

        # contacts: pre-existing ones, converted leads, later additions at new accounts
        k_pre = 1 + rng.poisson(1.8, self.n_pre)
        c_acc_pre = np.repeat(np.arange(self.n_pre), k_pre)
        age = np.maximum(self.T0 - a_created[c_acc_pre], DAY)
        c_t_pre = _business(
            a_created[c_acc_pre] + (rng.random(len(c_acc_pre)) * age).astype(np.int64), rng
        )
        c_t_pre = np.minimum(c_t_pre, self.T0 - HOUR)
        conv_ev = self.ev["new"] == CONV
        conv_leads = self.ev["lead"][conv_ev]
        conv_t = self.ev["t"][conv_ev]
        cl, first_pos = np.unique(conv_leads, return_index=True)  # first conversion per lead
        c_t_conv = conv_t[first_pos]
        c_acc_conv = comp_acc[self.l_company[cl]]
        k_new = rng.poisson(0.8, n_acc - self.n_pre)
        c_acc_new = np.repeat(np.arange(self.n_pre, n_acc), k_new)
        c_t_new = _business(a_created[c_acc_new] + rng.integers(10, 400, len(c_acc_new)) * DAY, rng)
        c_acc = np.r_[c_acc_pre, c_acc_conv, c_acc_new]
        c_t = np.r_[c_t_pre, c_t_conv, c_t_new]
        c_lead = np.r_[np.full(len(c_acc_pre), -1), cl, np.full(len(c_acc_new), -1)]
        c_kind = np.r_[
            np.zeros(len(c_acc_pre)), np.ones(len(cl)), np.full(len(c_acc_new), 2)
        ].astype(np.int8)
        corder = np.argsort(c_t, kind="stable")
        c_acc, c_t, c_lead, c_kind = c_acc[corder], c_t[corder], c_lead[corder], c_kind[corder]
        n_c = len(c_acc)
        first, last, email, phone = self._people(rng, acc_comp[c_acc])
        is_lead = c_lead >= 0
        lead_ref = np.maximum(c_lead, 0)
        first = np.where(is_lead, self.l_first[lead_ref], first)
        last = np.where(is_lead, self.l_last[lead_ref], last)
        email = _where(is_lead, self.l_email.take(pa.array(lead_ref)), email)
        phone = _where(is_lead, self.l_phone.take(pa.array(lead_ref)), phone)
        both = pa.concat_arrays([self.l_email, email])
        fixed = np.r_[np.ones(self.n_leads, bool), is_lead]
        email = self._dedup(both, fixed).slice(self.n_leads)
        self.n_contacts = n_c
        self.ct_acc, self.ct_created, self.ct_lead, self.ct_kind = c_acc, c_t, c_lead, c_kind
        self.ct_first, self.ct_last = first, last
        self.ct_email = email
        self.ct_phone = _null_where(rng.random(n_c) < 0.15, phone)
        self.ct_title0 = rng.integers(0, len(TITLES), n_c)
        self.ct_owner = self.owner_at(a_owner[c_acc], c_t)
        lead_contact = np.full(self.n_leads, -1, dtype=np.int64)
        lead_contact[c_lead[is_lead]] = np.flatnonzero(is_lead)
        self.l_contact = lead_contact
        # each account's pre-existing contacts (for deals without a lead and account activities)
        pre_c = np.flatnonzero(c_kind == 0)
        self.acc_c_off, self.acc_c_val = _csr(c_acc[pre_c], pre_c, n_acc)
        nl = o_lead < 0
        o_contact = np.where(
            nl,
            _csr_pick(rng, self.acc_c_off, self.acc_c_val, o_acc),
            lead_contact[np.maximum(o_lead, 0)],
        )

        self.n_acc = n_acc
        self.a_comp = acc_comp
        self.a_created = a_created
        self.a_owner0 = a_owner
        self.o_lead, self.o_acc, self.o_won, self.o_close = o_lead, o_acc, o_won, o_close
        self.o_t, self.o_src, self.o_owner0, self.o_camp = o_t, o_src, o_owner, o_camp
        self.o_type, self.o_cur, self.o_product, self.o_contact = (
            o_type,
            o_cur,
            o_product,
            o_contact,
        )
        self._stage_paths(rng, amt0)
        self._account_versions(rng)
        self._lead_versions(rng)
        self._contact_versions(rng)

    def _camp_at(self, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
        """A campaign running at each time (-1 if none)."""
        day = np.clip(np.floor_divide(t, DAY) - self.d0, 0, self.d1 - self.d0 - 1)
        return _csr_pick(rng, self.cday_off, self.cday_val, day)

    def _stage_paths(self, rng: np.random.Generator, amt0: np.ndarray) -> None:
        n, H = self.n_opp, self.H
        won = self.o_won
        s0 = np.where(rng.random(n) < 0.3, 1, 0)
        g = rng.geometric(0.45, n) - 1
        k_lost = np.minimum(s0 + g, 4)
        col = np.arange(7)[None, :]
        last_open = np.where(won, 4, k_lost)[:, None]
        visit = (col >= s0[:, None]) & (col <= last_open) & (col < 5)
        skip = rng.random((n, 7)) < np.where(won, 0.15, 0.10)[:, None]
        keep_end = col == last_open
        visit &= ~skip | (col == s0[:, None]) | (keep_end & ~won[:, None])
        visit[:, 5] = won
        visit[:, 6] = ~won
        rank = np.cumsum(visit, axis=1) - 1
        fr = np.sort(rng.random((n, 7)), axis=1)
        frac = np.take_along_axis(fr, np.clip(rank, 0, 6), axis=1)
        frac[col == s0[:, None]] = 0.0
        frac[:, 5:] = 1.0
        dur = (self.o_close - self.o_t).astype(np.float64)
        tt = self.o_t[:, None] + (frac * dur[:, None]).astype(np.int64)
        tt = np.where(
            (col > s0[:, None]) & (col < 5),
            np.minimum(_business(tt, rng), self.o_close[:, None]),
            tt,
        )
        tt = np.where(visit, tt, np.iinfo(np.int64).min)
        tt = np.maximum.accumulate(tt, axis=1)
        tt = np.where(col == s0[:, None], self.o_t[:, None], tt)
        tt[:, 5:] = self.o_close[:, None]
        tt = np.maximum.accumulate(np.where(visit, tt, np.iinfo(np.int64).min), axis=1)
        rev = np.where(
            (rng.random((n, 7)) < 0.2) & (col > s0[:, None]) & visit,
            rng.uniform(0.8, 1.15, (n, 7)),
            1.0,
        )
        amount = np.round(amt0[:, None] * np.cumprod(rev, axis=1), -2)
        plan = (
            np.clip(
                SEG_CYCLE_DAYS[self.co_seg[self.a_comp[self.o_acc]]] * rng.uniform(0.5, 0.9, n),
                14,
                200,
            )
            * DAY
        ).astype(np.int64)
        slip = np.where(rng.random((n, 7)) < 0.35, rng.integers(14, 46, (n, 7)), 7) * DAY
        ec = np.maximum.accumulate(np.where(visit, tt + slip, 0), axis=1)
        ec = np.maximum(ec, (self.o_t + plan)[:, None])
        ec[:, 5:] = self.o_close[:, None]
        close_day = np.floor_divide(ec, DAY)
        r, c = np.nonzero(visit)
        keep = tt[r, c] < H
        r, c = r[keep], c[keep]
        h_t = tt[r, c]
        by = self.owner_at(self.o_owner0[r], h_t)
        ho = np.lexsort((c, h_t))
        self.oh = _Versions(
            np.arange(len(r)),
            h_t[ho],
            opp=r[ho],
            stage=c[ho],
            amount=amount[r, c][ho],
            close_day=close_day[r, c][ho],
            by=by[ho],
        )
        self.o_final_amount = amount[np.arange(n), np.where(won, 5, 6)]
        # opportunity versions: every stage change, plus owner changes when a rep leaves
        L = self.u_leave[self.o_owner0]
        moved = (L < H) & (self.o_t < L) & (self.o_close > L)
        mv = np.flatnonzero(moved)
        # state just before the move: the last stage event before L
        ev_before = visit[mv] & (tt[mv] < L[mv][:, None])
        last_c = np.where(ev_before.any(axis=1), 6 - np.argmax(ev_before[:, ::-1], axis=1), 0)
        vt = np.r_[h_t, L[mv]]
        vo = np.r_[r, mv]
        vc = np.r_[c, last_c]
        v_owner = self.owner_at(self.o_owner0[vo], vt)
        self.opp_v = _Versions(
            vo, vt, stage=vc, amount=amount[vo, vc], close_day=close_day[vo, vc], owner=v_owner
        )
        self.opp_move = (mv, L[mv])

    def _account_versions(self, rng: np.random.Generator) -> None:
        H, n_acc = self.H, self.n_acc
        wi = np.flatnonzero(self.o_won & (self.o_close < H))
        pre_cust = np.flatnonzero(self.co_init_type[self.a_comp[: self.n_pre]] == CUSTOMER)
        w_acc = np.r_[self.o_acc[wi], pre_cust]
        w_t = np.r_[self.o_close[wi], self.a_created[pre_cust]]
        w_virtual = np.r_[np.zeros(len(wi), bool), np.ones(len(pre_cust), bool)]
        o = np.lexsort((w_t, w_acc))
        w_acc, w_t, w_virtual = w_acc[o], w_t[o], w_virtual[o]
        nxt = np.full(len(w_acc), NEVER, dtype=np.int64)
        if len(w_acc) > 1:
            nxt[:-1] = np.where(w_acc[1:] == w_acc[:-1], w_t[1:], NEVER)
        churn_t = np.where(
            w_virtual,
            self.T0 + (rng.random(len(w_t)) * self.span).astype(np.int64),
            w_t + rng.integers(270, 721, len(w_t)) * DAY,
        )
        churn_t = _business(churn_t, rng)
        churn = (
            (rng.random(len(w_t)) < np.where(w_virtual, 0.12, 0.15))
            & (churn_t < nxt)
            & (churn_t < H)
        )
        # events: creation (type + owner), won (-> Customer), churn (-> Former), owner moves
        L = self.u_leave[self.a_owner0]
        mv = np.flatnonzero((L < H) & (self.a_created < L))
        e_acc = np.r_[np.arange(n_acc), w_acc[~w_virtual], w_acc[churn], mv]
        e_t = np.r_[self.a_created, w_t[~w_virtual], churn_t[churn], L[mv]]
        init = np.where(np.arange(n_acc) < self.n_pre, self.co_init_type[self.a_comp], PROSPECT)
        e_type = np.r_[
            init,
            np.full((~w_virtual).sum(), CUSTOMER),
            np.full(churn.sum(), FORMER),
            np.full(len(mv), -1),
        ]
        e_seq = np.r_[np.zeros(n_acc), np.ones(len(e_acc) - n_acc)]
        o = np.lexsort((e_seq, e_t, e_acc))
        e_acc, e_t, e_type = e_acc[o], e_t[o], e_type[o]
        typ = _ffill(e_acc, e_type, e_type >= 0, -1)
        prev = _shift_prev(e_acc, typ, -1)
        first = np.r_[True, e_acc[1:] != e_acc[:-1]]
        owner_change = e_type < 0
        keep = first | owner_change | (typ != prev)
        e_acc, e_t, typ = e_acc[keep], e_t[keep], typ[keep]
        self.acc_v = _Versions(e_acc, e_t, type=typ, owner=self.owner_at(self.a_owner0[e_acc], e_t))

    def _lead_versions(self, rng: np.random.Generator) -> None:
        ev, H = self.ev, self.H
        lead = ev["lead"]
        # reassignment of leads whose owner left while they were still in play
        L = self.u_leave[self.l_owner]
        cand = np.flatnonzero((L < H) & (self.l_created < L))
        key = lead.astype(np.int64) * (2**33) + (ev["t"] - self.T0 + 2**32)
        kc = cand * (2**33) + (L[cand] - self.T0 + 2**32)
        pos = np.searchsorted(key, kc, "left") - 1
        st_before = ev["new"][pos]
        nxt_i = np.minimum(pos + 1, len(lead) - 1)
        later = (pos + 1 < len(lead)) & (lead[nxt_i] == cand)
        in_play = later | ~np.isin(st_before, (CONV, DISQ))
        mv = cand[in_play]
        mt = L[mv] + rng.integers(60, 3 * HOUR, len(mv))
        n_ev, n_mv = len(lead), len(mv)
        v_lead = np.r_[lead, mv]
        v_t = np.r_[ev["t"], mt]
        v_status = np.r_[ev["new"], np.full(n_mv, -1)].astype(np.int8)
        v_bant = np.r_[ev["bant"], np.full(n_mv, -1)].astype(np.int8)
        v_opp = np.r_[ev["opp"], np.full(n_mv, -1)]
        seq = np.r_[np.arange(n_ev), n_ev + np.arange(n_mv)]
        o = np.lexsort((seq, v_t, v_lead))
        v_lead, v_t, v_status, v_bant, v_opp = v_lead[o], v_t[o], v_status[o], v_bant[o], v_opp[o]
        status = _ffill(v_lead, v_status, v_status >= 0, -1)
        bant = _ffill(v_lead, v_bant, v_bant >= 0, -1)
        conv = _ffill(v_lead, v_opp, v_opp >= 0, -1)
        owner = self.owner_at(self.l_owner[v_lead], v_t)
        self.lead_v = _Versions(v_lead, v_t, status=status, bant=bant, conv=conv, owner=owner)
        # history: status changes and owner changes
        h_is_owner = np.r_[np.zeros(n_ev, bool), np.ones(n_mv, bool)]
        h_lead = np.r_[lead, mv]
        h_t = np.r_[ev["t"], mt]
        old_owner = self.l_owner[mv]
        new_owner = self.u_succ[old_owner]
        h_old = np.r_[ev["old"], old_owner]
        h_new = np.r_[ev["new"], new_owner]
        h_by = np.r_[self.owner_at(self.l_owner[lead], ev["t"]), self.u_manager[old_owner]]
        ho = np.lexsort((np.arange(len(h_t)), h_t))
        self.lh = _Versions(
            np.arange(len(h_t)),
            h_t[ho],
            lead=h_lead[ho],
            is_owner=h_is_owner[ho],
            old=h_old[ho],
            new=h_new[ho],
            by=h_by[ho],
        )

    def _contact_versions(self, rng: np.random.Generator) -> None:
        n = self.n_contacts
        ch = np.flatnonzero(rng.random(n) < 0.08)
        ct = _business(
            np.maximum(self.ct_created[ch], self.T0) + rng.integers(30, 700, len(ch)) * DAY, rng
        )
        ok = ct < self.H
        ch, ct = ch[ok], ct[ok]
        new_title = (self.ct_title0[ch] + rng.integers(1, len(TITLES), len(ch))) % len(TITLES)
        self.contact_v = _Versions(
            np.r_[np.arange(n), ch],
            np.r_[self.ct_created, ct],
            title=np.r_[self.ct_title0, new_title],
        )

    # ------------------------------------------------------------------ activities

    def _activities(self) -> None:
        rng = self.rng(8)
        H = self.H
        ev = self.ev
        # lead activities: the first touch after the handover, then follow-ups until the next status
        hand = np.flatnonzero(ev["fa"] != NULL)
        lead = ev["lead"][hand]
        fa = ev["fa"][hand]
        nxt_same = np.r_[ev["lead"][1:] == ev["lead"][:-1], False]
        nxt_t = np.where(nxt_same, np.r_[ev["t"][1:], 0], NEVER)[hand]
        until = np.minimum(np.minimum(nxt_t, fa + 30 * DAY), H)
        k = rng.poisson(1.3, len(hand)) * (until > fa)
        f_lead = np.repeat(lead, k)
        f_lo, f_hi = np.repeat(fa, k), np.repeat(until, k)
        f_t = _business(f_lo + (rng.random(len(f_lead)) * (f_hi - f_lo)).astype(np.int64), rng)
        f_t = np.minimum(f_t, np.maximum(f_hi - 60, f_lo + 60))
        la_lead = np.r_[lead, f_lead]
        la_t = np.r_[fa, f_t]
        la_first = np.r_[np.ones(len(lead), bool), np.zeros(len(f_lead), bool)]
        la_anchor = np.r_[ev["t"][hand], f_lo]
        # opportunity activities between creation and close
        on = self.n_opp
        dur_days = (np.minimum(self.o_close, H) - self.o_t) / DAY
        k = rng.poisson(1.0 + np.maximum(dur_days, 0) / 20.0)
        oa_opp = np.repeat(np.arange(on), k)
        lo_, hi_ = self.o_t[oa_opp], np.minimum(self.o_close[oa_opp], H)
        oa_t = _business(
            lo_ + (rng.random(len(oa_opp)) * np.maximum(hi_ - lo_, 1)).astype(np.int64), rng
        )
        # account check-ins with pre-existing customers
        cust = np.flatnonzero(self.co_init_type[self.a_comp[: self.n_pre]] == CUSTOMER)
        k = rng.poisson(1.5 * self.yf, len(cust))
        aa_acc = np.repeat(cust, k)
        aa_t = _business(self.T0 + (rng.random(len(aa_acc)) * self.span).astype(np.int64), rng)
        aa_contact = _csr_pick(rng, self.acc_c_off, self.acc_c_val, aa_acc)

        n1, n2, n3 = len(la_lead), len(oa_opp), len(aa_acc)
        t = np.r_[la_t, oa_t, aa_t]
        who_lead = np.r_[la_lead, np.full(n2 + n3, -1)]
        who_contact = np.r_[np.full(n1, -1), self.o_contact[oa_opp], aa_contact]
        what_opp = np.r_[np.full(n1, -1), oa_opp, np.full(n3, -1)]
        acc = np.r_[np.full(n1, -1), self.o_acc[oa_opp], aa_acc]
        what_acc = np.r_[np.full(n1 + n2, -1), aa_acc]
        owner0 = np.r_[self.l_owner[la_lead], self.o_owner0[oa_opp], self.a_owner0[aa_acc]]
        owner = self.owner_at(owner0, t)
        first = np.r_[la_first, np.zeros(n2 + n3, bool)]
        anchor = np.r_[la_anchor, self.o_t[oa_opp], aa_t - 14 * DAY]
        keep = t < H + 7 * DAY  # planned activities may lie after the last drop
        t, who_lead, who_contact, what_opp, acc, what_acc = (
            a[keep] for a in (t, who_lead, who_contact, what_opp, acc, what_acc)
        )
        owner, first, anchor = owner[keep], first[keep], anchor[keep]
        n = len(t)
        field = self.u_field[owner]
        u = rng.random(n)
        kind = np.where(
            field,
            np.select([u < 0.35, u < 0.65, u < 0.83], [ACT_CALL, ACT_EMAIL, ACT_VIDEO], ACT_VISIT),
            np.select([u < 0.50, u < 0.88], [ACT_CALL, ACT_EMAIL], ACT_VIDEO),
        )
        kind = np.where(first, np.where(u < 0.62, ACT_CALL, ACT_EMAIL), kind)
        kind = np.where(
            (who_lead >= 0) & (kind == ACT_VISIT) & (rng.random(n) < 0.5), ACT_VIDEO, kind
        )
        note = np.where(rng.random(n) < 0.45, -1, rng.integers(0, len(NOTES), n))
        is_task = kind <= ACT_EMAIL
        # tasks: calls and e-mails; some calls are scheduled ahead ("Not Started" -> "Completed")
        ti = np.flatnonzero(is_task)
        sched = (kind[ti] == ACT_CALL) & (rng.random(len(ti)) < 0.15) & ~first[ti]
        created = np.where(
            sched, np.maximum(t[ti] - rng.integers(1, 6, len(ti)) * DAY, anchor[ti] + 60), t[ti]
        )
        created = np.minimum(created, t[ti])
        to = np.argsort(created, kind="stable")
        ti, created, sched = ti[to], created[to], sched[to]
        voicemail = rng.random(len(ti)) < 0.25
        dur = np.where(
            voicemail,
            rng.integers(15, 61, len(ti)),
            np.clip(_ln(rng, 300.0, 0.8, len(ti)), 60, 3600),
        )
        self.task = {
            "who_lead": who_lead[ti],
            "who_contact": who_contact[ti],
            "what_opp": what_opp[ti],
            "what_acc": what_acc[ti],
            "acc": acc[ti],
            "owner": owner[ti],
            "kind": kind[ti],
            "t": t[ti],
            "created": created,
            "note": note[ti],
            "duration": np.where(kind[ti] == ACT_CALL, np.rint(dur), np.nan),
            "subject": rng.integers(0, 6, len(ti)),
        }
        nt = len(ti)
        sv = np.flatnonzero(sched)
        self.task_v = _Versions(
            np.r_[np.arange(nt), sv],
            np.r_[created, t[ti][sv]],
            done=np.r_[~sched, np.ones(len(sv), bool)].astype(np.int8),
        )
        # events: field visits and video meetings, scheduled a few days ahead
        ei = np.flatnonzero(~is_task)
        ecreated = np.maximum(
            t[ei] - rng.integers(1, 8, len(ei)) * DAY - rng.integers(0, 8 * HOUR, len(ei)),
            anchor[ei] + 60,
        )
        ecreated = np.minimum(ecreated, t[ei])
        eo = np.argsort(ecreated, kind="stable")
        ei, ecreated = ei[eo], ecreated[eo]
        visit = kind[ei] == ACT_VISIT
        ne = len(ei)
        loc_comp = np.where(
            who_lead[ei] >= 0,
            self.l_company[np.maximum(who_lead[ei], 0)],
            self.a_comp[np.maximum(acc[ei], 0)],
        )
        self.event = {
            "who_lead": who_lead[ei],
            "who_contact": who_contact[ei],
            "what_opp": what_opp[ei],
            "what_acc": what_acc[ei],
            "acc": acc[ei],
            "owner": owner[ei],
            "visit": visit,
            "t": t[ei],
            "created": ecreated,
            "note": note[ei],
            "duration": np.where(visit, rng.integers(4, 13, ne) * 15, rng.integers(2, 5, ne) * 15),
            "subject": rng.integers(0, 3, ne),
            "loc_comp": loc_comp,
            "video_loc": rng.integers(0, 2, ne),
        }
        self.event_v = _Versions(np.arange(ne), ecreated)
        self.field_visits_t = t[ei][visit & (t[ei] < H)]

    # ------------------------------------------------------------------ touchpoints & members

    def _touchpoints(self) -> None:
        rng = self.rng(9)
        H, T0 = self.H, self.T0
        ev = self.ev
        nl = self.n_leads
        parts: list[dict[str, np.ndarray]] = []

        def add(
            t: np.ndarray,
            camp: np.ndarray,
            lead: np.ndarray,
            contact: np.ndarray,
            esrc: np.ndarray,
            out_lead: np.ndarray,
            out_contact: np.ndarray,
            out_email: np.ndarray,
            member: np.ndarray,
            primary: bool = False,
        ) -> None:
            parts.append(
                {
                    "t": np.asarray(t, dtype=np.int64),
                    "camp": np.asarray(camp, dtype=np.int32),
                    "lead": np.asarray(lead, dtype=np.int32),
                    "contact": np.asarray(contact, dtype=np.int32),
                    "esrc": np.asarray(esrc, dtype=np.int32),
                    "out_lead": np.asarray(out_lead, dtype=bool),
                    "out_contact": np.asarray(out_contact, dtype=bool),
                    "out_email": np.asarray(out_email, dtype=bool),
                    "member": np.asarray(member, dtype=bool),
                    "primary": np.full(len(t), primary),
                }
            )

        def full(n: int, v: Any) -> np.ndarray:
            return np.full(n, v)

        # (a) the touch that created the lead / brought it back (MQL events of marketing cycles)
        mq = np.flatnonzero(ev["new"] == MQL)
        ml = ev["lead"][mq]
        initial = ev["old"][mq] < 0
        camp = np.where(initial, self.l_camp[ml], self._camp_at(rng, ev["t"][mq]))
        t = ev["t"][mq] - rng.integers(5, 600, len(mq))
        n = len(mq)
        add(
            t,
            camp,
            ml,
            full(n, -1),
            ml,
            full(n, True),
            full(n, False),
            full(n, True),
            full(n, True),
            True,
        )
        # (b) anonymous touches before a marketing lead was created (e-mail only)
        mk = np.flatnonzero(self.l_mkt)
        k = rng.poisson(1.6, len(mk))
        al = np.repeat(mk, k)
        t = self.l_created[al] - _ln_days(rng, 12.0, 1.0, len(al)) - HOUR
        n = len(al)
        add(
            t,
            self._camp_at(rng, t),
            al,
            full(n, -1),
            al,
            full(n, False),
            full(n, False),
            full(n, True),
            full(n, False),
        )
        # (c) touches after creation (lead id and/or e-mail; contact id once converted)
        k = rng.poisson(np.where(self.l_mkt, 8.5, 2.5))
        pl = np.repeat(np.arange(nl), k)
        t = self.l_created[pl] + _ln_days(rng, 45.0, 1.1, len(pl))
        n = len(pl)
        u = rng.random(n)
        contact = self.l_contact[pl]
        conv_t = np.where(contact >= 0, self.ct_created[np.maximum(contact, 0)], NEVER)
        after = t > conv_t
        add(
            t,
            self._camp_at(rng, t),
            pl,
            np.where(after, contact, -1),
            pl,
            u >= 0.15,
            after,
            (u < 0.15) | (u >= 0.30),
            full(n, True),
        )
        # (d) contacts on open opportunities
        dur_days = (np.minimum(self.o_close, H) - self.o_t) / DAY
        k = rng.poisson(0.5 + np.maximum(dur_days, 0) / 30.0) * (self.o_contact >= 0)
        oo = np.repeat(np.arange(self.n_opp), k)
        lo_, hi_ = self.o_t[oo], np.minimum(self.o_close[oo], H)
        t = lo_ + (rng.random(len(oo)) * np.maximum(hi_ - lo_, 1)).astype(np.int64)
        oc = self.o_contact[oo]
        n = len(oo)
        add(
            t,
            self._camp_at(rng, t),
            full(n, -1),
            oc,
            nl + oc,
            full(n, False),
            full(n, True),
            rng.random(n) < 0.8,
            full(n, True),
        )
        # (e) newsletters and events for existing contacts
        pre = np.flatnonzero(self.ct_kind == 0)
        k = rng.poisson(2.4 * self.yf, len(pre))
        cc = np.repeat(pre, k)
        t = T0 + (rng.random(len(cc)) * self.span).astype(np.int64)
        n = len(cc)
        add(
            t,
            self._camp_at(rng, t),
            full(n, -1),
            cc,
            nl + cc,
            full(n, False),
            full(n, True),
            rng.random(n) < 0.8,
            full(n, True),
        )
        total = sum(len(p["t"]) for p in parts)
        # (f) people the CRM does not know
        n = max(5, int(0.05 * total))
        t = T0 + (rng.random(n) * self.span).astype(np.int64)
        unknown = -1 - np.arange(n)
        add(
            t,
            self._camp_at(rng, t),
            full(n, -1),
            full(n, -1),
            unknown,
            full(n, False),
            full(n, False),
            full(n, True),
            full(n, False),
        )

        # one gather per column (in time order), freeing the parts as we go
        t_all = np.concatenate([p["t"] for p in parts])
        keep = np.flatnonzero((t_all >= T0) & (t_all < H))
        keep = keep[np.argsort(t_all[keep], kind="stable")]
        tp = {"t": t_all[keep]}
        del t_all
        for key in [k for k in parts[0] if k != "t"]:
            col = np.concatenate([p.pop(key) for p in parts])
            tp[key] = col[keep]
            del col
        parts.clear()
        n = len(tp["t"])
        tp["camp"] = np.where((rng.random(n) < 0.05) & ~tp["primary"], -1, tp["camp"])
        ch = np.where(tp["camp"] >= 0, self.c_channel[np.maximum(tp["camp"], 0)], 6)
        tp["type"] = _pick_rows(rng, TOUCH_P, ch).astype(np.int8)
        tp["mess"] = np.where(
            _mess_mask(rng, n, 3 * self.mess) if self.mess > 0 else np.zeros(n, bool),
            rng.integers(1, 4, n),
            0,
        ).astype(np.int8)
        late = _mess_mask(rng, n, self.mess) if self.mess > 0 else np.zeros(n, bool)
        deliver = np.where(
            late, np.minimum(tp["t"] + (self.period_days + rng.random(n)) * DAY, H - 1), tp["t"]
        ).astype(np.int64)
        self.tp = tp
        self.n_unknown = int(max(0, -tp["esrc"].min())) if n else 0
        self.tp_v = _Versions(np.arange(n), deliver)
        uf = rng.integers(0, len(FIRST_NAMES), self.n_unknown)
        ul = rng.integers(0, len(LAST_NAMES), self.n_unknown)
        self.unknown_email = _join(
            _join(
                _take(_vocab([_slug(f) for f in FIRST_NAMES]), uf),
                _take(_vocab([_slug(x) for x in LAST_NAMES]), ul),
                _num_str(rng.integers(1000, 1_000_000, self.n_unknown)),
                sep="",
            ),
            _take(_vocab(FREEMAIL), rng.integers(0, len(FREEMAIL), self.n_unknown)),
            sep="@",
        )

        # campaign members: first touch of a known person by a campaign
        mem = np.flatnonzero(tp["member"] & (tp["camp"] >= 0) & (tp["esrc"] >= 0))
        person = tp["esrc"][mem]
        npers = nl + self.n_contacts
        key = tp["camp"][mem].astype(np.int64) * npers + person
        o = np.lexsort((tp["t"][mem], key))
        key_s = key[o]
        firsts = mem[o][np.r_[True, key_s[1:] != key_s[:-1]]] if len(key_s) else mem[:0]
        m_camp = tp["camp"][firsts]
        m_person = tp["esrc"][firsts]
        m_t = tp["t"][firsts]
        m_ch = self.c_channel[m_camp]
        nm = len(firsts)
        added = np.where(m_ch == 0, m_t - rng.integers(HOUR, 72 * HOUR, nm), m_t)
        added = np.maximum(added, T0)
        st0 = np.select([m_ch == 0, m_ch == 1, m_ch == 4], [0, 2, 3], 1)
        ev_day_t = self.c_end[m_camp] * DAY + 15 * HOUR
        attend = (m_ch == 1) & (ev_day_t > m_t) & (ev_day_t < H) & (rng.random(nm) < 0.55)
        mo = np.argsort(added, kind="stable")
        m_camp, m_person, m_t, added, st0, attend, m_ch, ev_day_t = (
            a[mo] for a in (m_camp, m_person, m_t, added, st0, attend, m_ch, ev_day_t)
        )
        self.mem = {"camp": m_camp, "person": m_person, "added": added}
        del tp["member"], tp["primary"]
        resp = np.flatnonzero(m_ch == 0)
        att = np.flatnonzero(attend)
        self.mem_v = _Versions(
            np.r_[np.arange(nm), resp, att],
            np.r_[added, m_t[resp], ev_day_t[att]],
            status=np.r_[st0, np.ones(len(resp)), np.full(len(att), 3)].astype(np.int8),
        )

    # ------------------------------------------------------------------ finance, campaigns, quotas

    def _finance(self) -> None:
        rng = self.rng(10)
        H, T0 = self.H, self.T0
        nc = self.n_camp
        # campaign expected revenue: what the campaign really brings, mis-estimated on purpose
        won = self.o_won & (self.o_close < H)
        open_ = self.o_close >= H
        val = np.where(won, self.o_final_amount, np.where(open_, 0.3 * self.o_final_amount, 0.0))
        val_eur = val / self.fx(self.o_cur, self.o_t)
        has = self.o_camp >= 0
        real = np.bincount(self.o_camp[has], weights=val_eur[has], minlength=nc)
        u = rng.random(nc)
        factor = np.select(
            [u < 0.25, u < 0.35, u < 0.45],
            [rng.uniform(3, 10, nc), rng.uniform(0.25, 0.4, nc), rng.uniform(1.5, 2.5, nc)],
            np.exp(0.25 * rng.standard_normal(nc)),
        )
        exp_eur = np.where(real > 0, real * factor, self.c_budget_eur * rng.uniform(2, 6, nc))
        self.c_expected = np.maximum(
            np.round(exp_eur * self.fx(self.c_cur, self.c_created), -3), 1000.0
        )
        act_t = self.c_start * DAY + rng.integers(6 * HOUR, 10 * HOUR, nc)
        done_t = (self.c_end + 1) * DAY + rng.integers(6 * HOUR, 10 * HOUR, nc)
        ca = np.arange(nc)
        self.camp_v = _Versions(
            np.r_[ca, ca, ca],
            np.r_[self.c_created, act_t, done_t],
            status=np.r_[np.zeros(nc), np.ones(nc), np.full(nc, 2)].astype(np.int8),
        )

        # campaign cost lines
        dur = self.c_end - self.c_start + 1
        k = np.clip(np.round(dur / 20.0).astype(np.int64) + 2 + rng.poisson(1.0, nc), 2, 14)
        lc = np.repeat(ca, k)
        nlines = len(lc)
        share = rng.gamma(2.0, 1.0, nlines)
        tot = np.bincount(lc, weights=share, minlength=nc)
        budget_total = self.c_budget * rng.uniform(0.6, 1.5, nc)
        amount = np.round(budget_total[lc] * share / tot[lc], 2)
        lo_d = np.maximum(self.c_start[lc] - 21, self.d0 - 14)
        hi_d = np.minimum(self.c_end[lc] + 30, self.d1 - 1)
        bday = lo_d + (rng.random(nlines) * np.maximum(hi_d - lo_d + 1, 1)).astype(np.int64)
        bday = _weekday(bday, self.d0 - 14, self.d1 - 1)  # documents are dated on working days
        keep = (hi_d >= lo_d) & (bday < self.d1)
        lc, amount, bday = lc[keep], amount[keep], bday[keep]
        nlines = len(lc)
        cur = self.c_cur[lc]
        to_eur = (cur != EUR) & (rng.random(nlines) < 0.1)
        amount = np.where(to_eur, np.round(amount / self.fx(cur, bday * DAY), 2), amount)
        cur = np.where(to_eur, EUR, cur)
        ctype = _pick_rows(rng, COST_P, self.c_channel[lc])
        supplier = rng.integers(0, 100, nlines)
        text = rng.integers(0, 3, nlines)
        unmapped = _mess_mask(rng, nlines, 0.03)  # at least one line without campaign
        post = np.minimum(bday * DAY + rng.integers(0, 11, nlines) * DAY + 17 * HOUR, H - 1)
        co = np.lexsort((np.arange(nlines), bday))
        self.cost = {
            "camp": np.where(unmapped, -1, lc)[co],
            "day": bday[co],
            "amount": amount[co],
            "cur": cur[co],
            "type": ctype[co],
            "supplier": supplier[co],
            "text": text[co],
        }
        self.cost_v = _Versions(np.arange(nlines), post[co])

        # revenue bookings: one invoice per won opportunity, with a late correction now and then
        wi = np.flatnonzero(won)
        cday = np.floor_divide(self.o_close[wi], DAY)
        iday = _weekday(cday + rng.integers(0, 15, len(wi)), self.d0, self.d1 - 1)
        ro = np.lexsort((wi, iday))
        wi, iday = wi[ro], iday[ro]
        nb = len(wi)
        umsatz = self.o_final_amount[wi].astype(np.float64)
        disc = rng.random(nb) < 0.05
        umsatz = np.round(np.where(disc, umsatz * rng.uniform(0.92, 0.99, nb), umsatz), 2)
        hk = np.round(umsatz * rng.uniform(0.35, 0.70, nb), 2)
        deliver = iday * DAY + 18 * HOUR
        fix = (
            np.flatnonzero(_mess_mask(rng, nb, self.mess))
            if self.mess > 0
            else np.zeros(0, np.int64)
        )
        fix_t = np.minimum(deliver[fix] + rng.integers(20, 76, len(fix)) * DAY, H - 1)
        fixed_u = np.round(umsatz[fix] * rng.uniform(0.9, 1.1, len(fix)), 2)
        self.inv = {
            "opp": wi,
            "day": iday,
            "hk": hk,
            "year": iday.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970,
        }
        self.inv_v = _Versions(
            np.r_[np.arange(nb), fix], np.r_[deliver, fix_t], umsatz=np.r_[umsatz, fixed_u]
        )

        # budgets: Marketing (campaign costs) and Vertrieb (headcount + travel) per month
        m0 = int(_month_index(np.array([T0]))[0])
        m1 = int(_month_index(np.array([H - 1]))[0])
        months = np.arange(m0, m1 + 1)
        nmo = len(months)
        ms = _month_start_secs(months)
        me = _month_start_secs(months + 1)
        eur = self.cost["amount"] / self.fx(self.cost["cur"], self.cost["day"] * DAY)
        cm = _month_index(self.cost["day"] * DAY) - m0
        okm = (cm >= 0) & (cm < nmo)
        mk_act = np.bincount(cm[okm], weights=eur[okm], minlength=nmo)
        # planned campaign budgets spread over their run
        d = np.arange(self.d0, self.d1)
        plan_day = np.zeros(len(d))
        for c in range(nc):  # loop over campaigns
            a, b = max(self.c_start[c], self.d0), min(self.c_end[c] + 1, self.d1)
            if b > a:
                plan_day[a - self.d0 : b - self.d0] += self.c_budget_eur[c] / (
                    self.c_end[c] - self.c_start[c] + 1
                )
        dm = _month_index(d * DAY) - m0
        mk_plan = np.bincount(dm, weights=plan_day, minlength=nmo)
        mk_plan = np.convolve(np.r_[mk_plan[:1], mk_plan, mk_plan[-1:]], [0.25, 0.5, 0.25], "valid")
        mk_plan = mk_plan * rng.uniform(0.95, 1.15, nmo)
        mk_budget = np.maximum(np.round(mk_plan, -2), 1000.0)
        mid = (ms + me) // 2
        active = (self.u_hire_day[None, :] * DAY <= mid[:, None]) & (
            self.u_leave[None, :] > mid[:, None]
        )
        cost_pm = np.where(self.u_is_mgr, 12_500.0, np.where(self.u_field, 9_800.0, 7_200.0))
        heads = (active * cost_pm[None, :]).sum(axis=1)
        vm = _month_index(self.field_visits_t) - m0
        travel = np.bincount(vm[(vm >= 0) & (vm < nmo)], minlength=nmo) * 185.0
        vt_act = np.round(heads + travel, 2)
        vt_budget = np.round((heads + travel.mean()) * rng.uniform(1.0, 1.08, nmo), -2)
        yr = months // 12 + 1970
        plan_t = np.array([_secs(date(int(y) - 1, 12, 10)) for y in yr]) + 10 * HOUR
        act_day = me // DAY + 5
        act_day += np.where(_dow(act_day) == 5, 2, np.where(_dow(act_day) == 6, 1, 0))
        act_t = act_day * DAY + 11 * HOUR
        has_act = act_t < H
        b_ent = np.r_[np.arange(nmo), nmo + np.arange(nmo)]  # Marketing rows, then Vertrieb rows
        self.bud = {
            "month": np.r_[months, months],
            "dept": np.r_[np.zeros(nmo), np.ones(nmo)].astype(np.int8),
            "budget": np.r_[mk_budget, vt_budget],
        }
        ha = np.r_[has_act, has_act]
        self.bud_v = _Versions(
            np.r_[b_ent, b_ent[ha]],
            np.r_[plan_t, plan_t, act_t[has_act], act_t[has_act]],
            ist=np.r_[np.full(2 * nmo, np.nan), np.r_[mk_act, vt_act][ha]],
        )

        # FX rates (published on the day)
        nd = len(self.fx_days)
        fx_day = np.repeat(self.fx_days, 3)
        fx_cur = np.tile(np.array([USD, CHF, GBP]), nd)
        self.fxr = {"day": fx_day, "cur": fx_cur, "rate": self.fx_rates.T.reshape(-1)}
        self.fx_v = _Versions(np.arange(3 * nd), fx_day * DAY + 16 * HOUR)

        self._quotas(rng)

    def _quotas(self, rng: np.random.Generator) -> None:
        H = self.H
        reps = self.reps
        m0 = int(_month_index(np.array([self.T0]))[0])
        m1 = int(_month_index(np.array([H - 1]))[0])
        months = np.arange(m0, m1 + 1)
        ms = _month_start_secs(months)
        hire_m = _month_index(self.u_hire_day[reps] * DAY)
        ramp = np.clip((months[None, :] - hire_m[:, None] + 1) / 4.0, 0.0, 1.0)
        active = (hire_m[:, None] <= months[None, :]) & (self.u_leave[reps][:, None] > ms[None, :])
        # calibrate quota to what reps actually close (EUR per fully ramped rep-month)
        won = np.flatnonzero(self.o_won & (self.o_close < H))
        won_eur = self.o_final_amount[won] / self.fx(self.o_cur[won], self.o_close[won])
        closer = self.owner_at(self.o_owner0[won], self.o_close[won])
        field_won = won_eur[self.u_field[closer]].sum()
        inside_won = won_eur[~self.u_field[closer]].sum()
        rm = (ramp * active).sum(axis=1)
        f_rm = rm[self.u_field[reps]].sum()
        i_rm = rm[~self.u_field[reps]].sum()
        base_f = field_won / f_rm if f_rm and field_won else 60_000.0
        base_i = inside_won / i_rm if i_rm and inside_won else 25_000.0
        base = (
            np.where(self.u_field[reps], base_f, base_i)
            * rng.uniform(1.05, 1.25)
            * rng.uniform(0.85, 1.15, len(reps))
        )
        amount = np.round(base[:, None] * ramp / 500.0) * 500.0
        yr = months // 12 + 1970
        plan_t = np.array([_secs(date(int(y) - 1, 12, 15)) for y in yr]) + 10 * HOUR
        hire_t = _business(self.u_hire_day[reps] * DAY + 3 * DAY + 9 * HOUR, rng)
        created = np.maximum(plan_t[None, :], hire_t[:, None])
        exists = (hire_m[:, None] <= months[None, :]) & (created < self.u_leave[reps][:, None])
        r_i, m_i = np.nonzero(exists)
        q_created = created[r_i, m_i]
        qo = np.lexsort((m_i, r_i, q_created))
        r_i, m_i, q_created = r_i[qo], m_i[qo], q_created[qo]
        q_amount = amount[r_i, m_i]
        nq = len(r_i)
        self.quota = {"rep": reps[r_i], "month_start": ms[m_i] // DAY}
        # revisions before the month starts, and zero quota after the rep left
        rv = np.flatnonzero(rng.random(nq) < 0.05)
        span = np.maximum(ms[m_i[rv]] - q_created[rv], HOUR)
        rv_t = _business(q_created[rv] + (rng.random(len(rv)) * span).astype(np.int64), rng)
        rv_amt = np.round(q_amount[rv] * rng.uniform(0.85, 1.1, len(rv)) / 500.0) * 500.0
        leave = self.u_leave[reps[r_i]]
        z = np.flatnonzero((leave < H) & (ms[m_i] >= leave))
        vt = np.r_[q_created, rv_t, leave[z] + HOUR]
        ve = np.r_[np.arange(nq), rv, z]
        va = np.r_[q_amount, rv_amt, np.zeros(len(z))]
        ok = vt < H
        self.quota_v = _Versions(ve[ok], vt[ok], amount=va[ok])

    # ------------------------------------------------------------------ extract builders

    def builders(self) -> dict[str, tuple[_Versions, Callable[[np.ndarray], dict[str, Any]]]]:
        b = {
            crm.USERS.table: (self._uv(), self._b_users),
            crm.ACCOUNTS.table: (self.acc_v, self._b_accounts),
            crm.CONTACTS.table: (self.contact_v, self._b_contacts),
            crm.LEADS.table: (self.lead_v, self._b_leads),
            crm.LEAD_HISTORY.table: (self.lh, self._b_lead_history),
            crm.OPPORTUNITIES.table: (self.opp_v, self._b_opps),
            crm.OPPORTUNITY_HISTORY.table: (self.oh, self._b_opp_history),
            crm.TASKS.table: (self.task_v, self._b_tasks),
            crm.EVENTS.table: (self.event_v, self._b_events),
            crm.QUOTAS.table: (self.quota_v, self._b_quotas),
            crm.SURVEYS.table: (self._survey_versions(), self._b_surveys),
            marketing.CAMPAIGNS.table: (self.camp_v, self._b_campaigns),
            marketing.CAMPAIGN_MEMBERS.table: (self.mem_v, self._b_members),
            marketing.TOUCHPOINTS.table: (self.tp_v, self._b_touchpoints),
            finance.CAMPAIGN_COSTS.table: (self.cost_v, self._b_costs),
            finance.REVENUE_BOOKINGS.table: (self.inv_v, self._b_invoices),
            finance.BUDGETS.table: (self.bud_v, self._b_budgets),
            finance.FX_RATES.table: (self.fx_v, self._b_fx),
        }
        missing = {e.table for ex in SYSTEMS.values() for e in ex} - set(b)
        if missing:
            raise AssertionError(f"no generator for {sorted(missing)}")
        return b

    # ------------------------------------------------------------------ NPS surveys (issue 4)

    def _survey_versions(self) -> _Versions:
        """NPS answers: 3-17 weeks after a won deal, a contact of the account answers (about
        60 % of won deals) with a score 0-10; accounts that churn later tend to score lower."""
        if not hasattr(self, "_surveys_v"):
            rng = self.rng(11)
            won = np.flatnonzero(self.o_won & (self.o_close < self.H))
            asked = won[rng.random(len(won)) < 0.6]
            t = _business(self.o_close[asked] + rng.integers(21, 120, len(asked)) * DAY, rng)
            asked, t = asked[t < self.H], t[t < self.H]
            order = np.lexsort((asked, t))
            asked, t = asked[order], t[order]
            acc = self.o_acc[asked]
            churns = np.zeros(self.n_acc, dtype=bool)
            churns[self.acc_v.ent[self.acc_v["type"] == FORMER]] = True
            score = np.rint(np.where(churns[acc], 5.0, 8.2) + 1.8 * rng.standard_normal(len(t)))
            self.survey = {
                "acc": acc,
                "contact": self.o_contact[asked],
                "score": np.clip(score, 0, 10).astype(np.int64),
            }
            self._surveys_v = _Versions(np.arange(len(t)), t)
        return self._surveys_v

    def _b_surveys(self, r: np.ndarray) -> dict[str, Any]:
        v = self._survey_versions()
        i = v.ent[r]
        return {
            "Id": self._id("a0S", i),
            "AccountId": self._id("001", self.survey["acc"][i]),
            "ContactId": self._id("003", self.survey["contact"][i]),
            "Score__c": self.survey["score"][i],
            "Response_Date__c": np.floor_divide(v.t[r], DAY),
            "SystemModstamp": v.t[r],
        }

    def _users_versions(self) -> _Versions:
        n = self.n_users
        gone = np.flatnonzero(self.u_leave < self.H)
        return _Versions(
            np.r_[np.arange(n), gone],
            np.r_[self.u_created, self.u_leave[gone]],
            active=np.r_[np.ones(n), np.zeros(len(gone))].astype(np.int8),
        )

    def _user_ids(self, idx: np.ndarray) -> pa.Array:
        return _ids("005", np.where(np.asarray(idx) >= 0, np.asarray(idx) + 1, -1))

    @staticmethod
    def _id(prefix: str, idx: np.ndarray) -> pa.Array:
        idx = np.asarray(idx, dtype=np.int64)
        return _ids(prefix, np.where(idx >= 0, idx + 1, -1))

    def _campaign_ids(self, idx: np.ndarray) -> pa.Array:
        return self._id("701", idx)

    def _b_users(self, r: np.ndarray) -> dict[str, Any]:
        u = self._uv_ent(r)
        first = _take(_vocab(FIRST_NAMES), self.u_first[u])
        last = _take(_vocab(LAST_NAMES), self.u_last[u])
        email = _join(
            _join(
                _take(_vocab([_slug(f) for f in FIRST_NAMES]), self.u_first[u]),
                _take(_vocab([_slug(x) for x in LAST_NAMES]), self.u_last[u]),
                sep=".",
            ),
            COMPANY_DOMAIN,
            sep="@",
        )
        mgr = self.u_is_mgr[u]
        role = _where(mgr, "Sales Manager", _where(self.u_field[u], "Field Sales", "Inside Sales"))
        team = _join(
            _take(_vocab(TERRITORIES), self.u_terr[u]),
            _where(self.u_field[u], "Field", "Inside"),
            sep=" ",
        )
        team = _where(mgr, "Sales Leadership", team)
        return {
            "Id": self._user_ids(u),
            "Name": _join(first, last, sep=" "),
            "Email": email,
            "Sales_Role__c": role,
            "Team__c": team,
            "Territory__c": _take(_vocab(TERRITORIES), self.u_terr[u]),
            "ManagerId": self._user_ids(self.u_manager[u]),
            "HireDate__c": self.u_hire_day[u],
            "Monthly_Capacity_Hours__c": self.u_capacity[u],
            "IsActive": self._uv_active(r),
            "CreatedDate": self.u_created[u],
            "SystemModstamp": self._uv_t(r),
        }

    # user versions are built on demand; keep a handle for the builder
    def _uv(self) -> _Versions:
        if not hasattr(self, "_users_v"):
            self._users_v = self._users_versions()
        return self._users_v

    def _uv_ent(self, r: np.ndarray) -> np.ndarray:
        return self._uv().ent[r]

    def _uv_active(self, r: np.ndarray) -> np.ndarray:
        return self._uv()["active"][r]

    def _uv_t(self, r: np.ndarray) -> np.ndarray:
        return self._uv().t[r]

    def _b_accounts(self, r: np.ndarray) -> dict[str, Any]:
        v = self.acc_v
        a = v.ent[r]
        comp = self.a_comp[a]
        country = self.co_country[comp]
        return {
            "Id": self._id("001", a),
            "Name": self.co_name.take(pa.array(comp)),
            "Type": _take(_vocab(ACCOUNT_TYPES), v["type"][r]),
            "Industry": _take(_vocab(INDUSTRIES), self.co_industry[comp]),
            "BillingCountry": _take(self.v_country, country),
            "CurrencyIsoCode": _take(_vocab(CURRENCIES), self.co_cur[comp]),
            "Segment__c": _take(_vocab(SEGMENTS), self.co_seg[comp]),
            "Territory__c": _take(_vocab(TERRITORIES), self.co_terr[comp]),
            "OwnerId": self._user_ids(v["owner"][r]),
            "CreatedDate": self.a_created[a],
            "SystemModstamp": v.t[r],
        }

    def _b_contacts(self, r: np.ndarray) -> dict[str, Any]:
        v = self.contact_v
        c = v.ent[r]
        return {
            "Id": self._id("003", c),
            "AccountId": self._id("001", self.ct_acc[c]),
            "FirstName": _take(_vocab(FIRST_NAMES), self.ct_first[c]),
            "LastName": _take(_vocab(LAST_NAMES), self.ct_last[c]),
            "Email": self.ct_email.take(pa.array(c)),
            "Phone": self.ct_phone.take(pa.array(c)),
            "Title": _take(_vocab(TITLES), v["title"][r]),
            "OwnerId": self._user_ids(self.ct_owner[c]),
            "CreatedDate": self.ct_created[c],
            "SystemModstamp": v.t[r],
        }

    def _b_leads(self, r: np.ndarray) -> dict[str, Any]:
        v = self.lead_v
        ld = v.ent[r]
        comp = self.l_company[ld]
        bant = v["bant"][r].astype(np.int64)
        conv = v["conv"][r]
        has = conv >= 0
        cv = np.maximum(conv, 0)
        flags = {}
        for bit, name in enumerate(("Budget", "Authority", "Need", "Timeframe")):
            flags[f"{name}_Confirmed__c"] = np.where(bant >= 0, (bant >> bit) & 1, 0).astype(
                np.int8
            )
        src = self.l_src[ld]
        return {
            "Id": self._id("00Q", ld),
            "FirstName": _take(_vocab(FIRST_NAMES), self.l_first[ld]),
            "LastName": _take(_vocab(LAST_NAMES), self.l_last[ld]),
            "Email": self.l_email_out.take(pa.array(ld)),
            "Phone": self.l_phone.take(pa.array(ld)),
            "Company": self.co_name.take(pa.array(comp)),
            "Country": _take(self.v_country, self.co_country[comp]),
            "LeadSource": _take(_vocab(LEAD_SOURCES), src),
            "Lead_Origin__c": _where(self.l_mkt[ld], "Marketing", "Sales"),
            "Status": _take(_vocab(STATUS), v["status"][r]),
            "Primary_Campaign__c": self._campaign_ids(self.l_camp[ld]),
            "OwnerId": self._user_ids(v["owner"][r]),
            **flags,
            "IsConverted": has.astype(np.int8),
            "ConvertedDate": np.where(has, np.floor_divide(self.o_t[cv], DAY), NULL),
            "ConvertedAccountId": self._id("001", np.where(has, self.o_acc[cv], -1)),
            "ConvertedContactId": self._id("003", np.where(has, self.l_contact[ld], -1)),
            "ConvertedOpportunityId": self._id("006", conv),
            "CreatedDate": self.l_created[ld],
            "SystemModstamp": v.t[r],
        }

    def _b_lead_history(self, r: np.ndarray) -> dict[str, Any]:
        v = self.lh
        own = v["is_owner"][r]
        st = _vocab(STATUS)
        old = _where(
            own,
            self._user_ids(np.where(own, v["old"][r], -1)),
            _take(st, np.where(own, -1, v["old"][r])),
        )
        new = _where(
            own,
            self._user_ids(np.where(own, v["new"][r], -1)),
            _take(st, np.where(own, -1, v["new"][r])),
        )
        return {
            "Id": self._id("017", v.ent[r]),
            "LeadId": self._id("00Q", v["lead"][r]),
            "Field": _where(own, "Owner", "Status"),
            "OldValue": old,
            "NewValue": new,
            "CreatedById": self._user_ids(v["by"][r]),
            "CreatedDate": v.t[r],
        }

    def _opp_name(self, o: np.ndarray) -> pa.Array:
        comp = self.a_comp[self.o_acc[o]]
        return _join(
            self.co_name.take(pa.array(comp)),
            _take(_vocab(PRODUCTS_EXISTING + PRODUCTS_NEW), self.o_product[o]),
            sep=" - ",
        )

    def _b_opps(self, r: np.ndarray) -> dict[str, Any]:
        v = self.opp_v
        o = v.ent[r]
        st = v["stage"][r]
        closed = st >= 5
        return {
            "Id": self._id("006", o),
            "AccountId": self._id("001", self.o_acc[o]),
            "Name": self._opp_name(o),
            "Type": _take(_vocab(OPP_TYPES), self.o_type[o]),
            "StageName": _take(_vocab(STAGES), st),
            "Amount": v["amount"][r],
            "CurrencyIsoCode": _take(_vocab(CURRENCIES), self.o_cur[o]),
            "Probability": STAGE_PROB[st],
            "CloseDate": v["close_day"][r],
            "IsClosed": closed.astype(np.int8),
            "IsWon": (st == 5).astype(np.int8),
            "ForecastCategoryName": _take(_vocab(STAGE_FC), st),
            "CampaignId": self._campaign_ids(self.o_camp[o]),
            "Lead_Id__c": self._id("00Q", self.o_lead[o]),
            "OwnerId": self._user_ids(v["owner"][r]),
            "CreatedDate": self.o_t[o],
            "SystemModstamp": v.t[r],
        }

    def _b_opp_history(self, r: np.ndarray) -> dict[str, Any]:
        v = self.oh
        st = v["stage"][r]
        return {
            "Id": self._id("008", v.ent[r]),
            "OpportunityId": self._id("006", v["opp"][r]),
            "StageName": _take(_vocab(STAGES), st),
            "Amount": v["amount"][r],
            "Probability": STAGE_PROB[st],
            "CloseDate": v["close_day"][r],
            "ForecastCategory": _take(_vocab(STAGE_FC), st),
            "CreatedById": self._user_ids(v["by"][r]),
            "CreatedDate": v.t[r],
        }

    def _who(self, lead: np.ndarray, contact: np.ndarray) -> pa.Array:
        return _where(lead >= 0, self._id("00Q", lead), self._id("003", contact))

    def _what(self, opp: np.ndarray, acc: np.ndarray) -> pa.Array:
        return _where(opp >= 0, self._id("006", opp), self._id("001", acc))

    def _b_tasks(self, r: np.ndarray) -> dict[str, Any]:
        v = self.task_v
        i = v.ent[r]
        d = self.task
        call = d["kind"][i] == ACT_CALL
        subj = _where(
            call,
            _take(_vocab(CALL_SUBJECTS), d["subject"][i]),
            _take(_vocab(EMAIL_SUBJECTS), d["subject"][i]),
        )
        return {
            "Id": self._id("00T", i),
            "WhoId": self._who(d["who_lead"][i], d["who_contact"][i]),
            "WhatId": self._what(d["what_opp"][i], d["what_acc"][i]),
            "AccountId": self._id("001", d["acc"][i]),
            "OwnerId": self._user_ids(d["owner"][i]),
            "Subject": subj,
            "TaskSubtype": _where(call, "Call", "Email"),
            "ActivityDate": np.floor_divide(d["t"][i], DAY),
            "CallDurationInSeconds": d["duration"][i],
            "Status": _where(v["done"][r] == 1, "Completed", "Not Started"),
            "Description": _take(_vocab(NOTES), d["note"][i]),
            "CreatedDate": d["created"][i],
            "SystemModstamp": v.t[r],
        }

    def _b_events(self, r: np.ndarray) -> dict[str, Any]:
        v = self.event_v
        i = v.ent[r]
        d = self.event
        visit = d["visit"][i]
        comp = d["loc_comp"][i]
        loc = _join(
            _take(self.v_city, self.co_city[comp]),
            _take(self.v_country, self.co_country[comp]),
            sep=", ",
        )
        return {
            "Id": self._id("00U", i),
            "WhoId": self._who(d["who_lead"][i], d["who_contact"][i]),
            "WhatId": self._what(d["what_opp"][i], d["what_acc"][i]),
            "AccountId": self._id("001", d["acc"][i]),
            "OwnerId": self._user_ids(d["owner"][i]),
            "Subject": _where(
                visit,
                _take(_vocab(VISIT_SUBJECTS), d["subject"][i]),
                _take(_vocab(VIDEO_SUBJECTS), d["subject"][i]),
            ),
            "Type": _where(visit, "Field Visit", "Video Meeting"),
            "StartDateTime": d["t"][i],
            "DurationInMinutes": d["duration"][i],
            "Location": _where(visit, loc, _take(_vocab(VIDEO_LOCATIONS), d["video_loc"][i])),
            "Description": _take(_vocab(NOTES), d["note"][i]),
            "CreatedDate": d["created"][i],
            "SystemModstamp": v.t[r],
        }

    def _b_quotas(self, r: np.ndarray) -> dict[str, Any]:
        v = self.quota_v
        i = v.ent[r]
        return {
            "Id": self._id("a01", i),
            "Rep__c": self._user_ids(self.quota["rep"][i]),
            "Month__c": self.quota["month_start"][i],
            "Quota_Amount__c": v["amount"][r],
            "CurrencyIsoCode": pa.array(["EUR"] * len(i), type=pa.string()),
            "SystemModstamp": v.t[r],
        }

    def _b_campaigns(self, r: np.ndarray) -> dict[str, Any]:
        v = self.camp_v
        c = v.ent[r]
        return {
            "campaign_id": self._campaign_ids(c),
            "name": self.c_name.take(pa.array(c)),
            "channel": _take(_vocab(CHANNELS), self.c_channel[c]),
            "status": _take(_vocab(CAMPAIGN_STATUS), v["status"][r]),
            "start_date": self.c_start[c],
            "end_date": self.c_end[c],
            "planned_budget": self.c_budget[c],
            "expected_revenue": self.c_expected[c],
            "currency": _take(_vocab(CURRENCIES), self.c_cur[c]),
            "updated_at": v.t[r],
        }

    def _person_email(self, esrc: np.ndarray) -> pa.Array:
        nl = self.n_leads
        lead = np.where((esrc >= 0) & (esrc < nl), esrc, -1)
        contact = np.where(esrc >= nl, esrc - nl, -1)
        unknown = np.where(esrc < 0, -1 - esrc, -1)
        e = _where(
            lead >= 0,
            self.l_email.take(pa.array(lead, mask=lead < 0)),
            self.ct_email.take(pa.array(contact, mask=contact < 0)),
        )
        return _where(unknown >= 0, self.unknown_email.take(pa.array(unknown, mask=unknown < 0)), e)

    def _b_members(self, r: np.ndarray) -> dict[str, Any]:
        v = self.mem_v
        i = v.ent[r]
        person = self.mem["person"][i]
        nl = self.n_leads
        return {
            "member_id": _join("MEM-", _num_str(i + 1, 9)),
            "campaign_id": self._campaign_ids(self.mem["camp"][i]),
            "lead_id": self._id("00Q", np.where(person < nl, person, -1)),
            "contact_id": self._id("003", np.where(person >= nl, person - nl, -1)),
            "email": self._person_email(person),
            "member_status": _take(_vocab(MEMBER_STATUS), v["status"][r]),
            "added_at": self.mem["added"][i],
            "updated_at": v.t[r],
        }

    def _b_touchpoints(self, r: np.ndarray) -> dict[str, Any]:
        i = self.tp_v.ent[r]
        tp = self.tp
        email = self._person_email(tp["esrc"][i])
        mess = tp["mess"][i]
        email = _where((mess == 1) | (mess == 3), pc.utf8_title(email), email)
        email = _where((mess == 2) | (mess == 3), _join(email, " "), email)
        return {
            "touchpoint_id": _join("TP-", _num_str(i + 1, 10)),
            "touch_type": _take(_vocab(TOUCH_TYPES), tp["type"][i]),
            "occurred_at": tp["t"][i],
            "email": _null_where(~tp["out_email"][i], email),
            "lead_id": self._id("00Q", np.where(tp["out_lead"][i], tp["lead"][i], -1)),
            "contact_id": self._id("003", np.where(tp["out_contact"][i], tp["contact"][i], -1)),
            "campaign_id": self._campaign_ids(tp["camp"][i]),
        }

    def _b_costs(self, r: np.ndarray) -> dict[str, Any]:
        i = self.cost_v.ent[r]
        c = self.cost
        ty = c["type"][i]
        sup_n = np.array([len(s) for s in SUPPLIERS])
        sup_off = np.r_[0, np.cumsum(sup_n)[:-1]]
        sup = sup_off[ty] + c["supplier"][i] % sup_n[ty]
        txt = ty * 3 + c["text"][i]
        camp = c["camp"][i]
        day_text, _ = _fmt_column(
            finance.CAMPAIGN_COSTS.column("Belegdatum"), finance.CAMPAIGN_COSTS, c["day"][i], len(i)
        )
        when = pc.utf8_slice_codeunits(day_text, 3, 10)
        text = _join(_take(_vocab([t for ts in COST_TEXTS for t in ts]), txt), when, sep=" ")
        return {
            "Belegnummer": _num_str(5_100_000_000 + i),
            "Belegdatum": c["day"][i],
            "Kampagne": self._campaign_ids(camp),
            "Kostenart": _take(_vocab(COST_TYPES), ty),
            "Lieferant": _take(_vocab([s for ss in SUPPLIERS for s in ss]), sup),
            "Betrag": c["amount"][i],
            "Waehrung": _take(_vocab(CURRENCIES), c["cur"][i]),
            "Buchungstext": text,
        }

    def _b_invoices(self, r: np.ndarray) -> dict[str, Any]:
        v = self.inv_v
        i = v.ent[r]
        d = self.inv
        o = d["opp"][i]
        return {
            "Rechnungsnummer": _join("RE-", _num_str(d["year"][i]), "-", _num_str(i + 1, 6)),
            "Rechnungsdatum": d["day"][i],
            "Opportunity": self._id("006", o),
            "Kunde": self._id("001", self.o_acc[o]),
            "Umsatz": v["umsatz"][r],
            "Herstellkosten": d["hk"][i],
            "Waehrung": _take(_vocab(CURRENCIES), self.o_cur[o]),
        }

    def _b_budgets(self, r: np.ndarray) -> dict[str, Any]:
        v = self.bud_v
        i = v.ent[r]
        month_day = _month_start_secs(self.bud["month"][i]) // DAY
        return {
            "Kostenstelle": _take(_vocab(("Marketing", "Vertrieb")), self.bud["dept"][i]),
            "Monat": month_day,
            "Budget": self.bud["budget"][i],
            "Istkosten": v["ist"][r],
            "Waehrung": pa.array(["EUR"] * len(i), type=pa.string()),
        }

    def _b_fx(self, r: np.ndarray) -> dict[str, Any]:
        i = self.fx_v.ent[r]
        return {
            "Datum": self.fxr["day"][i],
            "Waehrung": _take(_vocab(CURRENCIES), self.fxr["cur"][i]),
            "Kurs": self.fxr["rate"][i],
        }
