"""Request and response shapes of click-to-call."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kompas_cc.core.phone import InvalidPhone, normalize_phone


class OriginateIn(BaseModel):
    """Ring `extension` (the caller's own when absent), then dial `number` from it. The
    number may be typed in any form; without a country code it is read in the region given
    as validation context ("region")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    extension: str | None = Field(
        default=None, max_length=32, pattern=r"^[0-9]+$", examples=["101"]
    )
    number: str = Field(min_length=1, max_length=40, examples=["8 (916) 123-45-67"])

    @field_validator("number")
    @classmethod
    def _normalize(cls, value: str, info: ValidationInfo) -> str:
        region = (info.context or {}).get("region", "RU")
        try:
            return normalize_phone(value, region)
        except InvalidPhone as exc:
            raise ValueError(exc.message) from None


class OriginateOut(BaseModel):
    """The exchange took the call: `extension` rings now, and dials `number` (E.164) once
    answered. `action_id` is the ActionID of the Originate, also in its OriginateResponse."""

    extension: str
    number: str
    action_id: str
