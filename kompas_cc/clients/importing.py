"""Client tables in and out: reading CSV/XLSX, guessing the column mapping, rows -> ClientIn. Pure.

Nothing here touches the database or the web: the import service feeds these functions bytes
and reference data (statuses, users, classifier) and gets plain values back, so every quirk of
office spreadsheets is unit-tested without a server.

Quirks handled, all seen in files Russian offices send:
- Excel saves "CSV (разделители - запятые)" in windows-1251 with ';' as the separator; newer
  Excel offers "CSV UTF-8" with a BOM; "Unicode text" is UTF-16 with tabs.
- Excel turns INNs and phones into numbers (7707083893.0) and dates into datetimes.
- Rows padded with empty cells, empty rows in the middle, trailing empty rows in XLSX.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from kompas_cc.clients.schemas import CLIENT_FIELD_LABELS, ClientIn
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.validation import fields_from_pydantic

MAX_ROWS = 50_000
MAX_COLUMNS = 200
PREVIEW_ROWS = 20
SNIFF_SAMPLE_CHARS = 64 * 1024
IGNORE = "ignore"

#: What a column of the file may become, in the order the mapping select shows them.
TARGETS: tuple[str, ...] = (
    IGNORE, "kind", "name", "legal_form", "inn", "kpp", "ogrn", "legal_address",
    "actual_address", "bank_name", "bik", "bank_account", "corr_account", "website", "industry",
    "last_name", "first_name", "middle_name", "birth_date", "phone", "email", "status",
    "manager", "source", "notes", "node",
)  # fmt: skip

#: Targets several columns may share: their values are collected (notes are joined).
MULTI_TARGETS = frozenset({IGNORE, "phone", "email", "node", "notes"})

#: English labels (translation keys) of the targets and of the report's error fields.
FIELD_LABELS: dict[str, str] = {
    IGNORE: "Do not import",
    **CLIENT_FIELD_LABELS,
    "phone": "Phone",
    "email": "E-mail",
    "status": "Status (by name)",
    "manager": "Manager (login or name)",
    "node": "Classifier category (path or name)",
    "row": "Row",
}

# Messages are constant English sentences: translation keys, as in core/requisites.py.
MSG_EMPTY_FILE = "The file is empty"
MSG_TOO_LARGE = "The file is larger than the upload limit"
MSG_NOT_A_TABLE = "The file is not a CSV or Excel (.xlsx) table"
MSG_BROKEN_XLSX = "The Excel file is damaged or is not an .xlsx workbook"
MSG_OLD_XLS = "Old Excel .xls files are not supported: save the table as .xlsx or CSV"
MSG_NO_HEADER = "The table has no header row"
MSG_TOO_MANY_ROWS = "The table has more rows than one import takes"
MSG_TOO_MANY_COLUMNS = "The table has more columns than one import takes"
MSG_BAD_KIND = "The kind is neither a legal entity nor an individual"
MSG_BAD_DATE = "Dates are DD.MM.YYYY or YYYY-MM-DD"
MSG_NO_STATUS = "No such status"
MSG_NO_USER = "No such user"
MSG_SEVERAL_USERS = "Several users have this name: give the login"
MSG_NO_NODE = "No such classifier category"
MSG_SEVERAL_NODES = "Several categories have this name: give the full path (Parent / Child)"
MSG_DUPLICATE = "Duplicate of client"
MSG_MAPPING_TWICE = "This field is already chosen for another column"
MSG_MAPPING_UNKNOWN = "Unknown field"
MSG_MAPPING_NO_NAME = "Choose the column with the name (or the surname of an individual)"
MSG_MAPPING_WIDTH = "The mapping does not match the columns of the table"

ClientKind = Literal["legal", "individual"]


class UnreadableFile(ValidationFailed):
    """The upload is not a table we can read; `message` says why in words for the user."""

    error_id = "unreadable-file"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"file": message})


# -- shapes kept between the steps of an import and returned by the API -----------------


class RowError(BaseModel):
    """Why a field of a row was refused: `message` is a translation key, `detail` is data."""

    message: str
    detail: str = ""

    def text(self) -> str:
        return f"{self.message} {self.detail}" if self.detail else self.message


class RejectedRow(BaseModel):
    row: int
    values: list[str]
    errors: dict[str, RowError]


class ImportReport(BaseModel):
    """The outcome of an import: every data row is imported, rejected or empty."""

    filename: str = ""
    headers: list[str] = Field(default_factory=list)
    total: int = 0
    imported: int = 0
    empty: int = 0
    created_ids: list[int] = Field(default_factory=list)
    rejected: list[RejectedRow] = Field(default_factory=list)

    def add(self, other: ImportReport) -> None:
        self.total += other.total
        self.imported += other.imported
        self.empty += other.empty
        self.created_ids.extend(other.created_ids)
        self.rejected.extend(other.rejected)


# -- reading files ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """A header row and the data rows under it, every cell a stripped string.

    `first_row` is the number (1-based, as a spreadsheet shows it) of the first data row;
    rows keep their places, empty ones included (as []), so row numbers match the file.
    Trailing empty cells are trimmed: a row may be shorter than the headers.
    """

    headers: list[str]
    rows: list[list[str]]
    first_row: int
    file_format: str
    encoding: str = ""
    delimiter: str = ""


def read_table(filename: str, content: bytes) -> Table:
    """Read CSV (any of ; , tab; UTF-8 with or without BOM, UTF-16, cp1251) or XLSX.

    `filename` is not trusted for the format: the content decides (an .xlsx is a zip file).
    """
    if not content.strip():
        raise UnreadableFile(MSG_EMPTY_FILE)
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE2 container: .xls (or .doc)
        raise UnreadableFile(MSG_OLD_XLS)
    text, encoding = decode_text(content)
    delimiter = sniff_delimiter(text)
    try:
        return _table(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
            "csv",
            encoding,
            delimiter,
        )
    except csv.Error:  # a field beyond csv.field_size_limit, an unterminated quote at EOF
        raise UnreadableFile(MSG_NOT_A_TABLE) from None


def decode_text(content: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding; garbage raises UnreadableFile.

    UTF-8 is tried first: cp1251 decodes almost any byte string, so it is the last resort,
    and the control-character check below is what tells binary files from text.
    """
    text: str | None = None
    encoding = ""
    for bom, codec, name in (
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
    ):
        if content.startswith(bom):
            try:
                text, encoding = content.decode(codec), name
            except UnicodeDecodeError:
                raise UnreadableFile(MSG_NOT_A_TABLE) from None
            break
    if text is None:
        for codec, name in (("utf-8", "UTF-8"), ("cp1251", "windows-1251")):
            try:
                text, encoding = content.decode(codec), name
                break
            except UnicodeDecodeError:
                continue
    if text is None or _looks_binary(text):
        raise UnreadableFile(MSG_NOT_A_TABLE)
    return text, encoding


