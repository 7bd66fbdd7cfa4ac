"""信访工作台 Petition Desk."""

__version__ = "0.1.0"
