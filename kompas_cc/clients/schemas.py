"""Request and response shapes of the clients module; the API and the forms validate with them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.phone import InvalidPhone, normalize_phone
from kompas_cc.core.requisites import (
    EntityKind,
    InvalidRequisite,
    validate_account,
    validate_bik,
    validate_correspondent_account,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)
from kompas_cc.core.validation import DbId

ClientKind = Literal["legal", "individual"]
PhoneKind = Literal["work", "mobile", "home", "fax", "other"]
EmailKind = Literal["work", "personal", "other"]
SORTABLE = ("name", "created_at", "updated_at", "inn", "status", "manager", "kind")
EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]{2,}$")

Text = Annotated[str, Field(max_length=300)]
LongText = Annotated[str, Field(max_length=20_000)]


#: The scalar fields of a client form, in the order they are shown.
CLIENT_FIELDS = (
    "kind", "name", "legal_form", "inn", "kpp", "ogrn", "legal_address", "actual_address",
    "bank_name", "bik", "bank_account", "corr_account", "website", "industry", "last_name",
    "first_name", "middle_name", "birth_date", "status_id", "manager_id", "source", "notes",
)  # fmt: skip


#: How client fields read to people (English source text, translated where shown).
CLIENT_FIELD_LABELS: dict[str, str] = {
    "kind": "Kind",
    "name": "Name",
    "legal_form": "Legal form",
    "inn": "INN",
    "kpp": "KPP",
    "ogrn": "OGRN",
    "legal_address": "Legal address",
    "actual_address": "Actual address",
    "bank_name": "Bank",
    "bik": "BIK",
    "bank_account": "Bank account",
    "corr_account": "Correspondent account",
    "website": "Website",
    "industry": "Industry",
    "last_name": "Surname",
    "first_name": "First name",
    "middle_name": "Patronymic",
    "birth_date": "Birth date",
    "source": "Source",
    "notes": "Notes",
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class PhoneIn(_In):
    number: str = Field(min_length=1, max_length=40)
    kind: PhoneKind = "work"
    comment: str | None = Field(default=None, max_length=200)

    @field_validator("number")
    @classmethod
    def _normalize(cls, value: str, info: ValidationInfo) -> str:
        region = (info.context or {}).get("region", "RU")
        try:
            return normalize_phone(value, region)
        except InvalidPhone as exc:
            raise ValueError(exc.message) from None


class EmailIn(_In):
    address: str = Field(min_length=3, max_length=254)
    kind: EmailKind = "work"

    @field_validator("address")
    @classmethod
    def _check(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError("Not a valid e-mail address")
        return value.lower()


class PhoneOut(BaseModel):
    id: int
    number: str
    kind: str
    comment: str | None = None
    contact_person_id: int | None = None


class EmailOut(BaseModel):
    id: int
    address: str
    kind: str
    contact_person_id: int | None = None


class ClientIn(_In):
    """A client as typed in the form or sent to the API; checks requisites and phones."""

    kind: ClientKind
    name: str | None = Field(default=None, max_length=300)
    legal_form: str | None = Field(default=None, max_length=50)
    inn: str | None = Field(default=None, max_length=20)
    kpp: str | None = Field(default=None, max_length=20)
    ogrn: str | None = Field(default=None, max_length=20)
    legal_address: str | None = Field(default=None, max_length=1000)
    actual_address: str | None = Field(default=None, max_length=1000)
    bank_name: str | None = Field(default=None, max_length=200)
    bik: str | None = Field(default=None, max_length=20)
    bank_account: str | None = Field(default=None, max_length=30)
    corr_account: str | None = Field(default=None, max_length=30)
    website: str | None = Field(default=None, max_length=200)
    industry: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    birth_date: date | None = None
    status_id: DbId | None = None
    manager_id: DbId | None = None
    source: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=20_000)
    phones: list[PhoneIn] = Field(default_factory=list, max_length=50)
    emails: list[EmailIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: _blank_to_none(v) for k, v in data.items()}
        return data

    def checked(self) -> ClientIn:
        """Check requisites across fields and fill the display name; raise with every error.

        Kept out of pydantic's validators so that each problem is reported on its own field.
        """
        errors: dict[str, str] = {}
        data = self.model_copy()
        if data.kind == "legal":
            if not data.name:
                errors["name"] = "The name is required"
            for field in ("last_name", "first_name", "middle_name", "birth_date"):
                setattr(data, field, None)
        else:
            if not data.last_name:
                errors["last_name"] = "The surname is required"
            if not data.first_name:
                errors["first_name"] = "The first name is required"
            for field in ("kpp", "bank_name", "bik", "bank_account", "corr_account"):
                setattr(data, field, None)
            if data.birth_date is not None and not (
                date(1900, 1, 1) <= data.birth_date <= datetime.now(UTC).date()
            ):
                errors["birth_date"] = "The birth date is out of range"
            data.name = " ".join(
                part for part in (data.last_name, data.first_name, data.middle_name) if part
            )
        _check_requisites(data, errors)
        if errors:
            raise ValidationFailed("The client has invalid fields", fields=errors)
        return data


SOLE_TRADER_FORMS = frozenset({"ИП", "ип", "IP"})


def _check_requisites(data: ClientIn, errors: dict[str, str]) -> None:
    """A sole trader (legal form ИП) has an individual's 12-digit INN and a 15-digit OGRNIP."""
    sole_trader = data.kind == "legal" and (data.legal_form or "").strip() in SOLE_TRADER_FORMS
    kind: EntityKind = "legal" if data.kind == "legal" and not sole_trader else "individual"
    checks: list[tuple[str, Callable[[], str]]] = []
    if data.inn:
        checks.append(("inn", partial(validate_inn, data.inn, kind=kind)))
    if data.kpp:
        checks.append(("kpp", partial(validate_kpp, data.kpp)))
    if data.ogrn:
        checks.append(("ogrn", partial(validate_ogrn, data.ogrn, kind=kind)))
    for field, check in checks:
        try:
            setattr(data, field, check())
        except InvalidRequisite as exc:
            errors[field] = exc.message
    if not data.bik:
        if data.bank_account or data.corr_account:
            errors["bik"] = "A BIK is needed to check the account"
        return
    try:
        data.bik = validate_bik(data.bik)
    except InvalidRequisite as exc:
        errors["bik"] = exc.message
        return
    bik = data.bik
    if data.bank_account:
        try:
            data.bank_account = validate_account(data.bank_account, bik)
        except InvalidRequisite as exc:
            errors["bank_account"] = exc.message
    if data.corr_account:
        try:
            data.corr_account = validate_correspondent_account(data.corr_account, bik)
        except InvalidRequisite as exc:
            errors["corr_account"] = exc.message


