"""Sending a document by e-mail (`report weekly --mail-to`) through the SMTP server named in
the settings. The password is read only from SALESCLI_SMTP_PASSWORD: never stored, never
printed. An unreachable server or a temporary answer (4xx to MAIL FROM, DATA, or to every
recipient, at least one of them temporarily) is temporary (exit 75: a cron wrapper may retry);
a refused login, a permanent answer (5xx) or a partial delivery (some recipients got the report)
is a refusal (exit 1). Each failure is one line."""

from __future__ import annotations

import os
from collections.abc import Sequence

from salescli.errors import Busy, InvalidData
from salescli.services import config

PASSWORD_ENV = "SALESCLI_SMTP_PASSWORD"


def _port(value: str) -> str:
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise InvalidData(f"smtp.port '{value}' is not a port number (1 to 65535, e.g. 587)")
    return str(int(text))


def _address(value: str) -> str:
    text = value.strip()
    if "@" not in text or any(c.isspace() for c in text):
        raise InvalidData(f"smtp.from '{value}' is not an e-mail address (e.g. sales@example.com)")
    return text


HOST = config.declare("smtp.host", None, "SMTP server for mailed reports (e.g. smtp.example.com)")
PORT = config.declare("smtp.port", "587", "SMTP port (587 with STARTTLS, 25 plain)", _port)
USER = config.declare(
    "smtp.user", None, "SMTP login (the password only from SALESCLI_SMTP_PASSWORD)"
)
STARTTLS = config.declare(
    "smtp.starttls",
    "true",
    "upgrade the SMTP connection with STARTTLS",
    config.choice("smtp.starttls", ("true", "false"), "true or false"),
)
FROM = config.declare("smtp.from", None, "sender address of mailed reports", _address)


def recipients(text: str) -> list[str]:
    """`a@x.com,b@y.com` → the addresses; InvalidData naming a bad one."""
    found = [part.strip() for part in text.split(",") if part.strip()]
    if not found:
        raise InvalidData("--mail-to names no address (e.g. --mail-to boss@example.com)")
    for address in found:
        local, at, domain = address.partition("@")
        if not at or not local or "." not in domain or any(c.isspace() for c in address):
            raise InvalidData(
                f"--mail-to '{address}' is not an e-mail address (e.g. boss@example.com)"
            )
    return found


def send(
    settings: config.Settings,
    *,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
) -> None:
    """Send `text` with `html` as its alternative to `to`."""
    import smtplib
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    host = settings.get(HOST.key)
    sender = settings.get(FROM.key)
    if not host:
        raise InvalidData(
            "no SMTP server: salescli config set smtp.host smtp.example.com (and smtp.from)"
        )
    if not sender:
        raise InvalidData("no sender address: salescli config set smtp.from sales@example.com")
    port = int(settings.get(PORT.key) or "587")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    user = settings.get(USER.key)
    try:
        with smtplib.SMTP(host, port, timeout=20) as server:
            if (settings.get(STARTTLS.key) or "true") == "true":
                server.starttls()
            if user:
                server.login(user, os.environ.get(PASSWORD_ENV, ""))
            partly = server.send_message(message, from_addr=sender, to_addrs=list(to))
    except smtplib.SMTPAuthenticationError:
        raise InvalidData(
            f"SMTP server {host}:{port} refused the login of '{user}' (check smtp.user and "
            f"{PASSWORD_ENV})"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        # Nothing was sent. One temporary refusal (4xx) among them makes the whole temporary:
        # a retry may deliver, and since nobody got the report, nobody gets it twice.
        raise _refused(host, port, exc.recipients) from None
    except smtplib.SMTPNotSupportedError:
        raise InvalidData(
            f"SMTP server {host}:{port} does not offer STARTTLS (config set smtp.starttls false "
            "for a plain connection)"
        ) from None
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise Busy(
                f"SMTP server {host}:{port} is busy ({exc.smtp_code}): try again later"
            ) from None
        raise InvalidData(
            f"SMTP server {host}:{port} refused the message ({exc.smtp_code})"
        ) from None
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise Busy(
            f"SMTP server {host}:{port} is unreachable ({reason}): try again later"
        ) from None
    if partly:
        # Sent to the others: a retry would mail them twice, so this is a refusal (exit 1)
        # whatever the codes, naming who got the report.
        got = ", ".join(a for a in to if a not in partly)
        raise InvalidData(
            f"SMTP server {host}:{port} delivered the report to {got} but refused "
            f"{_answers(partly)}"
        )


def _answers(refused: dict[str, tuple[int, bytes]]) -> str:
    """`a@x.com (451), b@y.com (550)`: each refused address with the server's code."""
    return ", ".join(f"{address} ({refused[address][0]})" for address in sorted(refused))


def _refused(host: str, port: int, refused: dict[str, tuple[int, bytes]]) -> Exception:
    """Every recipient refused: temporary (exit 75) when any refusal is a 4xx, else exit 1."""
    if any(400 <= code < 500 for code, _ in refused.values()):
        return Busy(
            f"SMTP server {host}:{port} refused the recipients for now: {_answers(refused)}: "
            "try again later"
        )
    return InvalidData(f"SMTP server {host}:{port} refused the recipients: {_answers(refused)}")
