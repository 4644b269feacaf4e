"""Pure rules of disputes (no I/O): the parties' identity numbers and phones, the transitions."""

from __future__ import annotations

from typing import Any

from jiceng_shared.errors import FieldErrors, Problem

OPEN = ("recorded", "mediating")


def check_parties(parties: list[Any]) -> FieldErrors:
    from grid.residents.rules import LANDLINE, MOBILE, valid_id_number

    errors = FieldErrors()
    for i, p in enumerate(parties):
        if p.id_number is not None and not valid_id_number(p.id_number):
            errors.add(f"parties.{i}.id_number", "invalid_id_number", "not a valid identity number (GB 11643)")
        if p.phone is not None and not (MOBILE.match(p.phone) or LANDLINE.match(p.phone)):
            errors.add(f"parties.{i}.phone", "invalid_phone", "an 11-digit mobile number or a landline")
    return errors


def require_open(status: str) -> None:
    if status not in OPEN:
        raise Problem(409, "dispute_closed", "Closed", f"the dispute is {status}: no further steps")
