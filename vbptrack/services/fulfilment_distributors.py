"""Fulfilment by main distributor (主配送企业), as one SQL statement.

Fulfilment by distributor (see `services.fulfilment`) puts each hospital whole into one
group: the distributor through which the most of the award's product reached it in the
agreement year up to as_of, ties to the lowest distributor code. Purchases name the
distributor that delivered them, or none; a hospital none of whose purchases in that
window names one has no main distributor (its group's code is null).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, cast, func, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from vbptrack.models import AgreedVolume, Award, AwardYear, Party, Purchase
from vbptrack.services.access import Actor, territory_condition


def aggregate(
    award: Award, year: AwardYear, actor: Actor, counted: Sequence[ColumnElement[bool]]
) -> Select[Any]:
    """(distributor code, name, agreed, purchased) per main distributor, ordered by code,
    the hospitals without one last (code and name null). `counted` are the conditions on
    the purchases that count (`fulfilment.counted_purchases`).

    The window runs over the award's hospitals (those the actor sees), each joined to its
    purchases summed per distributor: per hospital, the total over its distributors and
    the rank of each, the distributor-less sum ranked last so that it never wins; the
    hospital's first row carries its agreed volume, total and main distributor. Ranking
    the purchases first and joining the ranks to the agreed volumes instead is the same
    answer, but SQLite then scans the ranks once per hospital (no automatic index on a
    windowed subquery): seconds for 10,000 hospitals.
    """
    through = (
        select(
            Purchase.hospital_id,
            Purchase.distributor_id,
            func.sum(Purchase.quantity).label("quantity"),
        )
        .where(*counted)
        .group_by(col(Purchase.hospital_id), col(Purchase.distributor_id))
        .subquery("through")
    )
    distributor = aliased(Party, name="distributor")
    hospital = col(AgreedVolume.hospital_id)
    ranked = (
        select(
            col(AgreedVolume.quantity).label("agreed"),
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
        .select_from(AgreedVolume)
        .join(Party, col(Party.id) == hospital)
        .outerjoin(through, through.c.hospital_id == hospital)
        .outerjoin(distributor, col(distributor.id) == through.c.distributor_id)
        .where(
            AgreedVolume.award_id == award.id,
            AgreedVolume.year == year.year,
            territory_condition(actor),
        )
        .subquery("ranked")
    )
    keys = (ranked.c.code, ranked.c.name)
    return (
        select(
            *keys,
            # bigint, not PostgreSQL's numeric sum: whole numbers, read without Decimal.
            cast(func.sum(ranked.c.agreed), BigInteger).label("agreed"),
            cast(func.coalesce(func.sum(ranked.c.purchased), 0), BigInteger).label("purchased"),
        )
        .where(ranked.c.rank == 1)
        .group_by(*keys)
        # Nulls last on both databases (they put them at opposite ends).
        .order_by(ranked.c.code.is_(None), *keys)
    )


__all__ = ["aggregate"]
