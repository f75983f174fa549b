"""The dunning policy: reading it, changing it (admin, finance), and the default wording.

The policy is one row (id 1) seeded by the migration with three levels (§5.4); a level's
wording is a Jinja template in each language, rendered in the sandbox with the names in
`WORDING_NAMES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, delete, select

from vbptrack.domain.dunning import Level
from vbptrack.domain.money import from_fen, to_fen
from vbptrack.models import DunningLevel, DunningPolicy
from vbptrack.models.dunning_in import PolicyIn
from vbptrack.services import audit
from vbptrack.services.access import Actor, require
from vbptrack.services.problems import validated

ISSUE = "dunning.issue"
POLICY_ID = 1

# What a level's wording template may use.
WORDING_NAMES = ("customer", "company", "number", "date", "deadline", "total", "level")

DEFAULT_WORDING: dict[int, dict[str, str]] = {
    1: {
        "title_zh": "付款提醒函",
        "title_en": "Payment reminder",
        "wording_zh": "尊敬的{{ customer }}：\n"
        "经核对，截至{{ date }}，贵方下列发票款项已到期尚未支付，"
        "合计人民币{{ total }}元。这或许是工作疏忽所致，烦请于{{ deadline }}前安排付款。"
        "如贵方已付款，请忽略本函并告知我们，谢谢合作。",
        "wording_en": "Dear {{ customer }},\nAccording to our records, as of {{ date }} the "
        "invoices listed below are past due, CNY {{ total }} in total. This may well be an "
        "oversight; please arrange payment by {{ deadline }}. If you have already paid, please "
        "disregard this letter and let us know. Thank you.",
    },
    2: {
        "title_zh": "催款函",
        "title_en": "Formal demand for payment",
        "wording_zh": "{{ customer }}：\n"
        "我司此前已就下列逾期款项向贵方发出提醒，但截至{{ date }}仍未收到付款，"
        "合计人民币{{ total }}元。请贵方务必于{{ deadline }}前付清全部款项。"
        "逾期仍未支付的，我司将依据合同约定追究贵方的违约责任。",
        "wording_en": "To {{ customer }}:\nWe reminded you earlier of the overdue amounts "
        "below, yet as of {{ date }} they remain unpaid: CNY {{ total }} in total. Please pay "
        "the full amount by {{ deadline }}. Failing that, we will enforce our rights under the "
        "contract.",
    },
    3: {
        "title_zh": "最后通知函",
        "title_en": "Final notice before legal action",
        "wording_zh": "{{ customer }}：\n"
        "尽管我司多次催告，贵方仍未支付下列逾期款项及利息，"
        "合计人民币{{ total }}元。"
        "本函为最后通知：请于{{ deadline }}前付清。届时仍未付款的，我司将不再另行通知，"
        "直接委托律师通过法律途径追讨欠款、利息及由此产生的全部费用。",
        "wording_en": "To {{ customer }}:\nDespite our repeated requests, the overdue amounts "
        "and interest below remain unpaid: CNY {{ total }} in total. This is our final notice: "
        "pay in full by {{ deadline }}. Otherwise we will, without further notice, instruct our "
        "lawyers to recover the debt, interest and all costs through legal proceedings.",
    },
}


@dataclass
class Policy:
    policy: DunningPolicy
    levels: list[DunningLevel]

    def rules(self) -> list[Level]:
        return [
            Level(
                level=item.level,
                min_days_past_due=item.min_days_past_due,
                annual_interest_rate=item.annual_interest_rate,
                fee=from_fen(item.fee_fen),
            )
            for item in self.levels
        ]

    def level(self, number: int) -> DunningLevel:
        return next(item for item in self.levels if item.level == number)


def load(session: Session, *, for_update: bool = False) -> Policy:
    """The policy and its levels (lowest first). `for_update` locks the policy row: a run
    holds it so two runs cannot number or issue the same letters twice."""
    statement = select(DunningPolicy).where(DunningPolicy.id == POLICY_ID)
    if for_update:
        statement = statement.with_for_update()
    policy = session.exec(statement).first()
    if policy is None:  # a database migrated before the seed row existed
        policy = DunningPolicy(id=POLICY_ID)
        session.add(policy)
        session.flush()
    levels = list(session.exec(select(DunningLevel).order_by(col(DunningLevel.level))).all())
    return Policy(policy, levels)


def read(session: Session, *, actor: Actor) -> Policy:
    """The policy as a person may read it: it carries our bank account and the letters'
    wording, so only those who issue letters (`dunning.issue`) see it, on every surface."""
    require(actor, ISSUE)
    return load(session)


COMPANY_FIELDS = (
    "company_name_zh",
    "company_name_en",
    "address_zh",
    "address_en",
    "bank_name",
    "bank_name_en",
    "bank_account",
    "contact_name",
    "contact_name_en",
    "contact_phone",
    "contact_email",
)
LEVEL_TEXTS = ("title_zh", "title_en", "wording_zh", "wording_en")


def as_dict(current: Policy) -> dict[str, Any]:
    """The policy as plain values (the audit trail's before/after, the API's body)."""
    policy = current.policy
    return {
        "min_interval_days": policy.min_interval_days,
        "payment_deadline_days": policy.payment_deadline_days,
        **{name: getattr(policy, name) for name in COMPANY_FIELDS},
        "has_seal": policy.seal_image is not None,
        "levels": [
            {
                "level": item.level,
                "name": item.name,
                "min_days_past_due": item.min_days_past_due,
                "annual_interest_rate": f"{item.annual_interest_rate.normalize():f}",
                "fee": f"{from_fen(item.fee_fen):f}",
                **{name: getattr(item, name) for name in LEVEL_TEXTS},
            }
            for item in current.levels
        ],
    }


def update(
    session: Session, *, actor: Actor, data: Mapping[str, Any], commit: bool = True
) -> Policy:
    """Replace the policy's settings and levels; wording not given is kept (or, for a new
    level, the default). Audited with what changed. `commit=False` leaves the
    transaction to the caller (the demo loader)."""
    require(actor, ISSUE)
    values = validated(PolicyIn, data)
    current = load(session, for_update=True)
    before = as_dict(current)
    policy = current.policy
    policy.min_interval_days = values.min_interval_days
    policy.payment_deadline_days = values.payment_deadline_days
    for name in COMPANY_FIELDS:
        given = getattr(values, name)
        if given is not None:
            setattr(policy, name, given)
    old = {item.level: item for item in current.levels}
    session.execute(delete(DunningLevel))
    session.flush()
    levels = []
    for item in values.levels:
        previous = old.get(item.level)
        defaults = DEFAULT_WORDING.get(item.level, DEFAULT_WORDING[max(DEFAULT_WORDING)])
        texts = {
            name: getattr(item, name)
            if getattr(item, name) is not None
            else (getattr(previous, name) if previous is not None else defaults[name])
            for name in LEVEL_TEXTS
        }
        level = DunningLevel(
            level=item.level,
            name=item.name,
            min_days_past_due=item.min_days_past_due,
            annual_interest_rate=item.annual_interest_rate,
            fee_fen=to_fen(item.fee),
            **texts,
        )
        session.add(level)
        levels.append(level)
    session.add(policy)
    updated = Policy(policy, levels)
    changes = audit.changes_between(
        {k: v for k, v in before.items() if k != "levels"},
        {k: v for k, v in as_dict(updated).items() if k != "levels"},
    )
    if before["levels"] != as_dict(updated)["levels"]:
        changes["levels"] = [len(before["levels"]), len(levels)]
    audit.record(
        session,
        actor=actor,
        entity="dunning_policy",
        key="policy",
        action="update",
        changes=changes,
    )
    if commit:
        session.commit()
    else:
        session.flush()
    return load(session)


SEAL_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_SEAL_BYTES = 1_000_000


def seal_type(data: bytes) -> str | None:
    """The image type of an uploaded seal (PNG or JPEG), by its first bytes; None otherwise.

    >>> seal_type(b"\\x89PNG\\r\\n\\x1a\\n...")
    'image/png'
    """
    for magic, mime in SEAL_TYPES.items():
        if data.startswith(magic):
            return mime
    return None


def set_seal(session: Session, *, actor: Actor, data: bytes | None) -> None:
    """Store (or with None, remove) the seal image printed on letters."""
    from vbptrack.services.problems import invalid, translate

    require(actor, ISSUE)
    current = load(session, for_update=True)
    if data is not None:
        mime = seal_type(data)
        if mime is None:
            raise invalid({"seal": translate("Upload the seal as a PNG or JPEG image.")})
        if len(data) > MAX_SEAL_BYTES:
            raise invalid({"seal": translate("The image is larger than 1 MB.")})
        current.policy.seal_image, current.policy.seal_mime = data, mime
    else:
        current.policy.seal_image, current.policy.seal_mime = None, None
    session.add(current.policy)
    audit.record(
        session,
        actor=actor,
        entity="dunning_policy",
        key="policy",
        action="update",
        changes={"has_seal": [None, data is not None]},
    )
    session.commit()
