"""`crm mail draft REF TEMPLATE`: a template as a mail to a contact, to read, edit or send."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.commands import _complete
from crmcli.commands._output import message
from crmcli.commands._state import state
from crmcli.commands.template import names as template_names

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.messages.drafts import Draft

app = typer.Typer(
    name="mail",
    no_args_is_help=True,
    help="Mail from templates: drafts for your mail client, or sent with your sendmail.",
)


@app.command("draft")
def draft(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            help="The contact: id, email, exact name or unique prefix.",
            show_default=False,
            autocompletion=_complete.contacts,
        ),
    ],
    template: Annotated[
        str,
        typer.Argument(
            help="The template's name (crm template list).",
            show_default=False,
            autocompletion=template_names,
        ),
    ],
    deal: Annotated[
        str | None,
        typer.Option(
            "--deal",
            help="The deal it is about (id or title): fills {deal.*} and is logged with it.",
            show_default=False,
            autocompletion=_complete.deals,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the message to FILE (not over an existing one without --force).",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With -o: replace an existing file.")
    ] = False,
    edit: Annotated[
        bool,
        typer.Option("--edit", "-e", help="Open the message in $EDITOR; then ask before sending."),
    ] = False,
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="Send it with sendmail_command and log it as an outgoing email.",
        ),
    ] = False,
) -> None:
    """Write a template as an RFC 5322 mail to a contact (stdout by default).

    neomutt -H <(crm mail draft hel thanks) opens it in mutt as a draft; -o FILE keeps
    it; --send hands it to your sendmail-compatible command (crm config set
    sendmail_command 'msmtp -t') and logs it on the contact, with the template's name
    and the Message-ID, so the same mail piped to `crm log email -` later is not logged
    twice. From is your me_name and me_email settings; To, the contact's primary
    address. A merge field the contact (or deal) has no value for refuses the draft
    (exit 2); no address, a do-not-contact contact, or a failing sendmail: exit 1,
    nothing logged.
    """
    from crmcli.core.messages import drafts
    from crmcli.core.search.refs import resolve_contact

    app_state = state(ctx)
    store = app_state.store(write=send or edit)
    contact_id = resolve_contact(store, ref)
    deal_id = None
    if deal is not None:
        from crmcli.core.pipeline.deals import resolve_deal

        deal_id = resolve_deal(store, deal)
    if output is not None and str(output) != "-":
        _check_output(store, output, force)
    made = drafts.draft(store, app_state.config, contact_id, template, deal_id)
    if edit:
        made = _edited(made)
        send = _ask_send(made, send, bool(app_state.config.get("sendmail_command")))
    if send:
        _send(store, made)
        if output is not None:
            _write(store, made, output, force)
        return
    _write(store, made, output, force)


def _check_output(store: Store, path: Path, force: bool) -> None:
    """Refuse a target before anything is drafted (or sent): not the database, not an
    existing file without --force."""
    from crmcli.core.db import guarded

    guarded.check_target(guarded.database_path(store), path, replace=force)


def _write(store: Store, made: Draft, output: Path | None, force: bool) -> None:
    """The message to stdout, or whole to FILE (a 0600 temporary renamed into place)."""
    data = made.as_bytes()
    if output is None or str(output) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from crmcli.core.db import guarded

    with guarded.replacing(store, output, replace=force) as tmp:
        tmp.write_bytes(data)
    message(f"wrote the draft to {made.to} in {output}")


def _edited(made: Draft) -> Draft:
    """The draft after the rep's editor: read back as a message; its Message-ID kept."""
    import subprocess
    import tempfile
    from email import policy
    from email.parser import BytesParser

    from crmcli.commands._bulk_flow import editor
    from crmcli.core.errors import Invalid, Refused

    command = editor()
    with tempfile.TemporaryDirectory(prefix="crm-mail-") as folder:
        path = Path(folder) / "draft.eml"  # the folder is 0700: an address and a mail
        path.write_bytes(made.as_bytes())
        path.chmod(0o600)
        try:
            code = subprocess.run([*command, str(path)]).returncode
        except OSError as exc:
            raise Refused(f"cannot run the editor {command[0]!r}: {exc.strerror}") from None
        if code:
            raise Refused(f"the editor exited with status {code}; nothing sent")
        data = path.read_bytes()
    edited = BytesParser(policy=policy.default).parsebytes(data)
    if not edited["To"]:
        raise Invalid("the edited message has no To line; nothing sent")
    if edited.get_body(preferencelist=("plain",)) is None:
        raise Invalid("the edited message has no text body; nothing sent")
    if not edited["Message-ID"]:
        edited["Message-ID"] = made.message_id
    made.message = edited
    return made


def _ask_send(made: Draft, send: bool, can_send: bool) -> bool:
    """After editing: on a terminal, ask (yes by default when --send was given; not at
    all when no sendmail_command is set and --send was not asked for); with no
    terminal, --send decides."""
    if not sys.stdin.isatty() or not (send or can_send):
        return send
    return typer.confirm(f"Send it to {made.to} now?", default=send)


def _send(store: Store, made: Draft) -> None:
    from crmcli.commands.hot.log import describe_interaction
    from crmcli.core.messages import sending

    result = sending.send(store, store.config, made)
    if isinstance(result, int):
        print(f"sent to {made.to}; already logged as email #{result}")
        return
    print(f"sent to {made.to} (Message-ID {made.message_id})")
    print(describe_interaction(result.interaction))
