"""The `followthrough` command: Django's management commands under the product's name.

Our own commands may be spelt with hyphens too: `followthrough demo-data` runs `demo_data`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def own_command_name(name: str) -> str:
    """`demo-data` -> `demo_data` when that is one of Followthrough's own commands."""
    if "-" not in name or name.startswith("-"):
        return name
    from django.core.management import find_commands

    candidate = name.replace("-", "_")
    for management_dir in sorted(PACKAGE_DIR.glob("*/management")):
        if candidate in find_commands(str(management_dir)):
            return candidate
    return name


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "followthrough.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = own_command_name(args[0])
    execute_from_command_line(["followthrough", *args])


if __name__ == "__main__":
    main()