def _looks_binary(text: str) -> bool:
    sample = text[:SNIFF_SAMPLE_CHARS]
    controls = sum(
        1 for ch in sample if ch not in "\t\r\n" and unicodedata.category(ch) in ("Cc", "Cs")
    )
    return "\x00" in sample or controls > max(2, len(sample) // 200)


def sniff_delimiter(text: str) -> str:
    """';', ',' or tab: the one that splits the first lines into the steadiest column count.

    csv.Sniffer guesses from character frequencies and picks letters or spaces on short
    samples; counting parsed columns is both simpler and right on the files offices send.
    Ties go to ';' (Russian Excel), then tab, then ','.
    """
    sample = text[:SNIFF_SAMPLE_CHARS]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ";", (False, 0.0, 0)
    for delimiter in (";", "\t", ","):
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        except csv.Error:
            continue
        # Untrimmed: Excel writes every separator of a row, even after empty cells.
        widths = [len(r) for r in rows if any(c.strip() for c in r)][:50]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (width > 1, count / len(widths), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_xlsx(content: bytes) -> Table:
    """The first sheet of a workbook, read in openpyxl's streaming (read-only) mode.

    openpyxl reports a damaged file with whatever its zip and XML layers raise (BadZipFile,
    KeyError for a missing part, its own InvalidFileException, lxml/ElementTree errors), so
    any exception from it means "not a readable workbook".
    """
    try:
        from openpyxl import load_workbook  # imported when needed: it takes 0.15 s to load

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise UnreadableFile(MSG_BROKEN_XLSX) from None
    try:
        if not book.worksheets:
            raise UnreadableFile(MSG_NO_HEADER)
        cells = (
            [cell_text(v) for v in values]
            for values in book.worksheets[0].iter_rows(values_only=True)
        )
        return _table(cells, "xlsx")
    except UnreadableFile:
        raise
    except Exception:
        raise UnreadableFile(MSG_BROKEN_XLSX) from None
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person typed: 7707083893.0 -> "7707083893"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return _clean(str(value))


def _clean(text: str) -> str:
    return text.replace("\xa0", " ").strip()


def _trim(row: Sequence[str]) -> list[str]:
    """The row without its trailing empty cells."""
    end = len(row)
    while end and not row[end - 1].strip():
        end -= 1
    return list(row[:end])


def _table(
    raw_rows: Iterable[Sequence[Any]], fmt: str, encoding: str = "", delimiter: str = ""
) -> Table:
    """Header = the first non-empty row; limits checked while reading, so memory stays bounded.

    Runs of empty rows are held as a count and written out only when a filled row follows:
    trailing empty rows (an XLSX formatted down to row 1 048 576) cost nothing.
    """
    header: list[str] | None = None
    first_row = 1
    data: list[list[str]] = []
    blank_run = 0
    width = 0
    for raw in raw_rows:
        row = _trim([_clean(str(c)) for c in raw])
        if header is None:
            if row:
                header = row
            else:
                first_row += 1
            width = len(row)
            continue
        if not row:
            blank_run += 1
            continue
        if len(data) + blank_run >= MAX_ROWS:
            raise UnreadableFile(MSG_TOO_MANY_ROWS)
        data.extend([] for _ in range(blank_run))
        blank_run = 0
        data.append(row)
        width = max(width, len(row))
        if width > MAX_COLUMNS:
            raise UnreadableFile(MSG_TOO_MANY_COLUMNS)
    if header is None:
        raise UnreadableFile(MSG_NO_HEADER)
    if width > MAX_COLUMNS:
        raise UnreadableFile(MSG_TOO_MANY_COLUMNS)
    padded = header + [""] * (width - len(header))
    return Table(
        headers=[h or f"#{i + 1}" for i, h in enumerate(padded)],
        rows=data,
        first_row=first_row + 1,
        file_format=fmt,
        encoding=encoding,
        delimiter=delimiter,
    )


# -- guessing the mapping ---------------------------------------------------------------


def normalize_key(text: str) -> str:
    """Casefolded, ё as е, letters and digits only: «Юр. адрес» -> "юрадрес"."""
    folded = text.casefold().replace("ё", "е")
    return "".join(ch for ch in folded if ch.isalnum())


_SYNONYMS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "type", "clienttype", "тип", "вид", "типклиента", "видклиента"),
    "name": (
        "name", "fullname", "company", "companyname", "organization", "organisation", "client",
        "наименование", "название", "полноенаименование", "краткоенаименование",
        "наименованиеорганизации", "названиекомпании", "организация", "компания", "клиент",
        "контрагент", "фио",
    ),
    "legal_form": ("legalform", "опф", "организационноправоваяформа", "правоваяформа"),
    "inn": ("inn", "taxid", "инн", "иннорганизации", "иннклиента"),
    "kpp": ("kpp", "кпп"),
    "ogrn": ("ogrn", "ogrnip", "огрн", "огрнип"),
    "legal_address": ("legaladdress", "юридическийадрес", "юрадрес", "адресюридический"),
    "actual_address": (
        "actualaddress", "address", "postaladdress", "фактическийадрес", "фактадрес",
        "почтовыйадрес", "адрес", "адресфактический",
    ),
    "bank_name": ("bank", "bankname", "банк", "наименованиебанка"),
    "bik": ("bik", "бик"),
    "bank_account": ("bankaccount", "account", "расчетныйсчет", "рс", "счет"),
    "corr_account": (
        "corraccount", "correspondentaccount", "корсчет", "коррсчет", "корреспондентскийсчет",
        "кс",
    ),
    "website": ("website", "site", "web", "url", "www", "сайт", "вебсайт"),
    "industry": ("industry", "отрасль", "сфера", "сферадеятельности", "виддеятельности"),
    "last_name": ("lastname", "surname", "familyname", "фамилия"),
    "first_name": ("firstname", "givenname", "имя"),
    "middle_name": ("middlename", "patronymic", "отчество"),
    "birth_date": (
        "birthdate", "dateofbirth", "birthday", "dob", "датарождения", "деньрождения", "др",
    ),
    "phone": (
        "phone", "phones", "telephone", "tel", "mobile", "mobilephone", "cellphone", "workphone",
        "телефон", "телефоны", "тел", "мобильный", "мобильныйтелефон", "сотовый",
        "контактныйтелефон", "номертелефона", "рабочийтелефон",
    ),
    "email": (
        "email", "emails", "mail", "почта", "электроннаяпочта", "емейл", "имейл", "емэйл",
        "мейл", "адресэлектроннойпочты",
    ),
    "status": ("status", "stage", "статус", "стадия"),
    "manager": (
        "manager", "owner", "responsible", "менеджер", "ответственный", "ответственныйменеджер",
    ),
    "source": ("source", "leadsource", "источник", "каналпривлечения"),
    "notes": (
        "notes", "note", "comment", "comments", "description", "примечание", "примечания",
        "комментарий", "комментарии", "заметки", "описание",
    ),
    "node": (
        "classifier", "category", "categories", "group", "tags", "классификатор", "категория",
        "категории", "группа", "сегмент", "теги",
    ),
}  # fmt: skip
_BY_KEY: dict[str, str] = {key: target for target, keys in _SYNONYMS.items() for key in keys}
#: Words that name the field anywhere in a header: «Моб. телефон», «Эл. почта», «E-mail 2».
_MARKERS: tuple[tuple[str, str], ...] = (
    ("телефон", "phone"),
    ("phone", "phone"),
    ("email", "email"),
    ("почта", "email"),
    ("примечан", "notes"),
    ("коммент", "notes"),
)


