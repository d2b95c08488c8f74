"""Finance / ERP extracts (German ERP style: ';', decimal comma, dd.mm.yyyy, Windows-1252)."""

from ingestion.contract import ERP_CSV, Extract
from ingestion.contract import _c as c

SYSTEM = "finance"

CAMPAIGN_COSTS = Extract(
    SYSTEM,
    "campaign_costs",
    "campaign_costs.csv",
    ERP_CSV,
    (
        c("Belegnummer", required=True, desc="Document number of the cost line."),
        c("Belegdatum", "date", required=True, desc="Invoice date."),
        c("Kampagne", desc="Campaign reference; empty for cost not assigned to a campaign."),
        c("Kostenart", desc="Cost type: Agentur, Media, Event, Druck, Sonstiges."),
        c("Lieferant", desc="Supplier."),
        c("Betrag", "decimal", required=True, desc="Net amount in Waehrung."),
        c("Waehrung", required=True),
        c("Buchungstext"),
    ),
    ("Belegnummer",),
    "Marketing cost lines booked in the ERP.",
)

REVENUE_BOOKINGS = Extract(
    SYSTEM,
    "revenue_bookings",
    "revenue_bookings.csv",
    ERP_CSV,
    (
        c("Rechnungsnummer", required=True, desc="Invoice number."),
        c("Rechnungsdatum", "date", required=True),
        c("Opportunity", desc="CRM opportunity id."),
        c("Kunde", desc="CRM account id."),
        c("Umsatz", "decimal", required=True, desc="Net revenue in Waehrung."),
        c("Herstellkosten", "decimal", desc="Cost of sales in Waehrung."),
        c("Waehrung", required=True),
    ),
    ("Rechnungsnummer",),
    "Booked revenue per invoice, with cost of sales.",
)

BUDGETS = Extract(
    SYSTEM,
    "budgets",
    "budgets.csv",
    ERP_CSV,
    (
        c("Kostenstelle", required=True, desc="Department: Marketing or Vertrieb (sales)."),
        c("Monat", "date", required=True, desc="First day of the month."),
        c("Budget", "decimal", required=True),
        c("Istkosten", "decimal", desc="Actual cost booked on the department in the month."),
        c("Waehrung", required=True),
    ),
    ("Kostenstelle", "Monat"),
    "Department budgets and actual cost per month.",
)

FX_RATES = Extract(
    SYSTEM,
    "fx_rates",
    "fx_rates.csv",
    ERP_CSV,
    (
        c("Datum", "date", required=True),
        c("Waehrung", required=True),
        c("Kurs", "decimal", required=True, desc="Units of Waehrung per 1 EUR.", scale=6),
    ),
    ("Datum", "Waehrung"),
    "Daily reference FX rates (EUR base, business days only).",
)

EXTRACTS = (CAMPAIGN_COSTS, REVENUE_BOOKINGS, BUDGETS, FX_RATES)
