"""The command line: ``python main.py [--data-dir DIR] COMMAND``. Exit 0 done, 1 input refused, 2 usage error."""
