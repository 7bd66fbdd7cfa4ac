"""信访工作台 Petition Desk. ``python main.py`` opens the program; ``python main.py COMMAND ...`` runs a command."""

import os
import sys

from app.cli.main import main

if __name__ == "__main__":
    # Whatever the program writes by itself (store, logs, window.ini, lock files) is readable by its owner only.
    os.umask(0o077)
    sys.exit(main())
