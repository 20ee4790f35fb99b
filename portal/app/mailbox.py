"""Read the e-mails `make run` captured: `python -m portal.app.mailbox [--last N] [FOLDER]`.

The development SMTP server keeps every message in a maildir (instance/mail); this prints the newest
ones as a person would read them: who to, the subject, and the text part with its links."""

from __future__ import annotations

import argparse
from email import message_from_binary_file
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from portal.config import ROOT


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else "(no text part)"


def render(message: EmailMessage) -> str:
    """One message as a person reads it: to, subject, date, the text part and what is attached."""
    attachments = [part.get_filename() or part.get_content_type() for part in message.iter_attachments()]
    lines = [f"To: {message['To']}", f"Subject: {message['Subject']}", f"Date: {message['Date']}", ""]
    lines.append(_text_of(message).rstrip())
    if attachments:
        lines += ["", "Attached: " + ", ".join(attachments)]
    return "\n".join(lines)


def read(folder: Path, last: int) -> list[str]:
    """The newest `last` messages in the maildir `folder`, oldest first, each rendered."""
    files = [path for sub in ("new", "cur") if (folder / sub).is_dir() for path in (folder / sub).iterdir()]
    files.sort(key=lambda path: (path.stat().st_mtime, path.name))
    shown = []
    for path in files[-last:]:
        with path.open("rb") as handle:
            message = message_from_binary_file(handle, policy=default)
        if isinstance(message, EmailMessage):  # always, with the default policy; narrows the type
            shown.append(render(message))
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description="Print the e-mails captured by `make run`.")
    parser.add_argument("folder", nargs="?", default=str(ROOT / "instance" / "mail"))
    parser.add_argument("--last", type=int, default=5, help="how many of the newest e-mails (default 5)")
    args = parser.parse_args()
    folder = Path(args.folder)
    if not (folder / "new").is_dir():
        raise SystemExit(f"No captured e-mail in {folder} yet (make run creates it)")
    shown = read(folder, max(1, args.last))
    if not shown:
        print(f"No e-mails in {folder} yet.")
    print(("\n\n" + "-" * 72 + "\n\n").join(shown))


if __name__ == "__main__":
    main()