def guess_target(header: str) -> str:
    """The field a column header names, in Russian or English; IGNORE when unsure."""
    key = normalize_key(header)
    if key in _BY_KEY:
        return _BY_KEY[key]
    stripped = key.rstrip("0123456789")  # "Телефон 2", "Phone1"
    if stripped in _BY_KEY:
        return _BY_KEY[stripped]
    for marker, target in _MARKERS:
        if marker in key:
            return target
    return IGNORE


def guess_mapping(headers: Sequence[str]) -> list[str]:
    """A target per column; a single-valued target goes to its first column only."""
    used: set[str] = set()
    mapping = []
    for header in headers:
        target = guess_target(header)
        if target not in MULTI_TARGETS and target in used:
            target = IGNORE
        used.add(target)
        mapping.append(target)
    return mapping


def check_mapping(mapping: Sequence[str], width: int) -> dict[str, str]:
    """Errors of a chosen mapping keyed "map_<column>" (or "mapping"); empty when usable."""
    errors: dict[str, str] = {}
    if len(mapping) != width:
        return {"mapping": MSG_MAPPING_WIDTH}
    seen: set[str] = set()
    for index, target in enumerate(mapping):
        if target not in TARGETS:
            errors[f"map_{index}"] = MSG_MAPPING_UNKNOWN
        elif target not in MULTI_TARGETS and target in seen:
            errors[f"map_{index}"] = MSG_MAPPING_TWICE
        seen.add(target)
    if not seen & {"name", "last_name"}:
        errors["mapping"] = MSG_MAPPING_NO_NAME
    return errors


