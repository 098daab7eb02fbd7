"""User settings: one TOML file, every key documented and validated.

Reading is cheap (tomllib, only when the file exists) because every command
needs a setting or two (busy timeout, phone region). Writing goes through
`set_value`, which refuses a bad value before anything touches the file.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from crmcli.core.errors import Invalid
from crmcli.core.paths import config_path


def _region(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise Invalid(
            f"default_region must be a two-letter country code such as FR or US, not {value!r}"
        )
    return code


def _known_region(code: str) -> None:
    """Checked when the setting is set, not at every start: the list of regions comes
    with libphonenumber, ~30 ms to import, which the hot commands must not pay."""
    from phonenumbers import SUPPORTED_REGIONS

    if code not in SUPPORTED_REGIONS:
        raise Invalid(f"unknown region {code!r} (use a two-letter country code such as FR or US)")


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        lowered = value.strip().lower()
        if lowered not in choices:
            raise Invalid(f"must be one of {', '.join(choices)}, not {value!r}")
        return lowered

    return parse


def _int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(str(value).strip())
        except ValueError as exc:
            raise Invalid(f"must be a whole number, not {value!r}") from exc
        if not low <= number <= high:
            raise Invalid(f"must be between {low} and {high}, not {number}")
        return number

    return parse


def _currency(value: str) -> str:
    from crmcli.core.values.money import check_currency

    return check_currency(value)


def _user(value: str) -> str:
    name = value.strip()
    if not re.fullmatch(r"[\w.@+-]{1,64}", name):
        raise Invalid(f"user must be one word of letters, digits, . @ + - or _, not {value!r}")
    return name


def _default_region() -> str:
    """The region from the locale (`fr_FR.UTF-8` gives FR), else US."""
    for var in ("LC_ALL", "LC_TELEPHONE", "LANG"):
        match = re.match(r"^[a-z]{2,3}_([A-Z]{2})", os.environ.get(var, ""))
        if match:
            return match.group(1)
    return "US"


# The currency a region trades in, for the `currency` default: a rep in Lyon bills in
# euros without setting anything. Regions not listed (and US) default to USD.
_EURO = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MC MT NL PT SI SK SM VA AD ME XK"
_REGION_CURRENCY = {
    **dict.fromkeys(_EURO.split(), "EUR"),
    **dict(
        pair.split(":")
        for pair in (
            "GB:GBP IM:GBP JE:GBP GG:GBP CH:CHF LI:CHF CA:CAD AU:AUD NZ:NZD JP:JPY CN:CNY "
            "IN:INR BR:BRL MX:MXN SE:SEK NO:NOK DK:DKK PL:PLN CZ:CZK HU:HUF RO:RON BG:BGN "
            "IS:ISK TR:TRY ZA:ZAR SG:SGD HK:HKD KR:KRW IL:ILS AE:AED SA:SAR AR:ARS CL:CLP "
            "CO:COP PE:PEN MA:MAD TN:TND EG:EGP NG:NGN KE:KES TH:THB MY:MYR ID:IDR PH:PHP "
            "VN:VND TW:TWD UA:UAH RS:RSD"
        ).split()
    ),
}


def currency_for_region(region: str) -> str:
    """The currency of a two-letter region (FR gives EUR), USD where none is known."""
    return _REGION_CURRENCY.get(region.upper(), "USD")


def _clock_time(value: str) -> str:
    text = str(value).strip()
    match = re.fullmatch(r"([01]?\d|2[0-3])(?::([0-5]\d))?", text)
    if not match:
        raise Invalid(f"must be a time of day as HH:MM (24-hour), such as 09:00, not {value!r}")
    return f"{int(match.group(1)):02d}:{match.group(2) or '00'}"


def _line(what: str, limit: int) -> Callable[[str], str]:
    """One line of text (a name, a command): no newline or control character, which
    would break a mail header or a command line."""

    def parse(value: str) -> str:
        text = str(value).strip()
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise Invalid(f"{what} must be one line without control characters")
        if len(text) > limit:
            raise Invalid(f"{what} must be at most {limit} characters, not {len(text)}")
        return text

    return parse


def _known_email(value: str) -> None:
    """An address a mail can go out from (checked when set: the full check is slower)."""
    if value:
        from crmcli.core.values.emails import check

        check(value)


def _command_line(value: str) -> None:
    """A command line the shell's rules can split (quotes closed)."""
    import shlex

    try:
        shlex.split(value)
    except ValueError as exc:
        raise Invalid(f"cannot read {value!r} as a command line: {exc}") from None


