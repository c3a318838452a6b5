"""The scheduler job of meeting preparation: a reminder of an item coming due.

It runs inside the unit of work that marks the job done, so its notification commits
exactly once with it. It re-reads the reminder, the item and the meeting, and does nothing
when any is gone, the item was ticked or the meeting is no longer planned.
"""

from __future__ import annotations

import logging

from kompas_cc.db.uow import UnitOfWork
from kompas_cc.notifications import service as notifications
from kompas_cc.organizer import meeting_prep, meeting_repo, repo
from kompas_cc.scheduler import Job, Scheduler

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "reminder"


async def on_prep_reminder_due(uow: UnitOfWork, job: Job) -> None:
    """Remind the person preparing an item: the item, the meeting, when it is due."""
    session = uow.session
    reminder = await meeting_repo.get_prep_reminder(session, int(job.payload["reminder_id"]))
    item = await meeting_repo.get_prep_item(session, reminder.item_id) if reminder else None
    meeting = await meeting_repo.get_meeting(session, item.meeting_id) if item else None
    if item is None or meeting is None or item.done or meeting.status != "planned":
        logger.info("preparation reminder job %s: nothing left to remind of, skipped", job.id)
        return
    user = (await repo.user_rows(session, [item.assignee_id])).get(item.assignee_id)
    if user is None or not user.is_active:
        return
    await notifications.notify(
        uow,
        item.assignee_id,
        NOTIFICATION_KIND,
        item.text,
        meeting.title,
        link=f"/organizer/meetings/{meeting.id}#preparation",
        due_at=meeting_prep.item_anchor(item.due_at, meeting),
        late=job.late,
    )


def register(scheduler: Scheduler) -> None:
    scheduler.register(meeting_prep.PREP_REMINDER_JOB, on_prep_reminder_due)
