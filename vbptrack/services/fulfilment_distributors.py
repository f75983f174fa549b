"""Each hospital's main distributor (主配送企业) for an award's agreement year, in SQL.

Fulfilment by distributor (see `services.fulfilment`) puts each hospital whole into one
group: the distributor through which the most of the award's product reached it in the
agreement year up to as_of, ties to the lowest distributor code. Purchases name the
distributor that delivered them, or none; a hospital none of whose purchases in that
window names one has no main distributor.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from vbptrack.models import Award, AwardYear, Party, Purchase


def purchased_with_main_distributor(award: Award, year: AwardYear, as_of: date) -> Any:
    """Subquery: each hospital's purchases of the award's product in the year to as_of,
    with the code and name of its main distributor (null when no purchase names one).

    One pass over the purchases: summed per (hospital, distributor), then per hospital
    the total over all its distributors and the rank of each, the distributor-less sum
    ranked last so that it never wins."""
    through = (
        select(
            Purchase.hospital_id,
            Purchase.distributor_id,
            func.sum(Purchase.quantity).label("quantity"),
        )
        .where(
            Purchase.product_id == award.product_id,
            col(Purchase.date) >= year.start,
            col(Purchase.date) <= min(year.end, as_of),
        )
        .group_by(col(Purchase.hospital_id), col(Purchase.distributor_id))
        .subquery("through")
    )
    distributor = aliased(Party, name="distributor")
    hospital = through.c.hospital_id
    ranked = (
        select(
            hospital,
            distributor.code,
            distributor.name,
            func.sum(through.c.quantity).over(partition_by=hospital).label("purchased"),
            func.row_number()
            .over(
                partition_by=hospital,
                order_by=(
                    col(distributor.code).is_(None),
                    through.c.quantity.desc(),
                    col(distributor.code),
                ),
            )
            .label("rank"),
        )
        .select_from(through)
        .outerjoin(distributor, col(distributor.id) == through.c.distributor_id)
        .subquery("ranked")
    )
    return (
        select(ranked.c.hospital_id, ranked.c.code, ranked.c.name, ranked.c.purchased)
        .where(ranked.c.rank == 1)
        .subquery("bought")
    )


__all__ = ["purchased_with_main_distributor"]
