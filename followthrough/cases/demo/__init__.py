"""The demo desk: `followthrough demo-data` loads it through the services."""

from followthrough.cases.demo.data import LOGINS, PASSWORD
from followthrough.cases.demo.loader import DemoLoader, desk_is_empty, login_table

__all__ = ["LOGINS", "PASSWORD", "DemoLoader", "desk_is_empty", "login_table"]
