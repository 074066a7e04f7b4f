"""A customer's fields as an operator types them, and the rules each must meet.

Email is checked offline (no DNS): one ``local@domain.tld`` address, ASCII local part, domain
labels of letters, digits and hyphens (internationalised domains accepted through IDNA).
Country is an ISO 3166-1 alpha-2 code from the list below.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from orderview.schemas.common import (
    Line2,
    Line20,
    Line50,
    Line100,
    Line200,
    Line254,
    Line300,
    parse,
)

_ISO_3166_ALPHA2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRY_CODES: frozenset[str] = frozenset(_ISO_3166_ALPHA2.split())

CUSTOMER_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company_name",
    "phone",
    "reference",
    "address",
    "city",
    "state",
    "postcode",
    "country",
)

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]+(?:\s*(?:x|ext\.?)\s*[0-9]+)?$", re.IGNORECASE)
_POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]*$")


def check_email(value: str) -> str:
    """The address as typed (trimmed), or ``ValueError`` saying what is wrong with it."""
    if not value:
        raise ValueError("is required")
    if value.count("@") != 1:
        raise ValueError("must be one address like name@example.com")
    local, domain = value.split("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        raise ValueError("has an invalid part before the @")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("has an invalid domain after the @") from None
    labels = ascii_domain.split(".")
    if (
        len(labels) < 2
        or len(ascii_domain) > 253
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValueError("has an invalid domain after the @")
    return value


class CustomerFields(BaseModel):
    """Every field of a customer; used whole for create and as a subset for update."""

    model_config = ConfigDict(extra="forbid")

    email: Line254 = ""
    first_name: Line100 = ""
    last_name: Line100 = ""
    company_name: Line200 = ""
    phone: Line50 = ""
    reference: Line100 = ""
    address: Line300 = ""
    city: Line100 = ""
    state: Line100 = ""
    postcode: Line20 = ""
    country: Line2 = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and (not _PHONE.match(value) or not any(ch.isdigit() for ch in value)):
            raise ValueError("may contain only digits, spaces, + ( ) - . / and an extension")
        return value

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        if value and not _POSTCODE.match(value):
            raise ValueError("may contain only letters, digits, spaces and hyphens")
        return value

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        if isinstance(value, str):
            code = value.strip().upper()
            if code and code not in COUNTRY_CODES:
                raise ValueError("must be a two-letter ISO 3166 country code like US or DE")
            return code
        return value


def validate_new_customer(fields: dict[str, Any]) -> dict[str, str]:
    """All fields of a new customer, cleaned (email required); raises ``FieldErrors``."""
    data = {"email": "", **fields}
    return parse(CustomerFields, data).model_dump()


def validate_customer_changes(changes: dict[str, Any]) -> dict[str, str]:
    """The given fields, cleaned; raises ``FieldErrors`` naming each bad field."""
    return parse(CustomerFields, dict(changes)).model_dump(include=set(changes))
