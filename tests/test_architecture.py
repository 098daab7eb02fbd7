"""The layout holds: layers, no cycles, small modules, no SQL in front ends, declared libraries.

These read the source tree, so they fail the moment a change breaks a rule the
README's Architecture section states; `lint-imports` checks the same contracts
in CI, and running it here keeps `pytest` alone a complete check.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "crmcli"
CORE = SRC / "core"

# The only core modules allowed to load the ORM: the schema declaration and the tool
# that turns it into DDL for a new frozen migration. Nothing at run time needs them.
ORM_EXEMPT = {
    "crmcli.core.db.models",
    "crmcli.core.db.models_automation",
    "crmcli.core.db.model_base",
    "crmcli.core.db.models_bookkeeping",
    "crmcli.core.db.schema_dump",
}
UI_LIBRARIES = ("typer", "click", "rich", "textual")
ORM_LIBRARIES = ("sqlmodel", "sqlalchemy")


def _modules(root: Path) -> list[str]:
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


CORE_MODULES = _modules(CORE)


@pytest.mark.subprocess
def test_every_core_module_imports_no_ui_library_and_no_orm() -> None:
    """Each core module, imported alone in a fresh interpreter, loads no UI library.

    One process per module: importing them all in one process would let a clean
    module hide behind a dirty one imported before it.
    """
    probe = (
        "import importlib, sys\n"
        "importlib.import_module(sys.argv[1])\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    running = {
        name: subprocess.Popen(
            [sys.executable, "-c", probe, name], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for name in CORE_MODULES
    }
    bad = {}
    for name, proc in running.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"{name} does not import: {err.decode()}"
        loaded = set(out.decode().split())
        forbidden = UI_LIBRARIES + (() if name in ORM_EXEMPT else ORM_LIBRARIES)
        found = sorted(loaded.intersection(forbidden))
        if found:
            bad[name] = found
    assert bad == {}
    assert len(running) >= 60  # every module was really probed


@pytest.mark.subprocess
def test_import_contracts_hold() -> None:
    """Layers, the core's inner order and no cycles anywhere, as pyproject.toml declares them."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None, "import-linter is part of the test extra"
    run = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_core_top_level_stays_small_and_split_by_domain() -> None:
    modules = [p.stem for p in CORE.glob("*.py") if p.stem != "__init__"]
    packages = [p.name for p in CORE.iterdir() if (p / "__init__.py").exists()]
    assert len(modules) <= 8, sorted(modules)
    assert len(packages) >= 5, sorted(packages)


def test_no_module_is_a_god_file() -> None:
    sizes = {
        str(p.relative_to(SRC)): len(p.read_text(encoding="utf-8").splitlines())
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts  # frozen, generated DDL
    }
    assert {name: n for name, n in sizes.items() if n > 600} == {}


def test_packages_say_what_they_hold_and_re_export_nothing() -> None:
    """Every `__init__` has a docstring and imports none of its modules (eager re-exports
    would cost every command start-up); a domain package's is the docstring alone."""
    for init in SRC.rglob("__init__.py"):
        name = str(init.relative_to(SRC))
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{name} has no docstring"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0 and not (node.module or "").startswith("crmcli"), name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("crmcli") for a in node.names), name
        if init.parent.parent == CORE:
            assert len(tree.body) == 1, f"{name} does more than say what it holds"


_SQL_START = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "CREATE ", "PRAGMA ")


@pytest.mark.parametrize("front_end", ["commands", "tui"])
def test_front_ends_hold_no_sql(front_end: str) -> None:
    """Commands and screens parse, call the core and render: the SQL lives in the core."""
    found = []
    for path in sorted((SRC / front_end).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            # SQL as this code base writes it: an upper-case statement keyword first.
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and node.value.lstrip().startswith(_SQL_START):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if "sqlite3" in names:
                    found.append(f"{path.relative_to(SRC)}:{node.lineno} imports sqlite3")
    assert found == []


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    names = set()
    for spec in specs:
        name = spec.split(";")[0]
        for stop in "[<>=!~ ":
            name = name.split(stop)[0]
        names.add(name.lower().replace("_", "-"))
    return names


def test_every_library_the_code_imports_is_declared() -> None:
    """A library that arrives only as another's dependency can vanish on its upgrade."""
    dists = packages_distributions()
    imported: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = {
        name for name in imported if name not in sys.stdlib_module_names and name != "crmcli"
    }
    missing = {}
    declared = _declared()
    for name in sorted(third_party):
        owners = {d.lower().replace("_", "-") for d in dists.get(name, [])}
        assert owners, f"{name} is imported but not installed"
        if not owners & declared:
            missing[name] = sorted(owners)
    assert missing == {}


@pytest.mark.subprocess
def test_team_mode_without_its_extra_says_how_to_install_it(tmp_path: Path) -> None:
    """`crm --db postgresql://…` with no driver: one line naming the extra, exit 3."""
    code = (
        "import sys\n"
        "sys.modules['psycopg'] = None  # as if the team extra were not installed\n"
        "from crmcli.cli import run\n"
        "sys.exit(run(['--db', 'postgresql://postgres@127.0.0.1/postgres', 'contact', 'list']))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert run.returncode == 3
    assert run.stderr.strip().splitlines() == [
        "crm: team mode needs the PostgreSQL driver: pip install 'crmcli[team]'"
    ]
    assert "Traceback" not in run.stderr


def test_the_core_asks_nothing_of_a_terminal() -> None:
    """The core reports through return values and progress callbacks; front ends draw.

    `db/schema_dump.py` is a developer's tool run as `python -m`, and prints its DDL.
    """
    found = []
    for path in sorted(CORE.rglob("*.py")):
        if path.name == "schema_dump.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in {"print", "input"}:
                    found.append(f"{where} {node.func.id}()")
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
                and node.attr in {"stdout", "stderr", "stdin"}
            ):
                found.append(f"{where} sys.{node.attr}")
    assert found == []
