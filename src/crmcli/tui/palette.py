"""The command palette's list of every action, each run on what is on screen.

An action acts where the rep is looking: a deal action on the deal screen acts on
that deal; "Log an interaction" on the pipeline logs with the selected card's
contact, on today with the highlighted row's. Only an action the screen on view
cannot do goes to the screen it belongs to (moving a deal from Contacts goes to
the pipeline).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from crmcli.tui.context import app_of, in_view
from crmcli.tui.messages import DataChanged

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

# What the contact actions open when the screen on view has no key of its own for them.
CONTACT_ACTIONS = ("log", "followup", "edit_contact", "new_contact")

# (title, help, mode it runs in (None: anywhere), action on that screen)
ACTIONS: tuple[tuple[str, str, str | None, str], ...] = (
    ("Go to pipeline", "The board of open deals (p)", "pipeline", ""),
    ("Go to contacts", "Search contacts and see their history (c)", "contacts", ""),
    ("Go to today", "Follow-ups due, touches due, deals at risk (t)", "today", ""),
    ("Go to agenda", "The coming days' follow-ups, day by day (a)", "agenda", ""),
    ("Show more days", "A week more on the agenda (+)", "agenda", "days(1)"),
    ("Show fewer days", "A week fewer on the agenda (-)", "agenda", "days(-1)"),
    ("New deal", "Add a deal (n on the pipeline)", "pipeline", "new_deal"),
    ("Filter cards", "Filter the board as you type (/)", "pipeline", "filter"),
    ("Move deal to next stage", "The deal on screen (])", "pipeline", "move_deal(1)"),
    (
        "Move deal to previous stage",
        "The deal on screen ([)",
        "pipeline",
        "move_deal(-1)",
    ),
    ("Mark deal won", "The deal on screen (w)", "pipeline", "won"),
    ("Mark deal lost", "The deal on screen, with a reason (x)", "pipeline", "lost"),
    ("Open deal", "Details, history, timeline, edit (enter)", "pipeline", "open_deal"),
    ("Search contacts", "Type to search (/ on contacts)", "contacts", "search"),
    ("New contact", "Add a contact (n on contacts)", None, "new_contact"),
    ("Log an interaction", "Call, email, meeting... with the contact on screen (l)", None, "log"),
    ("Add a follow-up", "With the contact on screen (f)", None, "followup"),
    ("Edit contact", "The contact on screen (e on contacts)", None, "edit_contact"),
    (
        "Mark follow-up done",
        "The selected follow-up, on today or the agenda (space)",
        "today",
        "done",
    ),
    (
        "Snooze follow-up",
        "The selected follow-up to a new date, on today or the agenda (s)",
        "today",
        "snooze",
    ),
    ("Undo", "Take back your most recent change (u)", None, "app.undo"),
    ("Show keys", "Every key, screen by screen (?)", None, "app.keys"),
    ("Quit", "Leave crm (q, ctrl+q)", None, "app.quit"),
)


async def run(app: App[Any], mode: str | None, action: str) -> None:
    """Run a palette action on the screen on view if it can, else on its mode's screen."""
    screen = app.screen
    name = action.split("(", 1)[0]
    if action and not action.startswith("app.") and hasattr(screen, f"action_{name}"):
        await app.run_action(action, screen)
        return
    if name in CONTACT_ACTIONS:
        _contact_form(app, screen, name)
        return
    if mode is not None:
        if app.current_mode != mode:
            await app.switch_mode(mode)
        while len(app.screen_stack) > 1:  # back to the mode's main screen
            await app.pop_screen()
    if action:
        await app.run_action(action, app.screen)


def _contact_form(app: App[Any], screen: Screen[Any], name: str) -> None:
    """Open a contact form on the contact the screen shows (or an empty contact field)."""
    from crmcli.tui.modals.form import FormModal

    shown = in_view(screen)
    contact_id, contact = (shown[0], shown[1]) if shown else (None, "")
    form: FormModal
    if name == "log":
        from crmcli.tui.modals.log_form import LogForm

        form = LogForm(contact_id, contact)
    elif name == "followup":
        from crmcli.tui.modals.followup_form import FollowupForm

        form = FollowupForm(contact_id, contact)
    else:
        from crmcli.core.people import directory
        from crmcli.tui.modals.contact_form import ContactForm

        if name == "edit_contact" and contact_id is None:
            app.notify("No contact on screen: open one first (c)", severity="warning")
            return
        person = None
        if name == "edit_contact" and contact_id is not None:
            session = app_of(screen).session
            with session.lock:
                person = directory.get(session.store, contact_id)
        form = ContactForm(person)

    def saved(result: Any) -> None:
        if result:
            said = result[0] if isinstance(result, tuple) else str(result)
            app_of(screen).changed()
            app.notify(said)
            screen.post_message(DataChanged())  # the screen reads its data again

    app.push_screen(form, saved)


class ActionsProvider(Provider):
    """Every crm action, found by name."""

    def _command(self, mode: str | None, action: str) -> Any:
        return partial(run, self.app, mode, action)

    async def discover(self) -> Hits:
        for title, help_text, mode, action in ACTIONS:
            yield DiscoveryHit(title, self._command(mode, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, mode, action in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), self._command(mode, action), help=help_text
                )
