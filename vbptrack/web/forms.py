"""Form fields described once and rendered by one macro; validation lives in the services.

Forms post plain fields plus the CSRF token; the view hands the fields to a service,
whose input model (the same one the API and imports use) reports problems per field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from vbptrack.domain.money import typed_money_text

# Under every money and date input: what the field takes, since the server is strict.
MONEY_HINT = _l("Yuan, e.g. 1234.50; thousands may be grouped: 1,234.50.")
DATE_HINT = _l("YYYY-MM-DD, e.g. 2024-03-31.")
_FULL_WIDTH_DAY = str.maketrans("０１２３４５６７８９－", "0123456789-")


@dataclass(frozen=True)
class FormField:
    name: str
    label: object
    kind: str = "text"  # text, select, number, email, checkbox, textarea, money, date
    required: bool = False
    choices: Sequence[tuple[str, object]] = field(default_factory=tuple)
    help: object | None = None
    readonly_on_edit: bool = False

    @property
    def hint(self) -> object | None:
        """The format a money or date field takes, shown with its help."""
        return {"money": MONEY_HINT, "date": DATE_HINT}.get(self.kind)


def typed_money(text: str) -> str:
    """A money input as the strict `Money` field reads it: a person may group thousands
    in full groups (1,234.50) and type full-width digits with a Chinese IME; "12,50" is
    left as typed, for the field to refuse (a decimal comma is never guessed)."""
    return typed_money_text(text)


def typed_day(text: str) -> str:
    """A date input as the strict `Day` field reads it: trimmed, full-width digits and
    hyphen (a Chinese IME) made ASCII. Other spellings (2024/1/5) are left to be refused."""
    return text.strip().translate(_FULL_WIDTH_DAY)


TYPED = {"money": typed_money, "date": typed_day}


def typed(values: dict[str, Any], *, money: Sequence[str] = (), dates: Sequence[str] = ()) -> Any:
    """`values` with the named money and date inputs read as `typed_money`/`typed_day`,
    for forms whose inputs are not described by `FormField`s."""
    result = dict(values)
    for names, reader in ((money, typed_money), (dates, typed_day)):
        for name in names:
            if isinstance(result.get(name), str):
                result[name] = reader(result[name])
    return result


def form_data(form: MultiDict[str, str], fields: Sequence[FormField]) -> dict[str, Any]:
    """The posted values of the described fields, checkboxes as booleans, money and date
    inputs as their strict fields read them (`typed_money`, `typed_day`)."""
    data: dict[str, Any] = {}
    for item in fields:
        if item.kind == "checkbox":
            data[item.name] = item.name in form
        elif item.name in form:
            value = form.get(item.name, "")
            reader = TYPED.get(item.kind)
            data[item.name] = reader(value) if reader else value
    return data


def field_labels(fields: Sequence[FormField]) -> dict[str, object]:
    """Field name → label, so a record's history speaks the form's language."""
    return {item.name: item.label for item in fields}