def _email_list(value: Any) -> list[str]:
    """A list of addresses: a TOML list, or one string with commas (`crm config set`)."""
    items = value if isinstance(value, list) else str(value).split(",")
    addresses = [str(item).strip() for item in items if str(item).strip()]
    for address in addresses:
        if "@" not in address or any(ch.isspace() for ch in address):
            raise Invalid(f"{address!r} is not an email address")
    return addresses


def _flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise Invalid(f"must be true or false, not {value!r}")


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): a neutral owner
        return "me"


@dataclass(frozen=True)
class Setting:
    """One documented key of the config file."""

    key: str
    doc: str
    parse: Callable[[Any], Any]  # every time the file is read (a str, or a TOML list)
    default: Callable[[], Any]
    check: Callable[[Any], None] | None = None  # a costlier check, when a value is set

    def accept(self, value: str) -> Any:
        """The value as stored, fully checked (setting it, or validating a flag)."""
        parsed = self.parse(value)
        if self.check is not None:
            self.check(parsed)
        return parsed


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in [
        Setting(
            "user",
            "your identity: the owner of the records you create (team mode)",
            _user,
            _default_user,
        ),
        Setting(
            "default_region",
            "country for phone numbers written without +code (ISO 3166, e.g. FR)",
            _region,
            _default_region,
            _known_region,
        ),
        Setting(
            "date_order",
            "how to read 03/04: dmy (3 April) or mdy (March 4); auto = mdy in US",
            _choice("auto", "dmy", "mdy"),
            lambda: "auto",
        ),
        Setting(
            "currency",
            "default currency for amounts (ISO 4217); by default, default_region's",
            _currency,
            lambda: None,  # follows default_region: see Config.get
        ),
        Setting(
            "week_start",
            "first day of the week for agendas and reports: mon or sun",
            _choice("mon", "sun"),
            lambda: "mon",
        ),
        Setting(
            "renewal_lead_days",
            "days before a contract ends that its renewal follow-up is due",
            _int_range(0, 3650),
            lambda: 60,
        ),
        Setting(
            "reminder_lead_minutes",
            "minutes before a follow-up's time that reminders fire",
            _int_range(0, 10080),
            lambda: 0,
        ),
        Setting(
            "reminder_all_day_time",
            "time of day (HH:MM) that an all-day follow-up's reminder and calendar alarm fire",
            _clock_time,
            lambda: "09:00",
        ),
        Setting(
            "busy_timeout",
            "seconds a write waits for another writer before 'database busy'",
            _int_range(1, 3600),
            lambda: 30,
        ),
        Setting(
            "commit_probability",
            "win probability (%) from which a deal counts as commit",
            _int_range(0, 100),
            lambda: 80,
        ),
        Setting(
            "backups_keep", "how many automatic backups to keep", _int_range(1, 1000), lambda: 10
        ),
        Setting(
            "me_name",
            "your name, as mail drafts sign and send it ({me.name} in templates)",
            _line("me_name", 200),
            lambda: "",
        ),
        Setting(
            "me_email",
            "your address: the From of mail drafts ({me.email} in templates)",
            _line("me_email", 254),
            lambda: "",
            _known_email,
        ),
        Setting(
            "sendmail_command",
            "the sendmail-compatible command `crm mail draft --send` hands mail to "
            "(e.g. msmtp -t, or /usr/sbin/sendmail -t -i)",
            _line("sendmail_command", 1000),
            lambda: "",
            _command_line,
        ),
        Setting(
            "my_emails",
            "your own addresses, comma-separated: `crm sync mail` logs mail from them as "
            "outgoing (unset: mail from a contact is incoming, to a contact outgoing)",
            _email_list,
            list,
        ),
        Setting(
            "store_bodies",
            "true: `crm sync mail` keeps each message's text; false: a short excerpt only",
            _flag,
            lambda: False,
        ),
    ]
}

