"""Turning the meeting pages' form posts into the dicts the meeting schemas validate.

Times come as a day field and a time field of the user's zone and are handed on as
wall-clock ISO text, which the schemas read in that zone. The agenda comes as parallel
lists (`agenda_title`, `agenda_speaker`), one pair per row of the form; blank rows drop.
"""

from __future__ import annotations

from typing import Any

from kompas_cc.organizer.forms import FormData, ids, one_id, reminders, text
from kompas_cc.organizer.timing import ALL_DAY_ANCHOR

#: Empty agenda rows the form offers below the filled ones.
BLANK_AGENDA_ROWS = 3
#: A preparation item given a day without a time is due at the start of the office day.
DAY_TIME = ALL_DAY_ANCHOR.strftime("%H:%M")


def _moment(day: str, clock: str) -> str | None:
    return f"{day}T{clock}" if day and clock else None


def agenda_rows(form: FormData) -> list[dict[str, Any]]:
    titles = [str(v).strip() for v in form.getall("agenda_title", [])]
    speakers = [str(v).strip() for v in form.getall("agenda_speaker", [])]
    speakers += [""] * (len(titles) - len(speakers))
    return [
        {"title": title, "speaker_id": _person(speaker)}
        for title, speaker in zip(titles, speakers, strict=False)
        if title
    ]


def _person(value: str) -> int | str | None:
    """A chosen user id; other text as it is, so that the schema reports it."""
    if value.isdigit() and len(value) < 10:
        return int(value)
    return value or None


def meeting_data(form: FormData) -> dict[str, Any]:
    start_day = text(form, "start_day")
    return {
        "title": text(form, "title"),
        "starts_at": _moment(start_day, text(form, "start_time")),
        "ends_at": _moment(text(form, "end_day") or start_day, text(form, "end_time")),
        "place": text(form, "place") or None,
        "link": text(form, "link") or None,
        "organiser_id": one_id(form, "organiser_id"),
        "participant_ids": ids(form, "participant"),
        "client_id": one_id(form, "client_id"),
        "status": text(form, "status") or "planned",
        "minutes": text(form, "minutes") or None,
        "agenda": agenda_rows(form),
    }


def prep_item_data(form: FormData) -> dict[str, Any]:
    return {
        "text": text(form, "text"),
        "assignee_id": one_id(form, "assignee_id"),
        "due_at": _moment(text(form, "due_day"), text(form, "due_time") or DAY_TIME),
        "reminders": reminders(form),
    }


def decision_data(form: FormData) -> dict[str, Any]:
    return {
        "text": text(form, "text"),
        "responsible_id": one_id(form, "responsible_id"),
        "deadline": text(form, "deadline") or None,
    }
