"""Who may send error reports: only an integration token made for a product."""

from __future__ import annotations

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import ApiToken, TokenKind
from followthrough.core.errors import Forbidden


def access_reporting_token(auth: object) -> ApiToken:
    """The integration token a request authenticated with; a person's token or a signed-in
    session is refused, even an administrator's."""
    if (
        not isinstance(auth, ApiToken)
        or auth.kind != TokenKind.INTEGRATION
        or Capability.ERROR_REPORT_SUBMIT not in auth.scope_set
    ):
        raise Forbidden(
            "Error reports are sent with an integration token that has the "
            "error_report.submit scope.",
            capability=str(Capability.ERROR_REPORT_SUBMIT),
        )
    return auth
