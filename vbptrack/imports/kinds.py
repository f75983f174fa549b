"""Every import kind by the name `vbptrack import KIND FILE` takes. Later areas add theirs."""

from __future__ import annotations

from vbptrack.imports.commercial import AGREED_VOLUMES, PURCHASES
from vbptrack.imports.market_access import FILINGS, LISTINGS
from vbptrack.imports.master_data import DISTRIBUTORS, HOSPITALS, PRODUCTS
from vbptrack.imports.receivables import INVOICES, PAYMENTS
from vbptrack.imports.spec import ImportKind

KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (
        HOSPITALS,
        DISTRIBUTORS,
        PRODUCTS,
        INVOICES,
        PAYMENTS,
        PURCHASES,
        AGREED_VOLUMES,
        FILINGS,
        LISTINGS,
    )
}
