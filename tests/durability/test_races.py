"""Contradictory commands racing in real processes end as some serial order would have.

Every rule that depends on the current state (a closed deal cannot move, a done
follow-up cannot be snoozed, a merged contact cannot be merged again, a stage with
deals cannot go) is decided inside the write transaction. Each round here starts
two or three `crm` command lines in forked processes, released together by a
barrier, on their own connections, on SQLite and on PostgreSQL; the outcome (exit
codes, final rows, history) must be one that running them one after the other
could give.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from crmcli.core.config import Config
from crmcli.core.db.opening import open_store
from tests.conftest import invoke

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

ROUNDS = 20


def _run(argv: list[str], start: Any, results: Any, slot: int) -> None:
    """One command line, in its own process and connection, once every racer is ready."""
    from crmcli.cli import run

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        start.wait(timeout=60)
        code = run(argv)
    results.put((slot, code, err.getvalue().strip()))


def race(*commands: Sequence[str]) -> list[tuple[int, str]]:
    """Run the command lines at the same instant; (exit code, stderr) of each, in order."""
    # Loaded once here, so the children start level.
    import crmcli.cli
    import crmcli.commands.contact
    import crmcli.commands.deal
    import crmcli.commands.followup
    import crmcli.commands.stage  # noqa: F401

    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(commands))
    results = context.Queue()
    procs = [
        context.Process(target=_run, args=(list(argv), start, results, slot))
        for slot, argv in enumerate(commands)
    ]
    for proc in procs:
        proc.start()
    got = dict((slot, (code, err)) for slot, code, err in (results.get(timeout=120) for _ in procs))
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return [got[slot] for slot in range(len(commands))]


def query(backend: str, tmp_path: Path) -> Callable[..., list[dict[str, Any]]]:
    def rows(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        store = open_store(backend, Config({}, tmp_path / "q.toml"), write=False)
        try:
            return store.rows(sql, params)
        finally:
            store.close()

    return rows


def ok(*args: str) -> dict[str, Any]:
    out = invoke(*args, "--json")
    assert out.exit_code == 0, out.stderr
    found: dict[str, Any] = json.loads(out.stdout)
    return found


def test_a_lost_deal_is_never_reopened_by_a_racing_move(backend: str, tmp_path: Path) -> None:
    assert invoke("contact", "add", "Ann Lee").exit_code == 0
    ids = [int(ok("deal", "add", f"Deal {i}", "--contact", "ann")["id"]) for i in range(ROUNDS)]
    rows = query(backend, tmp_path)
    wrong: list[str] = []
    for deal_id in ids:
        reason = f"budget cut {deal_id}"
        (lost, lost_err), (moved, moved_err) = race(
            ["deal", "lost", str(deal_id), "--reason", reason],
            ["deal", "move", str(deal_id), "Demo"],
        )
        (deal,) = rows(
            "SELECT d.status, d.lost_reason, s.name AS stage FROM deal d "
            "JOIN stage s ON s.id = d.stage_id WHERE d.id = ?",
            (deal_id,),
        )
        path = [
            r["name"]
            for r in rows(
                "SELECT s.name FROM deal_stage_change h JOIN stage s ON s.id = h.to_stage_id "
                "WHERE h.deal_id = ? ORDER BY h.id",
                (deal_id,),
            )
        ]
        # Lost first: the move is refused. Moved first: both succeed, and it ends lost.
        refused = moved != 0 and "is lost: reopen it first" in moved_err
        serial = (refused and path == ["Lead", "Lost"]) or (
            moved == 0 and path == ["Lead", "Demo", "Lost"]
        )
        if not (
            lost == 0
            and serial
            and (deal["status"], deal["stage"], deal["lost_reason"]) == ("lost", "Lost", reason)
        ):
            wrong.append(
                f"#{deal_id}: lost -> {lost} {lost_err!r}, move -> {moved} {moved_err!r}, "
                f"ends {deal}, history {' > '.join(path)}"
            )
    assert not wrong, f"{len(wrong)} of {ROUNDS} races ended in no serial order:\n" + "\n".join(
        wrong
    )


def test_a_done_follow_up_is_done_once_and_never_snoozed_after(
    backend: str, tmp_path: Path
) -> None:
    assert invoke("contact", "add", "Ann Lee").exit_code == 0
    ids = [int(ok("followup", "add", "ann", "+2d", f"Call {i}")["id"]) for i in range(ROUNDS)]
    rows = query(backend, tmp_path)
    wrong: list[str] = []
    for fid in ids:
        outcome = race(
            ["followup", "done", str(fid)],
            ["followup", "snooze", str(fid), "+5d"],
            ["followup", "done", str(fid)],
        )
        (row,) = rows("SELECT status, snooze_count FROM followup WHERE id = ?", (fid,))
        log = [
            r["command"].split()[1]
            for r in rows(
                "SELECT command FROM change_log WHERE table_name = 'followup' AND row_id = ? "
                "ORDER BY id",
                (fid,),
            )
        ]
        codes = [code for code, _ in outcome]
        dones = [codes[0], codes[2]]
        # One done wins; the snooze succeeds only if it came before it.
        serial = dones.count(0) == 1 and row["status"] == "done"
        if codes[1] == 0:
            serial = serial and log == ["add", "snooze", "done"] and row["snooze_count"] == 1
        else:
            serial = serial and log == ["add", "done"] and row["snooze_count"] == 0
        if not serial:
            wrong.append(f"#{fid}: {outcome}, ends {row}, log {log}")
    assert not wrong, f"{len(wrong)} of {ROUNDS} races ended in no serial order:\n" + "\n".join(
        wrong
    )


def test_a_contact_is_merged_away_once(backend: str, tmp_path: Path) -> None:
    rounds = ROUNDS // 2  # a merge takes a backup first: fewer, slower rounds
    trios = [
        (
            int(ok("contact", "add", f"Keep One {i}")["id"]),
            int(ok("contact", "add", f"Dup Two {i}", "--title", "CTO", "--note", "met")["id"]),
            int(ok("contact", "add", f"Keep Three {i}")["id"]),
        )
        for i in range(rounds)
    ]
    rows = query(backend, tmp_path)
    wrong: list[str] = []
    for first, dup, third in trios:
        outcome = race(
            ["contact", "merge", str(first), str(dup), "--yes"],
            ["contact", "merge", str(third), str(dup), "--yes"],
        )
        codes = [code for code, _ in outcome]
        keeps = {
            r["id"]: r["title"]
            for r in rows(
                "SELECT id, title FROM contact WHERE id IN (?, ?, ?)", (first, dup, third)
            )
        }
        winner = first if codes[0] == 0 else third
        loser = third if winner == first else first
        serial = (
            sorted(codes)[0] == 0
            and sorted(codes)[1] != 0
            and dup not in keeps
            and keeps == {winner: "CTO", loser: None}
        )
        if not serial:
            wrong.append(f"{first} <- {dup} vs {third} <- {dup}: {outcome}, ends {keeps}")
    assert not wrong, f"{len(wrong)} of {rounds} races ended in no serial order:\n" + "\n".join(
        wrong
    )


def test_a_stage_is_never_removed_under_a_deal_moving_in(backend: str, tmp_path: Path) -> None:
    assert invoke("contact", "add", "Ann Lee").exit_code == 0
    ids = [int(ok("deal", "add", f"Deal {i}", "--contact", "ann")["id"]) for i in range(ROUNDS)]
    for i in range(ROUNDS):
        # Names of one length: "Extra 1" would also be a prefix of "Extra 10".
        out = invoke("stage", "add", f"Extra {i:02d}", "--probability", "30")
        assert out.exit_code == 0, out.stderr
    rows = query(backend, tmp_path)
    wrong: list[str] = []
    for i, deal_id in enumerate(ids):
        name = f"Extra {i:02d}"
        (removed, rm_err), (moved, move_err) = race(
            ["stage", "rm", name], ["deal", "move", str(deal_id), name]
        )
        (deal,) = rows(
            "SELECT s.name AS stage FROM deal d JOIN stage s ON s.id = d.stage_id WHERE d.id = ?",
            (deal_id,),
        )
        # Removed first: the move names an unknown stage. Moved first: rm is refused.
        serial = (
            removed == 0 and moved != 0 and "unknown stage" in move_err and deal["stage"] == "Lead"
        ) or (
            removed != 0 and "still holds 1 deal" in rm_err and moved == 0 and deal["stage"] == name
        )
        if not serial:
            wrong.append(
                f"#{deal_id} into {name}: rm -> {removed} {rm_err!r}, move -> {moved} "
                f"{move_err!r}, ends in {deal['stage']}"
            )
    assert not wrong, f"{len(wrong)} of {ROUNDS} races ended in no serial order:\n" + "\n".join(
        wrong
    )


def test_racing_undos_take_back_each_change_once(backend: str, tmp_path: Path) -> None:
    """Three `crm undo` at once take back the three newest changes, one each: never the
    same change twice (which re-applies an old image), never a change under a newer one."""
    import crmcli.commands.undo  # noqa: F401  (loaded before the fork, as the others)

    rows = query(backend, tmp_path)
    wrong: list[str] = []
    for round_ in range(ROUNDS // 2):
        name = f"Undo Person{round_}"
        contact = int(ok("contact", "add", name)["id"])
        for step in range(1, 5):
            assert invoke("contact", "edit", str(contact), "--note", f"v{step}").exit_code == 0
        outcome = race(["undo"], ["undo"], ["undo"])
        done = sum(code == 0 for code, _ in outcome)
        (row,) = rows("SELECT notes FROM contact WHERE id = ?", (contact,))
        undone = rows(
            "SELECT count(DISTINCT batch) AS n FROM change_log WHERE undone_at IS NOT NULL "
            "AND table_name = 'contact' AND row_id = ?",
            (contact,),
        )[0]["n"]
        expected = f"v{4 - done}"  # each success took back one newer edit
        if not (done == 3 and row["notes"] == expected and undone == done):
            wrong.append(f"round {round_}: {outcome}, notes {row['notes']!r}, undone {undone}")
    assert not wrong, "\n".join(wrong)
