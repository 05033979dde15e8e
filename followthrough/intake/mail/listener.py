"""The SMTP listener behind `followthrough mail serve`: accepts mail for our mailboxes and hands
each message's exact bytes to the caller, answering only once it is stored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

logger = logging.getLogger(__name__)

# Replies, shared with the tests.
REPLY_ACCEPTED_RECIPIENT = "250 2.1.5 Recipient ok"
REPLY_NO_SUCH_MAILBOX = "550 5.1.1 No such mailbox here"
REPLY_CHECK_FAILED = "451 4.3.0 Could not check the mailbox; try again later"
REPLY_STORED = "250 2.0.0 Message stored"
REPLY_NOT_STORED = "451 4.3.0 Could not store the message; try again later"
REPLY_NO_RECIPIENTS = "554 5.5.1 No valid recipients"

Accepts = Callable[[str], bool]
Deliver = Callable[[list[str], bytes], None]


class IntakeHandler:
    """aiosmtpd handler. `accepts` and `deliver` are plain (sync) callables that may use the
    ORM, so both run in a worker thread."""

    def __init__(self, *, accepts: Accepts, deliver: Deliver) -> None:
        self.accepts = accepts
        self.deliver = deliver

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        address = address.lower()
        try:
            accepted = await asyncio.to_thread(self.accepts, address)
        except Exception:
            logger.exception("Could not check whether %s is one of our mailboxes", address)
            return REPLY_CHECK_FAILED
        if not accepted:
            return REPLY_NO_SUCH_MAILBOX
        # A recipient named twice is still one delivery.
        if address not in envelope.rcpt_tos:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return REPLY_ACCEPTED_RECIPIENT

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipients = [address.lower() for address in envelope.rcpt_tos]
        if not recipients:
            return REPLY_NO_RECIPIENTS
        raw = envelope.original_content
        if raw is None:  # only when a subclass decodes data; keep the bytes as they came
            content = envelope.content or b""
            raw = (
                content.encode("utf-8", "surrogateescape")
                if isinstance(content, str)
                else bytes(content)
            )
        try:
            await asyncio.to_thread(self.deliver, recipients, raw)
        except Exception:
            logger.exception(
                "Could not store a message from %s for %s (%d bytes); the sender will retry",
                envelope.mail_from,
                ", ".join(recipients),
                len(raw),
            )
            return REPLY_NOT_STORED
        return REPLY_STORED


class IntakeController(Controller):
    """aiosmtpd's threaded Controller, also when asked for port 0: the port the system chose
    is read back into `.port` before the controller checks that the server answers."""

    def _trigger_server(self) -> Any:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        return super()._trigger_server()


def make_controller(
    *,
    host: str,
    port: int,
    accepts: Accepts,
    deliver: Deliver,
    size_limit: int,
    server_hostname: str | None = None,
) -> IntakeController:
    """A listener ready to `.start()`. SIZE is announced; bigger messages get 552. Bytes arrive
    untouched (decode_data=False). `server_hostname` names us in the greeting (default: the
    machine's fully qualified name)."""
    handler = IntakeHandler(accepts=accepts, deliver=deliver)
    return IntakeController(
        handler,
        hostname=host,
        port=port,
        server_hostname=server_hostname,
        data_size_limit=size_limit,
        decode_data=False,
    )
