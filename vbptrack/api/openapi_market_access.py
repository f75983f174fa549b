"""OpenAPI paths and schemas of /filings, /listings and /contracts."""

from __future__ import annotations

from typing import Any

from vbptrack.domain import filings as filing_rules
from vbptrack.domain import listings as listing_rules
from vbptrack.models.market_access_in import (
    ContractIn,
    FilingIn,
    ListingChangeIn,
    RenewIn,
    SignIn,
    TerminateIn,
)

INPUTS = {
    "FilingInput": FilingIn,
    "ListingChangeInput": ListingChangeIn,
    "ContractInput": ContractIn,
    "RenewInput": RenewIn,
    "TerminateInput": TerminateIn,
    "SignInput": SignIn,
}

_S = {"type": "string"}
_NS = {"type": ["string", "null"]}
_DATE = {"type": "string", "format": "date"}
_NDATE = {"type": ["string", "null"], "format": "date"}
_MONEY = {"type": ["string", "null"], "pattern": "^-?[0-9]+\\.[0-9]{2}$"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


HISTORY = {
    "type": "array",
    "description": "newest first",
    "items": _object({"status": _S, "date": _DATE, "note": _NS, "by": _S}),
}
SCHEMAS: dict[str, Any] = {
    "Filing": _object(
        {
            "kind": {"enum": list(filing_rules.KINDS)},
            "product_code": _S,
            "province_code": _S,
            "status": {"enum": list(filing_rules.STATUSES)},
            "shown_status": {
                "enum": list(filing_rules.STATUSES),
                "description": "as of the day asked: an approved filing past its expiry "
                "shows expired",
            },
            "since": _DATE,
            "effective": _NDATE,
            "expires": _NDATE,
            "price": _MONEY,
            "reference": _NS,
            "attachments": {"type": "array", "items": _S},
        }
    ),
    "Listing": _object(
        {
            "hospital_code": _S,
            "product_code": _S,
            "as_of": _DATE,
            "status": {"enum": list(listing_rules.STATUSES)},
            "since": _NDATE,
            "days_in_status": {"type": ["integer", "null"], "description": "as_of − since"},
            "next_step": _NS,
            "stuck": {"type": "boolean"},
            "history": HISTORY,
        }
    ),
    "ListingRow": _object(
        {
            "hospital_code": _S,
            "hospital_name": _S,
            "product_code": _S,
            "status": {"enum": list(listing_rules.STATUSES)},
            "since": _DATE,
            "days_in_status": {"type": "integer"},
            "next_step": _NS,
            "stuck": {"type": "boolean"},
            "unused": {
                "type": "boolean",
                "description": "listed but no purchase for more than six months "
                "(from the later of the last purchase and the listing date)",
            },
        }
    ),
    "Contract": _object(
        {
            "number": _S,
            "party_code": _S,
            "party_name": _S,
            "kind": {"enum": ["supply", "distribution", "vbp_purchase", "service"]},
            "start": _DATE,
            "end": _DATE,
            "current_end": {**_DATE, "description": "the end after any automatic renewals"},
            "value": _MONEY,
            "payment_term": _NS,
            "renewal": _object(
                {
                    "mode": {"enum": ["manual", "auto"]},
                    "notice_days": {"type": "integer"},
                    "months": {"type": "integer"},
                }
            ),  # fmt: skip
            "notice_day": _NDATE,
            "as_of": _DATE,
            "status": {"enum": ["draft", "active", "expiring", "expired", "renewed", "terminated"]},
            "predecessor": _NS,
            "successor": _NS,
            "terminated_on": _NDATE,
            "termination_reason": _NS,
            "lines": {
                "type": "array",
                "items": _object({"product_code": _S, "price": _MONEY}),
            },
            "signed_on": {**_NDATE, "description": "set once by signing"},
            "documents": {
                "type": "object",
                "description": "per language (zh, en): the signed PDF's SHA-256 and size "
                "(empty until signed)",
                "additionalProperties": _object({"sha256": _S, "size": {"type": "integer"}}),
            },
        }
    ),
}


# What a rep's token reads of filings (services/filings.py `in_territory`).
FILING_TERRITORY = "A rep sees the filings of the provinces of their territory; other roles, all."


def pdf_operation(operation: dict[str, Any]) -> dict[str, Any]:
    """A read operation whose success is a PDF, not JSON."""
    pdf = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    return {**operation, "responses": {**operation["responses"],
                                       "200": {"description": "PDF", "content": pdf}}}  # fmt: skip


def paths(read: Any, write: Any, listing: Any, path: Any, query: Any, as_of: Any) -> dict[str, Any]:
    """Built with openapi.py's helpers so the shapes match the rest of the document."""
    ref = {"Filing": {"$ref": "#/components/schemas/Filing"}}
    listing_ref = {"$ref": "#/components/schemas/Listing"}
    contract_ref = {"$ref": "#/components/schemas/Contract"}
    filings, listings, contracts = "Filings", "Listings", "Contracts"
    number = path("number")
    return {
        "/filings": {
            "get": {
                **listing(
                    filings,
                    "Filing",
                    [
                        query("kind"),
                        query("status"),
                        query("product_code"),
                        query("province_code"),
                        as_of,
                    ],
                ),
                "description": FILING_TERRITORY,
            },
            "post": write(
                filings,
                "Record a filing's status; a new record for the same kind, product and "
                "province is a status change and keeps the history",
                "FilingInput",
                ref["Filing"],
                201,
                [],
            ),
        },
        "/filings/{kind}/{product_code}/{province_code}": {
            "get": {
                **read(
                    filings,
                    "One current filing with its history",
                    ref["Filing"],
                    [path("kind"), path("product_code"), path("province_code"), as_of],
                ),
                "description": FILING_TERRITORY + " Any other filing is 404, like a missing one.",
            }
        },
        "/listings": {
            "get": listing(
                listings,
                "ListingRow",
                [
                    as_of,
                    query("status"),
                    query("hospital_code"),
                    query("product_code"),
                    query("order", {"enum": ["hospital", "stuck_first"]}),
                ],
            )  # fmt: skip
        },
        "/listings/{hospital_code}/{product_code}": {
            "get": read(
                listings,
                "A listing as of a date: status, since, days in status, history",
                listing_ref,
                [path("hospital_code"), path("product_code"), as_of],
            ),
            "put": write(
                listings,
                "Record a listing status change (a rep: hospitals of their territory only)",
                "ListingChangeInput",
                listing_ref,
                200,
                [path("hospital_code"), path("product_code")],
            ),
        },
        "/contracts": {
            "get": listing(
                contracts, "Contract", [query("q"), query("party_code"), query("kind"), as_of]
            ),  # fmt: skip
            "post": write(contracts, "Create a contract", "ContractInput", contract_ref, 201, []),
        },
        "/contracts/{number}": {
            "get": read(
                contracts, "A contract with its status as of a date", contract_ref, [number, as_of]
            )  # fmt: skip
        },
        "/contracts/{number}/renew": {
            "post": write(
                contracts,
                "Renew: a successor linked to this contract (start defaults to the day after "
                "the old end)",
                "RenewInput",
                contract_ref,
                201,
                [number],
            )
        },
        "/contracts/{number}/sign": {
            "post": write(
                contracts,
                "Sign: render the contract in zh and en and archive both PDFs (SHA-256); "
                "a contract is signed once (409 after), a terminated one not at all",
                "SignInput",
                contract_ref,
                200,
                [number],
            )
        },
        "/contracts/{number}/pdf": {
            "get": pdf_operation(
                read(
                    contracts,
                    "The contract PDF: a draft rendered on request until signed, then the archived "
                    "bytes unchanged (X-Content-SHA256 header)",
                    contract_ref,
                    [number, query("lang", {"enum": ["zh", "en"]})],
                )
            )
        },  # fmt: skip
        "/contracts/{number}/terminate": {
            "post": write(
                contracts,
                "Terminate from a date (on an auto-renewing contract: notice given)",
                "TerminateInput",
                contract_ref,
                200,
                [number],
            )
        },
    }
