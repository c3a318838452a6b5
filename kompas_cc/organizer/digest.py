"""The daily digest job: at the time each user chose, one notification that sums up their
day (overdue tasks, today's tasks, planned contacts), then the next day's run is planned.

The job runs inside the unit of work that marks it done, so the notification and the next
day's job commit together with it. A digest missed while the server was down is sent
once, late, for the day it was due; then the next one is planned from now.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from kompas_cc.core.i18n import Formatter, translations
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.notifications import service as notifications
from kompas_cc.organizer import service
from kompas_cc.scheduler import Job, Scheduler
from kompas_cc.staff import service as staff_service


async def on_digest_due(uow: UnitOfWork, job: Job) -> None:
    user_id = int(job.payload["user_id"])
    if (await notifications.get_settings(uow, user_id)).digest_at is None:
        return
    user = await staff_service.get_user(uow, user_id)
    now = job.handled_at or job.due_at
    if user.is_active:
        day = job.due_at.astimezone(ZoneInfo(user.timezone)).date()
        text = await service.digest_for(uow, user_id, day)
        if text:
            trans = translations(user.locale)

            def _(message: str) -> str:
                return trans.gettext(message)

            title = _("Your day, %(day)s") % {
                "day": Formatter(user.locale, user.timezone).date(day)
            }
            await notifications.notify(
                uow,
                user_id,
                notifications.DIGEST_KIND,
                title,
                text,
                late=job.late,
            )
    await notifications.plan_digest(uow, user_id, now)


def register(scheduler: Scheduler) -> None:
    scheduler.register(notifications.DIGEST_JOB, on_digest_due)