def phone_kind(header: str) -> str:
    """The kind of the phones in a column, from its header: «Мобильный» -> mobile."""
    key = normalize_key(header)
    for marks, kind in (
        (("моб", "сот", "mobile", "cell"), "mobile"),
        (("факс", "fax"), "fax"),
        (("дом", "home"), "home"),
    ):
        if any(mark in key for mark in marks):
            return kind
    return "work"


# -- rows into clients ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lookups:
    """Reference data that names in cells resolve to; a None id means "ambiguous"."""

    statuses: Mapping[str, int] = field(default_factory=dict)
    users: Mapping[str, int | None] = field(default_factory=dict)
    nodes: Mapping[str, int | None] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        statuses: Iterable[tuple[int, str]],
        users: Iterable[tuple[int, str, str]],
        nodes: Iterable[tuple[int, str, str]],
    ) -> Lookups:
        """From (id, name) statuses, (id, login, name) users and (id, name, label) nodes.

        A login or a full path is unique; a plain name shared by two users (or nodes) maps
        to None so that the row is refused instead of guessed.
        """
        user_keys: dict[str, int | None] = {}
        node_keys: dict[str, int | None] = {}
        user_list, node_list = list(users), list(nodes)
        for uid, _, name in user_list:
            _put(user_keys, _name_key(name), uid)
        for uid, login, _ in user_list:
            user_keys[_name_key(login)] = uid
        for nid, name, _ in node_list:
            _put(node_keys, _name_key(name), nid)
        for nid, _, label in node_list:
            node_keys[_label_key(label)] = nid
        return cls(
            statuses={_name_key(name): sid for sid, name in statuses},
            users=user_keys,
            nodes=node_keys,
        )


