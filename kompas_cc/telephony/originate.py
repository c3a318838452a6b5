"""Click-to-call: ring a user's phone, and once it is answered dial the number from it.

One AMI Originate through the connection's outbox (`AmiConnection.send_action`): it is sent
once, and never again after a reconnect, since a second Originate would ring a second call.
The call that follows is logged like any other, as an outbound call of that extension.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Forbidden, ValidationFailed
from kompas_cc.db.uow import UowFactory
from kompas_cc.staff import service as staff_service
from kompas_cc.telephony import amiactions
from kompas_cc.telephony.amilink import AmiReply, AmiStatus, AmiUnavailable
from kompas_cc.telephony.originate_schemas import OriginateIn, OriginateOut

__all__ = ["PHONE_CHANNEL", "AmiActions", "NotYourExtension", "click_to_call"]

#: The users' phones are PJSIP endpoints named after their extensions (the sample dialplan).
PHONE_CHANNEL = "PJSIP/{extension}"
#: What the user's phone shows while it rings: who is about to be called.
CALLER_ID = "KOMPAS <{digits}>"
MSG_NO_EXTENSION = "Your account has no phone extension; an administrator sets it"


class NotYourExtension(Forbidden):
    error_id = "not-your-extension"

    def __init__(self) -> None:
        super().__init__("Operators call only from their own extension")


class AmiActions(Protocol):
    """What click-to-call needs of the AMI connection (telephony.ami.AmiConnection)."""

    @property
    def status(self) -> AmiStatus: ...

    async def send_action(
        self, action: Mapping[str, str], *, timeout_s: float | None = None
    ) -> AmiReply: ...


async def click_to_call(
    uows: UowFactory,
    actor: Actor,
    link: AmiActions | None,
    data: OriginateIn,
    *,
    context: str,
) -> OriginateOut:
    """Ring `data.extension` (the actor's own when absent), then dial `data.number` through
    the dialplan `context`. Operators may only ring their own extension; managers and admins
    any. Raises AmiUnavailable at once when AMI is off or not connected (the user should not
    wait for a link that is down), and the connection's errors otherwise.

    Takes the unit-of-work factory rather than a unit: the user is read in a short reading
    unit of its own, and no transaction stays open while the exchange answers.
    """
    if actor.role is Role.DEALER:
        raise Forbidden("Dealers cannot place calls")
    async with uows(write=False) as uow:
        own = (await staff_service.get_user(uow, actor.id)).extension
    extension = data.extension or own
    if not extension:
        raise ValidationFailed(MSG_NO_EXTENSION, fields={"extension": MSG_NO_EXTENSION})
    if actor.role is Role.OPERATOR and extension != own:
        raise NotYourExtension()
    if link is None or not link.status.connected:
        raise AmiUnavailable()
    digits = data.number.removeprefix("+")
    reply = await link.send_action(
        amiactions.originate(
            channel=PHONE_CHANNEL.format(extension=extension),
            exten=digits,
            context=context,
            caller_id=CALLER_ID.format(digits=digits),
        )
    )
    return OriginateOut(extension=extension, number=data.number, action_id=reply.action_id)
