"""`python -m crmcli` runs the same as `crm`."""

from crmcli.entry import main

main()
