"""The customers part of the REST API (/api/v1/)."""

from ninja import Router

router = Router(tags=["customers"])
