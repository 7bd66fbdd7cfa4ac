"""信访工作台 Petition Desk. ``python main.py`` opens the program; ``python main.py COMMAND ...`` runs a command."""

import sys

from app.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
