"""Reading the e-mails the real SMTP server received: the subject, the text part, the calendar file."""

from __future__ import annotations

from email.header import decode_header, make_header
from email.message import Message


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(str(message["Subject"]))))


def body_of(message: Message) -> str:
    """The text part (not an attachment that happens to be text)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and part.get_filename() is None:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("the e-mail has no text part")


def ics_of(message: Message) -> tuple[str, bytes]:
    """The calendar attachment's content type and bytes."""
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(part["Content-Type"]), payload