def _put(keys: dict[str, int | None], key: str, value: int) -> None:
    keys[key] = value if keys.get(key, value) == value else None


def _name_key(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def _label_key(text: str) -> str:
    return " / ".join(_name_key(part) for part in text.split("/"))


_KINDS: dict[str, ClientKind] = {
    **dict.fromkeys(
        (
            "legal", "legalentity", "company", "organization", "organisation", "юл", "юр",
            "юрлицо", "юридическоелицо", "организация", "компания",
        ),
        "legal",
    ),
    **dict.fromkeys(
        (
            "individual", "person", "privateperson", "фл", "физ", "физлицо", "физическоелицо",
            "частноелицо", "ип", "индивидуальныйпредприниматель",
        ),
        "individual",
    ),
}  # fmt: skip
_DMY = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_LIST_SPLIT = re.compile(r"[,;\n]+")
_EMAIL_SPLIT = re.compile(r"[,;\s]+")
_NODE_SPLIT = re.compile(r"[;\n]+")


def parse_kind(value: str) -> ClientKind | None:
    return _KINDS.get(normalize_key(value))


def parse_date(value: str) -> date | None:
    """DD.MM.YYYY (also with / or -) or YYYY-MM-DD (an Excel date-time too); None if not."""
    text = value.strip()
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _YMD.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


@dataclass
class ParsedRow:
    """A row turned into a checked ClientIn, or the reasons it was refused, by field."""

    client: ClientIn | None
    node_ids: list[int]
    errors: dict[str, RowError]


def parse_row(
    cells: Sequence[str],
    mapping: Sequence[str],
    headers: Sequence[str],
    default_kind: ClientKind,
    lookups: Lookups,
    region: str = "RU",
) -> ParsedRow:
    """One data row -> ClientIn validated exactly like a typed client, plus its categories.

    Every problem of the row is reported at once, keyed by the target field (phone, email,
    status, manager, node, or a ClientIn field), so that the user fixes the row in one go.
    """
    errors: dict[str, RowError] = {}
    data: dict[str, Any] = {"kind": default_kind, "phones": [], "emails": []}
    notes: list[str] = []
    node_ids: list[int] = []
    for column, (target, raw) in enumerate(zip(mapping, cells, strict=False)):
        value = raw.strip()
        if not value or target == IGNORE:
            continue
        if target == "kind":
            kind = parse_kind(value)
            if kind is None:
                errors["kind"] = RowError(message=MSG_BAD_KIND)
            else:
                data["kind"] = kind
        elif target == "phone":
            kind_of_phone = phone_kind(headers[column]) if column < len(headers) else "work"
            data["phones"] += [
                {"number": n.strip(), "kind": kind_of_phone}
                for n in _LIST_SPLIT.split(value)
                if n.strip()
            ]
        elif target == "email":
            data["emails"] += [{"address": a} for a in _EMAIL_SPLIT.split(value) if a]
        elif target == "notes":
            notes.append(value)
        elif target == "birth_date":
            born = parse_date(value)
            if born is None:
                errors["birth_date"] = RowError(message=MSG_BAD_DATE)
            else:
                data["birth_date"] = born
        elif target == "status":
            status_id = lookups.statuses.get(_name_key(value))
            if status_id is None:
                errors["status"] = RowError(message=MSG_NO_STATUS, detail=value)
            else:
                data["status_id"] = status_id
        elif target == "manager":
            _resolve_user(value, lookups, data, errors)
        elif target == "node":
            _resolve_nodes(value, lookups, node_ids, errors)
        else:
            data[target] = value
    if notes:
        data["notes"] = "\n".join(notes)
    if data["kind"] == "individual" and not data.get("last_name") and data.get("name"):
        _split_full_name(data)
    client = _validate(data, region, errors)
    return ParsedRow(client if not errors else None, sorted(set(node_ids)), errors)


def _resolve_user(
    value: str, lookups: Lookups, data: dict[str, Any], errors: dict[str, RowError]
) -> None:
    key = _name_key(value)
    if key not in lookups.users:
        errors["manager"] = RowError(message=MSG_NO_USER, detail=value)
        return
    user_id = lookups.users[key]
    if user_id is None:
        errors["manager"] = RowError(message=MSG_SEVERAL_USERS, detail=value)
    else:
        data["manager_id"] = user_id


def _resolve_nodes(
    value: str, lookups: Lookups, node_ids: list[int], errors: dict[str, RowError]
) -> None:
    for part in _NODE_SPLIT.split(value):
        if not part.strip():
            continue
        key = _label_key(part) if "/" in part else _name_key(part)
        if key not in lookups.nodes:
            errors.setdefault("node", RowError(message=MSG_NO_NODE, detail=part.strip()))
            continue
        node_id = lookups.nodes[key]
        if node_id is None:
            errors.setdefault("node", RowError(message=MSG_SEVERAL_NODES, detail=part.strip()))
        else:
            node_ids.append(node_id)


def _split_full_name(data: dict[str, Any]) -> None:
    """«Иванов Пётр Сергеевич» in a name column of an individual: surname, name, patronymic."""
    parts = str(data.pop("name")).split()
    data["last_name"] = parts[0]
    if len(parts) > 1:
        data.setdefault("first_name", parts[1])
    if len(parts) > 2:
        data.setdefault("middle_name", " ".join(parts[2:]))


def error_field(loc: str) -> str:
    """The report's field of a ClientIn error location: "phones.0.number" -> "phone"."""
    head = loc.split(".", 1)[0]
    return {
        "phones": "phone",
        "emails": "email",
        "status_id": "status",
        "manager_id": "manager",
        "body": "row",
    }.get(head, head)


def _validate(data: dict[str, Any], region: str, errors: dict[str, RowError]) -> ClientIn | None:
    """ClientIn.model_validate then checked(), as the form does; a field that fails pydantic is
    dropped and the rest validated again, so that the cross-field checks report too."""
    context = {"region": region}
    attempt = dict(data)
    for _ in range(3):
        try:
            client = ClientIn.model_validate(attempt, context=context)
        except ValidationError as exc:
            failed = fields_from_pydantic(exc)
            for loc, message in failed.items():
                errors.setdefault(error_field(loc), RowError(message=message))
                attempt.pop(loc.split(".", 1)[0], None)
            if "kind" not in attempt:
                return None
            continue
        try:
            return client.checked()
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                errors.setdefault(error_field(name), RowError(message=message))
            return None
    return None


def duplicate_errors(duplicates: Iterable[tuple[int, str, str]]) -> dict[str, RowError]:
    """Errors for (client id, name, reason) duplicates; reason "inn" or "phone:<number>"."""
    errors: dict[str, RowError] = {}
    for client_id, name, reason in duplicates:
        field_name = "inn" if reason == "inn" else "phone"
        errors.setdefault(
            field_name, RowError(message=MSG_DUPLICATE, detail=f"#{client_id} {name}")
        )
    return errors


def padded(row: Sequence[str], width: int) -> list[str]:
    return [*row, *([""] * (width - len(row)))]
