"""A mail from a template, for one contact: an RFC 5322 message the rep's own tools send.

The draft is a whole message (From, To, Subject, Date, Message-ID, a UTF-8 body), so
it can be opened in mutt (`neomutt -H <(crm mail draft ...)`), saved as a file, or
handed to sendmail. The
stdlib `email` package writes it: non-ASCII names and subjects become RFC 2047 words,
the body 8bit UTF-8 (quoted-printable when a line is too long for 8bit). The
Message-ID is made here, so the mail logged when it is sent and the same mail seen
again later (`crm log email -` from the Sent folder) are one interaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crmcli.core import clock
from crmcli.core.errors import Invalid, NotFound, Refused
from crmcli.core.messages import fields, merge, templates

if TYPE_CHECKING:
    from email.message import EmailMessage

    from crmcli.core.config import Config
    from crmcli.core.db.store import Store

# 8bit allows lines up to 998 octets (RFC 5322 2.1.1); longer ones go quoted-printable.
_MAX_LINE = 998


@dataclass
class Draft:
    """A message ready to show, save or send, with what it was made from."""

    message: EmailMessage
    contact_id: int
    deal_id: int | None
    template: str  # the template's name
    to: str  # the address it goes to

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"]).strip()

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        content = "" if part is None else str(part.get_content())
        return content.replace("\r\n", "\n")

    def as_bytes(self) -> bytes:
        """The message as a file or a pipe holds it (`\\n` line ends: sendmail's own)."""
        from email import policy

        return self.message.as_bytes(policy=policy.default)


def sender(config: Config) -> tuple[str, str]:
    """(your name, your address) from the settings; Refused naming the setting to set."""
    address = str(config.get("me_email") or "").strip()
    if not address:
        raise Refused(
            "no sender address: set yours with `crm config set me_email you@example.com` "
            "(and your name with `crm config set me_name 'Your Name'`)"
        )
    return str(config.get("me_name") or "").strip(), address


def recipient(store: Store, contact_id: int) -> tuple[str, str]:
    """(the contact's name, their primary address); Refused when there is no address to
    write to, or the contact asked not to be contacted."""
    contact = store.row(
        "SELECT display_name, do_not_contact FROM contact WHERE id = ?", (contact_id,)
    )
    if contact is None:
        raise NotFound(f"no contact #{contact_id}")
    name = str(contact["display_name"])
    if contact["do_not_contact"]:
        raise Refused(f"{name} is marked do-not-contact: no mail drafted")
    row = store.row(
        "SELECT email, valid FROM contact_email WHERE contact_id = ? "
        "ORDER BY is_primary DESC, position, id LIMIT 1",
        (contact_id,),
    )
    if row is None:
        raise Refused(
            f"{name} has no email address (add one: crm contact edit {contact_id} --email ADDRESS)"
        )
    if not row["valid"]:
        raise Refused(f"{name}'s address {row['email']!r} is marked invalid: no mail drafted")
    return name, str(row["email"]).strip()


def draft(
    store: Store,
    config: Config,
    contact_id: int,
    template_name: str,
    deal_id: int | None = None,
) -> Draft:
    """The template rendered for this contact (and deal) as a whole message.

    Refused without a sender address (`me_email`), a recipient address, or for a
    do-not-contact contact; Invalid, naming the field, when the template uses a
    merge field this contact or deal has no value for.
    """
    template = templates.get(store, template_name)
    my_name, my_address = sender(config)
    their_name, their_address = recipient(store, contact_id)
    values = fields.values_for(store, config, contact_id=contact_id, deal_id=deal_id)
    what = f"template {template['name']!r}"
    if deal_id is None:
        wanted = merge.fields_in(template["subject"]) + merge.fields_in(template["body"])
        deal_fields = [name for name in wanted if name.startswith("deal.")]
        if deal_fields:
            raise Invalid(
                f"{what} uses {{{deal_fields[0]}}}: name the deal (crm mail draft REF "
                f"{template['name']!r} --deal DEAL)"
            )
    subject = " ".join(merge.render(template["subject"], values, what=what).split())
    body = merge.render(template["body"], values, what=what).rstrip("\n") + "\n"
    message = build((my_name, my_address), (their_name, their_address), subject, body)
    return Draft(message, contact_id, deal_id, template["name"], their_address)


def build(
    sender_pair: tuple[str, str],
    recipient_pair: tuple[str, str],
    subject: str,
    body: str,
) -> EmailMessage:
    """An RFC 5322 message: the email package encodes non-ASCII headers (RFC 2047)."""
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    try:
        message["From"] = _address(Address, *sender_pair)
        message["To"] = _address(Address, *recipient_pair)
    except (ValueError, IndexError) as exc:  # the email package's words for a bad address
        raise Invalid(f"cannot write the message's addresses: {exc}") from None
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.local_now())
    message["Message-ID"] = make_msgid(domain=_domain(sender_pair[1]))
    # No header naming the template: the recipient would read it ("X-Crm-Template:
    # chase-the-silent-ones"); the logged interaction keeps the name (`sending.send`).
    too_long = any(len(line.encode("utf-8")) > _MAX_LINE for line in body.split("\n"))
    encoding = "7bit" if body.isascii() and not too_long else "8bit"
    message.set_content(body, charset="utf-8", cte="quoted-printable" if too_long else encoding)
    return message


def _address(address_type: type, name: str, addr: str) -> object:
    """An Address header value; an internationalised domain in its ASCII (IDNA) form."""
    local, _, domain = addr.rpartition("@")
    if not local or not domain:
        raise Invalid(f"not an email address: {addr!r}")
    if not local.isascii():
        raise Invalid(f"{addr!r} has non-ASCII letters before the @, which this mail cannot carry")
    return address_type(display_name=name, username=local, domain=_domain(addr))


def _domain(addr: str) -> str:
    """The address's domain, IDNA-encoded when it has non-ASCII letters."""
    domain = addr.rpartition("@")[2].strip()
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise Invalid(f"cannot encode the domain of {addr!r}") from None


def drafts_folder() -> Path:
    """Where drafts the TUI writes are kept: `drafts/` in the user data folder (0700)."""
    from platformdirs import user_data_dir

    from crmcli.core.paths import APP_NAME

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "drafts"


def save_draft(made: Draft, folder: Path | None = None) -> Path:
    """Write the draft whole to a new `.eml` file (0600) in `folder` (the drafts folder
    by default), named by time, template and contact; returns its path."""
    import re

    from crmcli.core import atomic
    from crmcli.core.values.text import fold

    where = folder or drafts_folder()
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise Refused(f"cannot make the drafts folder {where}: {exc.strerror}") from None
    slug = re.sub(r"[^a-z0-9]+", "-", fold(made.template)).strip("-")[:40] or "draft"
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
    path = where / f"{stamp}-{slug}-{made.contact_id}.eml"
    number = 1
    while path.exists():  # two drafts in one second: never over an earlier one
        number += 1
        path = where / f"{stamp}-{slug}-{made.contact_id}-{number}.eml"
    try:
        with atomic.replacing(path) as tmp:
            tmp.write_bytes(made.as_bytes())
    except OSError as exc:
        raise Refused(f"cannot write the draft {path}: {exc.strerror}") from None
    return path