# Tables of the config file read as they are (`[[sync.mail]]` sources): the modules
# that use them validate them (`crmcli.core.sync.sources`).
TABLES = ("sync",)


class Config:
    """Effective settings: the file's values over the defaults."""

    def __init__(
        self, values: dict[str, Any], path: Path, tables: dict[str, Any] | None = None
    ) -> None:
        self._values = values
        self.path = path
        self._tables = tables or {}

    def table(self, name: str) -> Any:
        """A table of the file (one of TABLES) as TOML read it, or None."""
        return self._tables.get(name)

    def get(self, key: str) -> Any:
        setting = _setting(key)
        if key in self._values:
            return self._values[key]
        if key == "currency":  # the region's currency, wherever the region came from
            return currency_for_region(str(self.get("default_region")))
        return setting.default()

    def source(self, key: str) -> str:
        return "file" if key in self._values else "default"

    @property
    def all_day_time(self) -> time:
        """When an all-day follow-up is announced and its calendar alarm rings."""
        return time.fromisoformat(str(self.get("reminder_all_day_time")))

    @property
    def date_order(self) -> str:
        order = str(self.get("date_order"))
        if order == "auto":
            return "mdy" if self.get("default_region") == "US" else "dmy"
        return order


def _setting(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise Invalid(f"unknown config key {key!r} (see `crm config list`)") from None


def validate(key: str, value: str) -> Any:
    """A value as that setting would store it, or Invalid: the same rules everywhere."""
    return _setting(key).accept(value)


def load(path: Path | None = None) -> Config:
    """Read the config file; a missing file means all defaults."""
    path = path or config_path()
    if not path.exists():
        return Config({}, path)
    import tomllib

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Invalid(f"cannot read config file {path}: {exc}") from exc
    values: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    for key, value in raw.items():
        if key in TABLES:
            tables[key] = value
            continue
        setting = SETTINGS.get(key)
        if setting is None:
            continue  # keys of a newer crm are kept in the file, ignored here
        try:
            values[key] = setting.parse(value if isinstance(value, list) else str(value))
        except Invalid as exc:
            raise Invalid(f"config file {path}: {key}: {exc.message}") from exc
    return Config(values, path, tables)


def set_value(key: str, value: str, path: Path | None = None) -> Any:
    """Validate and store one setting; returns the parsed value."""
    setting = _setting(key)
    try:
        parsed = setting.accept(value)
    except Invalid as exc:
        raise Invalid(f"{key}: {exc.message}") from exc
    path = path or config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        import tomllib

        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise Invalid(f"cannot read config file {path}: {exc}") from exc
    raw[key] = parsed
    import tomli_w

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        from crmcli.core import atomic  # only a write needs it; every command reads config

        atomic.write_text(path, tomli_w.dumps(raw))  # 0600: it may name people and paths
    except OSError as exc:
        raise Invalid(f"cannot write config file {path}: {exc.strerror}") from exc
    return parsed


def unset_value(key: str, path: Path | None = None) -> None:
    """Remove a key from the file so its default applies again."""
    _setting(key)
    path = path or config_path()
    if not path.exists():
        return
    import tomllib

    import tomli_w

    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    raw.pop(key, None)
    try:
        from crmcli.core import atomic

        atomic.write_text(path, tomli_w.dumps(raw))
    except OSError as exc:
        raise Invalid(f"cannot write config file {path}: {exc.strerror}") from exc
