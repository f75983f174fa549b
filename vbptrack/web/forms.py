"""Form fields described once and rendered by one macro; validation lives in the services.

Forms post plain fields plus the CSRF token; the view hands the fields to a service,
whose input model (the same one the API and imports use) reports problems per field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict


@dataclass(frozen=True)
class FormField:
    name: str
    label: object
    kind: str = "text"  # text, select, number, email, checkbox, textarea
    required: bool = False
    choices: Sequence[tuple[str, object]] = field(default_factory=tuple)
    help: object | None = None
    readonly_on_edit: bool = False


def form_data(form: MultiDict[str, str], fields: Sequence[FormField]) -> dict[str, Any]:
    """The posted values of the described fields, checkboxes as booleans."""
    data: dict[str, Any] = {}
    for item in fields:
        if item.kind == "checkbox":
            data[item.name] = item.name in form
        elif item.name in form:
            data[item.name] = form.get(item.name, "")
    return data


def field_labels(fields: Sequence[FormField]) -> dict[str, object]:
    """Field name → label, so a record's history speaks the form's language."""
    return {item.name: item.label for item in fields}
