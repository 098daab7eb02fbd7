"""Where crm keeps its files: the database and the config, per platform.

The database's location is, in order: an explicit `--db`, `CRM_DB`, then the
platform's user data folder. The config file's: `CRM_CONFIG`, then the user
config folder. platformdirs knows each platform's conventions.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "crmcli"


def default_db_path() -> Path:
    """`~/.local/share/crmcli/crm.db` on Linux; the platform's data folder elsewhere."""
    from platformdirs import user_data_dir  # only when no --db/CRM_DB is given

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "crm.db"


def config_path() -> Path:
    """The TOML settings file (it need not exist)."""
    explicit = os.environ.get("CRM_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def demo_db_path() -> Path:
    """The demo database lives beside the real one, never in its place."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "demo.db"
