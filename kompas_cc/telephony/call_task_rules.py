"""What the settings say about turning calls into clients and tasks, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from kompas_cc.core.phone import try_normalize_phone
from kompas_cc.settings import Settings
from kompas_cc.settings_calls import CallbackTarget

__all__ = ["CallTaskRules"]


@dataclass(frozen=True, slots=True)
class CallTaskRules:
    """`unknown_caller`: "lead" or "nothing". `queue_targets` and `did_targets`: logins of
    the users who call back a missed call of that queue or dialled number (E.164), when the
    client has no responsible manager. `locale`: the language of the names and texts written
    for everybody (client names, status); `region`: of numbers without a country code."""

    unknown_caller: str = "lead"
    queue_targets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    did_targets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    callback_due: timedelta = timedelta(minutes=30)
    locale: str = "ru"
    region: str = "RU"

    @classmethod
    def from_settings(cls, settings: Settings) -> CallTaskRules:
        return cls.build(
            unknown_caller=settings.calls_unknown_caller,
            targets=settings.callback_targets,
            callback_due=timedelta(minutes=settings.callback_due_minutes),
            locale=settings.default_locale,
            region=settings.default_region,
        )

    @classmethod
    def build(
        cls,
        *,
        unknown_caller: str = "lead",
        targets: tuple[CallbackTarget, ...] = (),
        callback_due: timedelta = timedelta(minutes=30),
        locale: str = "ru",
        region: str = "RU",
    ) -> CallTaskRules:
        """A key that reads as a phone number is a dialled number, any other a queue name."""
        queues: dict[str, tuple[str, ...]] = {}
        dids: dict[str, tuple[str, ...]] = {}
        for target in targets:
            number = try_normalize_phone(target.key, region)
            if number is None:
                queues[target.key] = target.logins
            else:
                dids[number] = target.logins
        return cls(
            unknown_caller=unknown_caller,
            queue_targets=queues,
            did_targets=dids,
            callback_due=callback_due,
            locale=locale,
            region=region,
        )

    def target_logins(self, queue: str | None, callee: str | None) -> tuple[str, ...]:
        """Who the settings name for a missed call: its queue's users, else its number's."""
        if queue and queue in self.queue_targets:
            return self.queue_targets[queue]
        if callee and callee in self.did_targets:
            return self.did_targets[callee]
        return ()
