"""Imports every domain's models so that Base.metadata is complete (migrations, tests)."""

from kompas_cc.clients import models as clients_models
from kompas_cc.db.base import Base
from kompas_cc.staff import models as staff_models

__all__ = ["Base", "clients_models", "staff_models"]
