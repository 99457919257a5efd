"""Valid demo identifiers: check characters come from python-stdnum, never by hand."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric, uscc

# District codes of the demo city: real GB/T 2260 codes that python-stdnum accepts for every
# birth year from 1940 to 2010 (codes abolished or created meanwhile are left out).
AREA_CODES = ("110101", "110102", "110105", "110106", "110107", "110108", "110109")
# GB 32100: registration authority + organisation kind ("91" enterprise, "11" state organ).
ENTERPRISE_PREFIX = "91"
STATE_ORGAN_PREFIX = "11"
_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(area: str, birth: date, sequence: int) -> str:
    """A CN resident identity number (GB 11643) with its ISO 7064 MOD 11-2 check character."""
    body = f"{area}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def social_credit_code(prefix: str, area: str, serial: int) -> str:
    """A Unified Social Credit Code (GB 32100) whose check character is valid.

    The nine-character organisation code is derived from ``serial`` so that codes are unique."""
    code = ""
    value = serial
    for _ in range(9):
        value, digit = divmod(value, len(_USCC_BODY))
        code = _USCC_BODY[digit] + code
    body = f"{prefix}{area}{code}"
    return body + uscc.calc_check_digit(body)
