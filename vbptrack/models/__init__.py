"""All tables; importing this module registers them on `SQLModel.metadata`."""

from vbptrack.models.audit import AuditEvent
from vbptrack.models.commercial import (
    AgreedVolume,
    Award,
    AwardProvince,
    AwardYear,
    BidLine,
    Purchase,
    Tender,
    TenderDocument,
    TenderProvince,
    TenderStatusChange,
)
from vbptrack.models.dunning import (
    DunningDocument,
    DunningLetter,
    DunningLetterLine,
    DunningLevel,
    DunningPolicy,
    DunningRun,
)
from vbptrack.models.jobs import Job, JobFile
from vbptrack.models.market_access import (
    Contract,
    ContractDocument,
    ContractLine,
    Filing,
    FilingChange,
    Listing,
    ListingChange,
)
from vbptrack.models.parties import DISTRIBUTOR, HOSPITAL, Party
from vbptrack.models.products import Product
from vbptrack.models.receivables import (
    CreditNote,
    Invoice,
    InvoiceInstalment,
    InvoiceLine,
    Payment,
    PaymentTerm,
    PaymentTermInstalment,
    Settlement,
    WriteOff,
)
from vbptrack.models.reference import Province
from vbptrack.models.reminders import Reminder, ReminderRecipient
from vbptrack.models.users import ApiToken, User, UserHospital, UserProvince

__all__ = [
    "Contract",
    "Job",
    "JobFile",
    "ContractDocument",
    "ContractLine",
    "Filing",
    "FilingChange",
    "Listing",
    "ListingChange",
    "AgreedVolume",
    "Award",
    "AwardProvince",
    "AwardYear",
    "BidLine",
    "Purchase",
    "Tender",
    "TenderDocument",
    "TenderProvince",
    "TenderStatusChange",
    "DunningDocument",
    "DunningLetter",
    "DunningLetterLine",
    "DunningLevel",
    "DunningPolicy",
    "DunningRun",
    "CreditNote",
    "Invoice",
    "InvoiceInstalment",
    "InvoiceLine",
    "Payment",
    "PaymentTerm",
    "PaymentTermInstalment",
    "Settlement",
    "WriteOff",
    "DISTRIBUTOR",
    "HOSPITAL",
    "ApiToken",
    "AuditEvent",
    "Party",
    "Product",
    "Province",
    "Reminder",
    "ReminderRecipient",
    "User",
    "UserHospital",
    "UserProvince",
]
