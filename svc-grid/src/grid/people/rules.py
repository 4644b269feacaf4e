"""Pure rules of base data (no I/O): the unified social credit code of enterprises."""

from __future__ import annotations

from jiceng_shared.errors import FieldErrors

#: GB 32100-2015: the 31 characters of the code (no I, O, Z, S, V), and the weights of the first 17
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_character(first17: str) -> str:
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def valid_credit_code(code: str) -> bool:
    """18 characters of the code's alphabet whose last one is the GB 32100 check character; the
    administration code (positions 3-8) is six digits."""
    if len(code) != 18 or any(c not in CREDIT_CHARS for c in code) or not code[2:8].isdigit():
        return False
    return credit_check_character(code[:17]) == code[17]


def check_enterprise(*, credit_code: str | None, phone: str | None, employees: int | None) -> FieldErrors:
    from grid.residents.rules import LANDLINE, MOBILE

    errors = FieldErrors()
    if credit_code is not None and not valid_credit_code(credit_code):
        errors.add("credit_code", "invalid_credit_code", "not a valid unified social credit code (GB 32100-2015)")
    if phone is not None and not (MOBILE.match(phone) or LANDLINE.match(phone)):
        errors.add("phone", "invalid_phone", "an 11-digit mobile number or a landline with its area code")
    if employees is not None and employees < 0:
        errors.add("employees", "invalid_count", "a number of people is not negative")
    return errors
