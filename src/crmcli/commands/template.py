"""`crm template ...`: the mails a rep writes again and again, with merge fields."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.commands import _complete
from crmcli.commands._options import FormatOpt, JsonFlag
from crmcli.commands._output import LIST_FORMATS, Column, OutputFormat, message, render, resolve
from crmcli.commands._state import state

if TYPE_CHECKING:
    from crmcli.core.db.store import Store
    from crmcli.core.messages.templates import Parsed

app = typer.Typer(
    name="template",
    no_args_is_help=True,
    help="Message templates with merge fields (first_name, company, deal.title... in braces), "
    "for crm mail draft.",
)


def _names(store: Store, incomplete: str) -> list[tuple[str, str]]:
    from crmcli.core.messages.templates import list_templates
    from crmcli.core.values.text import fold

    typed = fold(incomplete)
    return [
        (t["name"], t["subject"])
        for t in list_templates(store)
        if fold(t["name"]).startswith(typed)
    ]


names = _complete._quiet(_names)  # the shared quiet wrapper: no error in a TAB press

Name = Annotated[
    str,
    typer.Argument(help="The template's name.", show_default=False, autocompletion=names),
]
SubjectOpt = Annotated[
    str | None,
    typer.Option(
        "--subject", "-s", help="The subject line (merge fields allowed).", show_default=False
    ),
]
BodyOpt = Annotated[
    str | None,
    typer.Option("--body", "-b", help="The body text (merge fields allowed).", show_default=False),
]
BodyFileOpt = Annotated[
    str | None,
    typer.Option(
        "--body-file",
        "-f",
        metavar="FILE",
        help="Read the body from FILE (`-`: standard input).",
        show_default=False,
    ),
]
DescriptionOpt = Annotated[
    str | None,
    typer.Option("--description", "-d", help="A line saying what it is for.", show_default=False),
]
SourceArg = Annotated[
    str | None,
    typer.Argument(
        metavar="FILE",
        help="The whole template from FILE (`-`: standard input): 'Subject: ...', a blank "
        "line, the body. With --subject, FILE holds only the body.",
        show_default=False,
    ),
]
COLUMNS = [
    Column("name", "NAME"),
    Column("subject", "SUBJECT", max_width=60),
    Column("description", "DESCRIPTION", max_width=50),
]


def _read(source: str) -> str:
    """A file's text, or standard input's for `-`; one line when it cannot be read."""
    from crmcli.core.errors import Invalid

    if source == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    else:
        try:
            data = Path(source).expanduser().read_bytes()
        except OSError as exc:
            raise Invalid(f"cannot read {source}: {exc.strerror}") from None
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        where = "standard input" if source == "-" else source
        raise Invalid(f"{where} is not UTF-8 text") from None


def _given(
    subject: str | None,
    body: str | None,
    body_file: str | None,
    source: str | None,
    description: str | None,
) -> Parsed | None:
    """The template the options and FILE say, or None when they say nothing (the editor)."""
    from crmcli.core.errors import Invalid
    from crmcli.core.messages import templates

    if body is not None and body_file is not None:
        raise Invalid("give --body or --body-file, not both")
    if source is not None and (body is not None or body_file is not None):
        raise Invalid("give FILE (or -) or --body/--body-file, not both")
    if source is not None and subject is None:
        parsed = templates.parse(_read(source))
        if description is not None:
            parsed["description"] = templates.check_description(description)
        return parsed
    file = body_file if body_file is not None else source
    text = body if body is not None else _read(file) if file is not None else None
    if text is None:
        return None
    if subject is None:
        raise Invalid("a template needs --subject too (or give the whole template as FILE or -)")
    return {
        "subject": templates.check_subject(subject),
        "description": templates.check_description(description),
        "body": templates.check_body(text),
    }


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The new template's name.", show_default=False)],
    source: SourceArg = None,
    subject: SubjectOpt = None,
    body: BodyOpt = None,
    body_file: BodyFileOpt = None,
    description: DescriptionOpt = None,
) -> None:
    """Add a template: --subject and --body (or --body-file), a FILE, or $EDITOR.

    crm template add thanks -s 'Thanks' -b 'Good to talk today...' (merge fields in
    braces: first_name, company, deal.title, me.name...). With no body given, $EDITOR
    opens on a skeleton listing every merge field. An unknown field is refused when
    saved (exit 2); a name in use is refused (exit 1).
    """
    from crmcli.core.messages import templates

    checked = templates.check_name(name)
    given = _given(subject, body, body_file, source, description)
    store = state(ctx).store(write=True)
    if given is None:
        templates.check_free(store, checked)  # said before the editor opens, not after
        from crmcli.commands._bulk_flow import edit_file

        given = edit_file(templates.skeleton(subject or ""), templates.parse, name="template.txt")
        if description is not None and given["description"] is None:
            given["description"] = templates.check_description(description)
    template = templates.add(store, checked, given["subject"], given["body"], given["description"])
    print(f"added template {template['name']}: {template['subject']}")


@app.command("edit")
def edit(
    ctx: typer.Context,
    name: Name,
    subject: SubjectOpt = None,
    body: BodyOpt = None,
    body_file: BodyFileOpt = None,
    description: DescriptionOpt = None,
    rename: Annotated[
        str | None, typer.Option("--rename", help="A new name.", show_default=False)
    ] = None,
) -> None:
    """Change a template: the options given, or the whole of it in $EDITOR.

    Saved only when it still reads (known merge fields, a subject and a body); `crm
    undo` takes the change back.
    """
    from crmcli.core.errors import Invalid
    from crmcli.core.messages import templates

    if body is not None and body_file is not None:
        raise Invalid("give --body or --body-file, not both")
    store = state(ctx).store(write=True)
    template = templates.get(store, name)
    text = body if body is not None else _read(body_file) if body_file is not None else None
    if subject is None and text is None and description is None and rename is None:
        from crmcli.commands._bulk_flow import edit_file

        parsed = edit_file(templates.dump(template), templates.parse, name="template.txt")
        subject, text = parsed["subject"], parsed["body"]
        description = parsed["description"] or ""
    result, changed = templates.edit(
        store,
        template["name"],
        subject=subject,
        body=text,
        description=description,
        new_name=rename,
    )
    if not changed:
        message(f"template {result['name']} is already as asked; nothing changed")
        return
    print(f"updated template {result['name']}: {result['subject']}")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None, as_json: JsonFlag = False) -> None:
    """The templates: name, subject, description. Exit 1 when there are none."""
    from crmcli.core.messages.templates import list_templates

    chosen = resolve(fmt, as_json, LIST_FORMATS)
    found = list_templates(state(ctx).store())
    if chosen is OutputFormat.table:
        rows = [
            {"name": t["name"], "subject": t["subject"], "description": t["description"]}
            for t in found
        ]
    else:
        rows = [
            {
                "name": t["name"],
                "subject": t["subject"],
                "body": t["body"],
                "description": t["description"],
                "updated_at": t["updated_at"],
            }
            for t in found
        ]
    render(rows, chosen, COLUMNS)
    if not found:
        if chosen is OutputFormat.table:
            message("no templates yet (crm template add NAME)")
        raise typer.Exit(1)


@app.command("show")
def show(ctx: typer.Context, name: Name, as_json: JsonFlag = False) -> None:
    """One template as the editor shows it: its Subject line, a blank line, its body."""
    from crmcli.commands._output import render_record
    from crmcli.core.messages import merge, templates

    template = templates.get(state(ctx).store(), name)
    if as_json:
        record: dict[str, object] = {
            "name": template["name"],
            "subject": template["subject"],
            "body": template["body"],
            "description": template["description"],
            "fields": merge.fields_in(template["subject"] + "\n" + template["body"]),
            "created_at": template["created_at"],
            "updated_at": template["updated_at"],
        }
        render_record(record, OutputFormat.json, [])
        return
    # The form `crm template add NAME FILE` reads back, description included: what
    # `show` prints can be saved, edited and added again.
    out = [f"# template {template['name']}", f"Subject: {template['subject']}"]
    if template["description"]:
        out.append(f"Description: {template['description']}")
    out += ["", template["body"]]
    print("\n".join(out))


@app.command("rm")
def rm(ctx: typer.Context, name: Name) -> None:
    """Remove a template (`crm undo` brings it back)."""
    from crmcli.core.messages import templates

    template = templates.remove(state(ctx).store(write=True), name)
    print(f"removed template {template['name']} (crm undo brings it back)")
