"""The iCalendar writer: RFC 5545 escaping, line folding by octets, entry shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kompas_cc.organizer.ical import MAX_LINE_OCTETS, Entry, calendar, escape_text, fold

STAMP = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def test_text_escaping_follows_rfc_5545() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_long_lines_are_folded_at_75_octets_without_cutting_a_letter() -> None:
    line = "SUMMARY:" + "Позвонить в ООО «Ромашка» " * 10
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= MAX_LINE_OCTETS for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if n else p for n, p in enumerate(parts)) == line


def test_short_line_is_left_alone() -> None:
    assert fold("UID:task-1@kompas") == "UID:task-1@kompas"


def test_calendar_with_a_timed_event_an_all_day_event_and_a_todo() -> None:
    text = calendar(
        "KOMPAS: Анна",
        [
            Entry(
                uid="task-1@kompas",
                summary="Звонок; важно",
                start=datetime(2026, 1, 16, 7, 0, tzinfo=UTC),
                end=datetime(2026, 1, 16, 7, 30, tzinfo=UTC),
                url="https://crm.example/organizer/tasks/1",
            ),
            Entry(
                uid="task-2@kompas",
                summary="Отчёт",
                start=date(2026, 1, 17),
                end=date(2026, 1, 18),
            ),
            Entry(
                uid="task-3@kompas",
                summary="Задача",
                start=datetime(2026, 1, 18, 7, 0, tzinfo=UTC),
                end=datetime(2026, 1, 18, 7, 30, tzinfo=UTC),
                todo=True,
                status="NEEDS-ACTION",
            ),
        ],
        STAMP,
    )
    lines = text.split("\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert "DTSTAMP:20260115T090000Z" in lines
    assert "DTSTART:20260116T070000Z" in lines
    assert "SUMMARY:Звонок\\; важно" in lines
    assert "DTSTART;VALUE=DATE:20260117" in lines
    assert "DTEND;VALUE=DATE:20260118" in lines
    assert lines.count("BEGIN:VEVENT") == 2
    assert "BEGIN:VTODO" in lines
    assert "DUE:20260118T070000Z" in lines
    assert "X-WR-CALNAME:KOMPAS: Анна" in lines
