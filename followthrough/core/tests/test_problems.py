from __future__ import annotations

import json

import pytest

from followthrough.core.problems import problem_response


def test_problem_document_carries_the_code_and_extension_members():
    response = problem_response(409, "open_promises", "2 promises are open", open_promises=2)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body == {
        "type": "urn:followthrough:problem:open_promises",
        "title": "2 promises are open",
        "status": 409,
        "code": "open_promises",
        "detail": "2 promises are open",
        "open_promises": 2,
    }


@pytest.mark.parametrize("name", ["status", "code", "type", "title", "detail"])
def test_extension_members_cannot_overwrite_the_standard_ones(name):
    with pytest.raises(ValueError, match=name):
        problem_response(409, "x", "y", **{name: "sneaky"})
