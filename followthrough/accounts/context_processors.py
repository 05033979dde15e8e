from __future__ import annotations

from django.http import HttpRequest

from followthrough.accounts.selectors import workspace_team


def workspace(request: HttpRequest) -> dict[str, object]:
    """The signed-in person's team, shown beside their name in the top bar."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"workspace_team": workspace_team(request)}