class ClientOut(BaseModel):
    id: int
    kind: ClientKind
    name: str
    legal_form: str | None
    inn: str | None
    kpp: str | None
    ogrn: str | None
    legal_address: str | None
    actual_address: str | None
    bank_name: str | None
    bik: str | None
    bank_account: str | None
    corr_account: str | None
    website: str | None
    industry: str | None
    last_name: str | None
    first_name: str | None
    middle_name: str | None
    birth_date: date | None
    status_id: int | None
    status: str | None
    manager_id: int | None
    manager: str | None
    source: str | None
    notes: str | None
    phones: list[PhoneOut]
    emails: list[EmailOut]
    category_ids: list[int]
    created_at: datetime
    updated_at: datetime
    archived: bool
    merged_into_id: int | None


class ClientBrief(BaseModel):
    id: int
    kind: ClientKind
    name: str
    inn: str | None
    status: str | None
    manager: str | None
    phone: str | None
    archived: bool
    created_at: datetime


class ClientPage(BaseModel):
    """One page of a list. `total` counts every match; `total_exact` is always true (kept
    for clients written against the first API) and `has_more` says whether pages follow."""

    items: list[ClientBrief]
    page: int
    per_page: int
    total: int
    total_exact: bool
    has_more: bool


class ClientListQuery(_In):
    q: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    node: list[DbId] = Field(default_factory=list, max_length=50)
    kind: ClientKind | None = None
    status_id: DbId | None = None
    manager_id: DbId | None = None
    archived: bool = False
    sort: str = Field(default="name", max_length=200)
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)

    @field_validator("sort")
    @classmethod
    def _sort(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip().lstrip("-") not in SORTABLE:
                raise ValueError(f"Sort by one of: {', '.join(SORTABLE)}")
        return value

    def sort_keys(self) -> list[tuple[str, bool]]:
        return [(p.strip().lstrip("-"), p.strip().startswith("-")) for p in self.sort.split(",")]


class ClientCount(BaseModel):
    count: int
    exact: bool


class LookupQuery(_In):
    phone: str = Field(min_length=1, max_length=40)


class LookupMatch(BaseModel):
    client_id: int
    name: str
    kind: ClientKind
    contact_person_id: int | None
    contact_person: str | None
    phone: str


class ContactPersonIn(_In):
    name: str = Field(min_length=1, max_length=300)
    position: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    phones: list[PhoneIn] = Field(default_factory=list, max_length=20)
    emails: list[EmailIn] = Field(default_factory=list, max_length=20)


class ContactPersonOut(BaseModel):
    id: int
    client_id: int
    name: str
    position: str | None
    notes: str | None
    phones: list[PhoneOut]
    emails: list[EmailOut]


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=20_000)


class NoteOut(BaseModel):
    id: int
    client_id: int
    author_id: int | None
    author: str | None
    text: str
    created_at: datetime


class FileOut(BaseModel):
    id: int
    client_id: int
    filename: str
    content_type: str
    size: int
    uploader: str | None
    created_at: datetime


class AuditOut(BaseModel):
    at: datetime
    user: str | None
    field: str
    old_value: str | None
    new_value: str | None


class NodeIn(_In):
    name: str = Field(min_length=1, max_length=200)
    parent_ids: list[DbId] = Field(default_factory=list, max_length=20)
    position: int = Field(default=0, ge=0, le=100_000)


class NodeOut(BaseModel):
    id: int
    name: str
    parent_ids: list[int]
    position: int
    client_count: int


class PlacementIn(_In):
    node_ids: list[DbId] = Field(max_length=200)


class StatusIn(_In):
    name: str = Field(min_length=1, max_length=100)
    position: int = Field(default=0, ge=0, le=10_000)
    is_default: bool = False


class StatusOut(BaseModel):
    id: int
    name: str
    position: int
    is_default: bool


class MergeIn(_In):
    other_id: DbId


class TimelineQuery(_In):
    kind: list[str] = Field(default_factory=list, max_length=20)
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(default=200, ge=1, le=5000)


class TimelineItem(BaseModel):
    at: datetime
    kind: str
    title: str
    body: str | None
    author: str | None
    link: str | None


class DuplicateOut(BaseModel):
    client_id: int
    name: str
    reason: str
