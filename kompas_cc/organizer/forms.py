"""Turning the organizer's HTML form posts into the dicts its schemas validate.

Dates and times come as a day field and a time field of the user's zone ("2026-01-16",
"10:00"); a day without a time is an all-day task. They are handed on as wall-clock ISO
text, which the schemas read in the user's zone.
"""

from __future__ import annotations

from typing import Any

from multidict import MultiMapping

FormData = MultiMapping[Any]

#: Reminders offered as ticks on the forms: seconds before the due or planned time.
REMINDER_CHOICES = (0, 15 * 60, 3600, 86_400)
UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86_400}
#: Repeat rules offered on the task form; "custom" takes the typed RRULE.
REPEAT_CHOICES = (
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=WEEKLY",
    "FREQ=MONTHLY",
    "FREQ=YEARLY",
)


def text(form: FormData, key: str) -> str:
    return str(form.get(key, "")).strip()


def ids(form: FormData, key: str) -> list[int]:
    return [int(v) for v in (str(x) for x in form.getall(key, [])) if v.isdigit() and len(v) < 10]


def one_id(form: FormData, key: str) -> int | str | None:
    """An id typed or chosen ("#12" allowed); the text as it is when it is not one, so that
    the schema reports it on its field."""
    value = text(form, key).lstrip("#").strip()
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 10 else value


def moment(form: FormData, day_key: str, time_key: str) -> str | None:
    day, clock = text(form, day_key), text(form, time_key)
    if not day:
        return None
    return f"{day}T{clock or '00:00'}"


def reminders(form: FormData) -> list[dict[str, Any]]:
    """Ticked offsets, a custom "N units before", and kept exact moments."""
    out: list[dict[str, Any]] = [
        {"before_seconds": int(v)}
        for v in (str(x) for x in form.getall("remind", []))
        if v.isdigit() and len(v) < 10
    ]
    amount, unit = text(form, "remind_amount"), text(form, "remind_unit")
    if amount:
        seconds: Any = amount
        if amount.lstrip("-").isdigit() and len(amount) < 10 and unit in UNIT_SECONDS:
            seconds = int(amount) * UNIT_SECONDS[unit]
        out.append({"before_seconds": seconds})
    out.extend({"at": str(v)} for v in form.getall("remind_at", []) if str(v).strip())
    exact = moment(form, "remind_day", "remind_time")
    if exact:
        out.append({"at": exact})
    return out


def task_data(form: FormData) -> dict[str, Any]:
    executor = one_id(form, "executor_id")
    co_executors = ids(form, "co_executor")
    due_time = text(form, "due_time")
    due = moment(form, "due_day", "due_time")
    repeat = text(form, "repeat")
    return {
        "title": text(form, "title"),
        "description": text(form, "description") or None,
        "executor_ids": ([executor] if executor is not None else []) + co_executors,
        "watcher_ids": ids(form, "watcher"),
        "client_id": one_id(form, "client_id"),
        "due_at": due if due_time else None,
        "due_date": text(form, "due_day") if due and not due_time else None,
        "priority": text(form, "priority") or "normal",
        "status": text(form, "status") or "new",
        "rrule": text(form, "rrule") if repeat == "custom" else (repeat or None),
        "reminders": reminders(form),
        "checklist": [line for line in text(form, "checklist").splitlines() if line.strip()],
        "allow_past_due": form.get("allow_past_due") == "on",
    }


def contact_data(form: FormData) -> dict[str, Any]:
    state = text(form, "state") or "planned"
    return {
        "client_id": one_id(form, "client_id"),
        "kind": text(form, "kind"),
        "state": state,
        "subject": text(form, "subject"),
        "notes": text(form, "notes") or None,
        "result": text(form, "result") or None,
        "user_id": one_id(form, "user_id"),
        "planned_at": moment(form, "planned_day", "planned_time") if state == "planned" else None,
        "done_at": moment(form, "done_day", "done_time") if state == "done" else None,
        "reminders": reminders(form) if state == "planned" else [],
    }


def complete_data(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {
        "result": text(form, "result"),
        "done_at": moment(form, "done_day", "done_time"),
    }
    planned = moment(form, "next_day", "next_time")
    if planned:
        data["next"] = {
            "kind": text(form, "next_kind") or "call",
            "planned_at": planned,
            "subject": text(form, "next_subject"),
            "user_id": one_id(form, "next_user_id"),
        }
    return data


def grouped_errors(fields: dict[str, str]) -> dict[str, str]:
    """Errors of list items ("reminders.0.before_seconds") also under the list ("reminders")."""
    out = dict(fields)
    for key, message in fields.items():
        out.setdefault(key.split(".", 1)[0], message)
    return out
