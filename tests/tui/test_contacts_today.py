"""Contacts and today with Pilot: search, log, follow-up, edit, done, snooze; then the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crmcli.tui.messages import ContactsListed

from .conftest import notes, query, type_text, wait_for


def first_contact(db: Path) -> tuple[int, str]:
    [(cid, name)] = query(
        db, "SELECT id, display_name FROM contact WHERE archived_at IS NULL ORDER BY id LIMIT 1"
    )
    return int(cid), str(name)


async def open_contact(pilot: Any, app: Any, name: str) -> None:
    """Go to contacts, search for `name`, and leave the search box for the list."""
    await pilot.press("c")
    await wait_for(pilot, lambda: app.current_mode == "contacts")
    await type_text(pilot, name)
    await wait_for(pilot, lambda: app.screen.rows and app.screen.query_text == name)
    await pilot.press("enter")  # from the search box to the list


async def test_search_as_you_type(make_app: Any, seeded: Path) -> None:
    cid, name = first_contact(seeded)
    last = name.split()[-1]
    listed: list[ContactsListed] = []
    app = make_app()
    hook = lambda m: listed.append(m) if isinstance(m, ContactsListed) else None  # noqa: E731
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.press("c")
        await wait_for(pilot, lambda: listed)  # the first contacts by name
        for typed in range(1, len(last) + 1):
            await pilot.press(last[typed - 1])
            await wait_for(pilot, lambda n=typed: listed[-1].query == last[:n])
        ids = [r["id"] for r in app.screen.rows]
        assert cid in ids
        # The same matching as `crm find`.
        from crmcli.core.config import load
        from crmcli.core.db.opening import open_store
        from crmcli.core.search import find as search

        store = open_store(str(seeded), load(), write=False)
        assert ids == [h.contact_id for h in search.find(store, last, limit=50)]
        store.close()
        # The detail pane shows the highlighted contact.
        pane = str(app.screen.query_one("#contact-details").content)
        assert app.screen.rows[0]["name"] in pane


async def test_the_first_letters_list_names_they_begin(make_app: Any, seeded: Path) -> None:
    """One or two letters list the contacts with a name word beginning with them (the
    word's order, each contact once): a screenful read from the index, not `find`'s
    thousands of rows; the third letter is `find`'s search again."""
    _, name = first_contact(seeded)
    last = name.split()[-1].lower()
    listed: list[ContactsListed] = []
    app = make_app()
    hook = lambda m: listed.append(m) if isinstance(m, ContactsListed) else None  # noqa: E731
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.press("c")
        await wait_for(pilot, lambda: listed)
        await pilot.press("slash", last[0])  # to the search box: a letter may be a key
        await wait_for(pilot, lambda: listed[-1].query == last[0])
        rows = query(
            seeded,
            "SELECT t.contact_id FROM search_term t JOIN contact c ON c.id = t.contact_id "
            "WHERE t.term >= ? AND t.term < ? AND t.field = 'name' AND c.archived_at IS NULL "
            "ORDER BY t.term, t.contact_id",
            (last[0], last[0] + "\U0010ffff"),
        )
        wanted = list(dict.fromkeys(int(r[0]) for r in rows))[:30]
        assert len(wanted) > 1
        assert [r["id"] for r in app.screen.rows] == wanted
        await pilot.press(*last[1:3])
        await wait_for(pilot, lambda: listed[-1].query == last[:3])
        from crmcli.core.config import load
        from crmcli.core.db.opening import open_store
        from crmcli.core.search import find as search

        store = open_store(str(seeded), load(), write=False)
        found = [h.contact_id for h in search.find(store, last[:3], limit=30)]
        store.close()
        assert [r["id"] for r in app.screen.rows] == found


async def test_a_keystroke_never_waits_for_the_search_before_it(
    make_app: Any, seeded: Path
) -> None:
    """A search running in its worker holds the store; the next keystroke, even one
    cheap enough to answer at once, goes to a worker too rather than wait for the
    store on the interface's thread; only the latest query's results are shown."""
    import threading
    import time

    _, name = first_contact(seeded)
    word = name.split()[-1].lower()[:3]
    listed: list[ContactsListed] = []
    app = make_app()
    hook = lambda m: listed.append(m) if isinstance(m, ContactsListed) else None  # noqa: E731
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.press("c")
        await wait_for(pilot, lambda: listed)
        await pilot.press("slash", *word, "space")
        await wait_for(pilot, lambda: listed[-1].query == word + " ")
        lock, held, gate = app.session.lock, threading.Event(), threading.Event()

        def hold() -> None:  # a long search, as far as the store is concerned
            with lock:
                held.set()
                gate.wait(timeout=3)

        shown = len(listed)
        holder = threading.Thread(target=hold)
        holder.start()
        held.wait()
        await pilot.press("a")  # "abc a": a short word, so a worker's search
        started = time.perf_counter()
        await pilot.press("backspace")  # "abc ": cheap, but a search runs
        waited = time.perf_counter() - started
        gate.set()
        holder.join()
        await wait_for(pilot, lambda: listed[-1].query == word + " " and len(listed) > shown)
        assert waited < 1.5  # the gate would have held it 3 s
        assert all(m.query != word + " a" for m in listed)  # stale: never shown
        assert app.screen.query_text == word + " "
        screen = app.screen  # the pane, put off while the store was held, shows the cursor's
        await wait_for(pilot, lambda: screen.contact_id == screen._highlighted() is not None)


async def test_search_that_finds_nothing_says_so(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await type_text(pilot, "zzqqxx")
        await wait_for(
            pilot, lambda: "no contact" in str(app.screen.query_one("#contacts-status").content)
        )
        assert app.screen.rows == []


@pytest.mark.slow
async def test_log_a_call(make_app: Any, seeded: Path) -> None:
    cid, name = first_contact(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_contact(pilot, app, name)
        assert app.screen.contact_id == cid
        before = query(seeded, "SELECT count(*) FROM interaction WHERE contact_id = ?", (cid,))
        await pilot.press("l")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#summary").value = "Talked pricing"
        screen.query_one("#at").value = "yesterday 3pm"
        screen.query_one("#duration").value = "15m"
        screen.query_one("#outcome").value = "connected"
        screen.query_one("#next").value = "fri 10am"
        await pilot.pause()
        assert "→ Fri 27 Nov 2026 10:00" in str(screen.query_one("#hint-next").content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        rows = query(
            seeded,
            "SELECT kind, summary, duration_seconds, outcome, occurred_at FROM interaction "
            "WHERE contact_id = ? ORDER BY id DESC LIMIT 1",
            (cid,),
        )
        assert rows == [("call", "Talked pricing", 900, "connected", "2026-11-23T14:00:00.000000Z")]
        after = query(seeded, "SELECT count(*) FROM interaction WHERE contact_id = ?", (cid,))
        assert after[0][0] == before[0][0] + 1
        follow = query(
            seeded,
            "SELECT due_date, due_time FROM followup WHERE contact_id = ? ORDER BY id DESC LIMIT 1",
            (cid,),
        )
        assert follow == [("2026-11-27", "10:00")]
        assert any("Logged call" in n for n in notes(app))
        assert "Talked pricing" in str(app.screen.query_one("#contact-timeline").content)


@pytest.mark.slow
async def test_log_form_errors_save_nothing(make_app: Any, seeded: Path) -> None:
    _cid, name = first_contact(seeded)
    before = query(seeded, "SELECT count(*) FROM interaction")[0][0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_contact(pilot, app, name)
        await pilot.press("l")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#summary").value = "A call"
        screen.query_one("#duration").value = "a while"
        screen.query_one("#next").value = "someday soon"
        await pilot.pause()
        assert "cannot read" in str(screen.query_one("#hint-next").content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "duration" in str(screen.query_one("#error-duration").content)
        screen.query_one("#duration").value = "5m"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "cannot read" in str(screen.query_one("#error-next").content)
        assert query(seeded, "SELECT count(*) FROM interaction")[0][0] == before


@pytest.mark.slow
async def test_add_a_follow_up(make_app: Any, seeded: Path) -> None:
    cid, name = first_contact(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_contact(pilot, app, name)
        await pilot.press("f")
        await pilot.pause()
        await type_text(pilot, "next mon 9am")
        await pilot.pause()
        assert "→ Mon 30 Nov 2026 09:00" in str(app.screen.query_one("#hint-when").content)
        await pilot.press("tab")
        await type_text(pilot, "Send the deck")
        await pilot.press("enter")
        await pilot.pause()
        rows = query(
            seeded,
            "SELECT due_date, due_time, note FROM followup WHERE contact_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (cid,),
        )
        assert rows == [("2026-11-30", "09:00", "Send the deck")]


@pytest.mark.slow
async def test_edit_a_contact(make_app: Any, seeded: Path) -> None:
    cid, name = first_contact(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_contact(pilot, app, name)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#title").value = "Head of Buying"
        app.screen.query_one("#tags").value = "vip, golf"
        await pilot.press("ctrl+s")
        await pilot.pause()
        [(title,)] = query(seeded, "SELECT title FROM contact WHERE id = ?", (cid,))
        assert title == "Head of Buying"
        tags = query(
            seeded, "SELECT tag FROM contact_tag WHERE contact_id = ? ORDER BY tag", (cid,)
        )
        assert tags == [("golf",), ("vip",)]
        # A bad email is refused inline and nothing is changed.
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#emails").value = "not-an-email"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "email" in str(app.screen.query_one("#error-emails").content)
        await pilot.press("escape")
        emails = query(seeded, "SELECT count(*) FROM contact_email WHERE contact_id = ?", (cid,))
        assert emails[0][0] >= 1


def first_overdue(db: Path) -> tuple[int, str]:
    """The follow-up the Today screen lists first: the core's most overdue one."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from crmcli.core.config import Config
    from crmcli.core.db.opening import open_store
    from crmcli.core.overview.agenda import overdue

    store = open_store(str(db), Config({}, db.with_suffix(".toml")), write=False)
    try:
        now = datetime.fromisoformat("2026-11-24T09:30:00+00:00").astimezone(
            ZoneInfo("Europe/Paris")
        )
        first = overdue(store, now, limit=None).rows[0]
    finally:
        store.close()
    return int(first["id"]), str(first["due_date"])


async def test_today_space_marks_done(make_app: Any, seeded: Path) -> None:
    fid, _ = first_overdue(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.selected_key() == f"f{fid}"
        await pilot.press("space")
        await pilot.pause()
        [(status,)] = query(seeded, "SELECT status FROM followup WHERE id = ?", (fid,))
        assert status == "done"
        assert f"f{fid}" not in app.screen.items


@pytest.mark.slow
async def test_today_snooze_with_a_phrase(make_app: Any, seeded: Path) -> None:
    fid, due_date = first_overdue(seeded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        await type_text(pilot, "next fri 10am")
        await pilot.pause()
        hint = str(app.screen.query_one("#hint-until").content)
        assert hint == "→ Fri 4 Dec 2026 10:00"
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await type_text(pilot, "xyz")
        await pilot.pause()
        assert "cannot read" in str(app.screen.query_one("#hint-until").content)
        await pilot.press("enter")  # refused inline
        await pilot.pause()
        assert "cannot read" in str(app.screen.query_one("#error-until").content)
        app.screen.query_one("#until").value = "fri 10am"
        await pilot.press("enter")
        await pilot.pause()
        rows = query(
            seeded,
            "SELECT due_date, due_time, snooze_count, original_due_date FROM followup WHERE id = ?",
            (fid,),
        )
        assert rows == [("2026-11-27", "10:00", 1, due_date)]


async def test_today_shows_a_change_from_another_shell(make_app: Any, other_shell: Any) -> None:
    from crmcli.core.activity import followups

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        fid = int(app.screen.selected_key()[1:])
        followups.done(other_shell, fid)
        await wait_for(pilot, lambda: f"f{fid}" not in app.screen.items, timeout=2.0)


async def test_today_enter_on_a_follow_up_opens_its_contact(make_app: Any, seeded: Path) -> None:
    fid, _ = first_overdue(seeded)
    [(cid,)] = query(seeded, "SELECT contact_id FROM followup WHERE id = ?", (fid,))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "contacts")
        await wait_for(pilot, lambda: app.screen.contact_id == cid)


def test_a_contacts_deals_are_read_for_that_contact_and_again_after_a_change(
    seeded: Path,
) -> None:
    """The detail pane's deals: the contact's own, open first, each contact read through
    the index when first shown, and read again once the data has changed."""
    from crmcli.core.config import load
    from crmcli.core.db.opening import open_store
    from crmcli.tui.session import Session

    [(contact_id,)] = query(
        seeded,
        "SELECT contact_id FROM deal WHERE contact_id IS NOT NULL "
        "GROUP BY contact_id ORDER BY count(*) DESC, contact_id LIMIT 1",
    )
    session = Session(open_store(str(seeded), load(), write=True))
    try:
        wanted = query(seeded, "SELECT id, status FROM deal WHERE contact_id = ?", (contact_id,))
        deals = session.deals_of(contact_id, 0)
        assert sorted(d["id"] for d in deals) == sorted(r[0] for r in wanted)
        statuses = [d["status"] == "open" for d in deals]
        assert statuses == sorted(statuses, reverse=True)  # open first
        with session.store.write("test") as tx:
            tx.execute("UPDATE deal SET contact_id = NULL WHERE id = ?", (deals[0]["id"],))
        assert len(session.deals_of(contact_id, 0)) == len(deals)  # kept: no change seen
        assert len(session.deals_of(contact_id, 1)) == len(deals) - 1  # read again
    finally:
        session.close()


async def test_keys_typed_in_a_burst_all_reach_the_search(make_app: Any) -> None:
    """ "/ole" arriving at once (a fast typist, a paste): the box takes the focus at the
    slash, so l and e are typed, not the list's Log and Edit keys."""
    from textual import events

    listed: list[ContactsListed] = []
    app = make_app()
    hook = lambda m: listed.append(m) if isinstance(m, ContactsListed) else None  # noqa: E731
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.press("c")
        await wait_for(pilot, lambda: listed)
        for key, char in [("slash", "/"), ("o", "o"), ("l", "l"), ("e", "e"), ("space", " ")]:
            app.post_message(events.Key(key, char))  # no wait between them
        await wait_for(pilot, lambda: listed[-1].query == "ole ")
        assert len(app.screen_stack) == 1  # no Log or Edit form opened
