"""Write src/crmcli/man/crm.1 from the crm command tree: run after changing any --help text.

python tools/make_man.py          # rewrite the page
python tools/make_man.py --check  # exit 1 when the page is stale (as the tests do)
"""

from __future__ import annotations

import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "src" / "crmcli" / "man" / "crm.1"


def generate() -> str:
    """The page as the installed crm would write it (`crm --man`)."""
    from crmcli.cli import man_page

    return man_page()


def main(argv: list[str]) -> int:
    page = generate()
    if "--check" in argv:
        if PAGE.read_text(encoding="utf-8") != page:
            sys.stderr.write(f"{PAGE} is stale: run python tools/make_man.py\n")
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
