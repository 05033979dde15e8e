from followthrough.cases.models import CaseEvent
from followthrough.cases.selectors import case_brief
from followthrough.cases.states import CaseStatus, EventType
from followthrough.cases.tests.factories import open_case


def test_open_case_writes_event_and_brief(agent, contact):
    case = open_case(actor=agent, contact=contact)
    assert case.status == CaseStatus.OPEN
    assert case.organization == contact.organization
    assert list(CaseEvent.objects.filter(case=case).values_list("type", flat=True)) == [
        EventType.OPENED
    ]
    brief = case_brief(case.pk)
    assert brief.owner_name == agent.display_name
