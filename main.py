"""信访工作台 Petition Desk. ``python main.py`` opens the program; ``python main.py COMMAND ...`` runs a command."""

import os
import sys

from app.cli.main import main

if __name__ == "__main__":
    # A long job runs in a process of its own (app.ops.job_process); a frozen build starts it as this program.
    # multiprocessing is imported only there (freeze_support does nothing elsewhere): about 8 ms of every start.
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()
    # Whatever the program writes by itself (store, logs, window.ini, lock files) is readable by its owner only.
    os.umask(0o077)
    sys.exit(main())
