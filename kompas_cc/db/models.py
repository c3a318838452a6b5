"""Imports every domain's models so that Base.metadata is complete (migrations, tests)."""

from kompas_cc.clients import models as clients_models
from kompas_cc.db.base import Base
from kompas_cc.notifications import models as notifications_models
from kompas_cc.organizer import meeting_models as organizer_meeting_models
from kompas_cc.organizer import models as organizer_models
from kompas_cc.organizer import plan_models as organizer_plan_models
from kompas_cc.scheduling import models as scheduling_models
from kompas_cc.staff import models as staff_models
from kompas_cc.telephony import models as telephony_models

__all__ = [
    "Base",
    "clients_models",
    "notifications_models",
    "organizer_meeting_models",
    "organizer_models",
    "organizer_plan_models",
    "scheduling_models",
    "staff_models",
    "telephony_models",
]
