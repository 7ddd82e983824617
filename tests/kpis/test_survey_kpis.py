import pytest

from crm import services as crm
from crm.models import User
from support import services as support
from surveys import services as surveys
from surveys.models import Survey
from tests.kpis.business import at
from tests.kpis.helpers import breakdown, rolled_up, value

pytestmark = pytest.mark.django_db

JAN = ("2025-01-01", "2025-01-31")
SERVQUAL_ANSWERS = [
    {"tangibles": (6, 5), "reliability": (7, 4), "responsiveness": (5, 5), "assurance": (6, 6), "empathy": (4, 5)},
    {"tangibles": (4, 4), "reliability": (5, 5), "responsiveness": (6, 3), "assurance": (7, 5), "empathy": (6, 6)},
]


@pytest.fixture
def answers():
    """January 2025 answers: NPS 10, 9, 9, 7, 3; CSAT 5, 4, 2, 3 (the 5 about ann's email ticket);
    CES 2, 3; two SERVQUAL responses; four NPS invitations, three answered."""
    ann = User.objects.create(username="ann", role="support")
    contact = crm.contact_create(first_name="Cy", created_at=at("2024-12-01 00:00"))
    ticket = support.ticket_create(subject="Help", contact=contact, priority="normal", channel="email", assignee=ann,
                                   created_at=at("2025-01-01 00:00"))
    nps = Survey.objects.create(name="NPS", kind="nps", external_id="sv-nps")
    csat = Survey.objects.create(name="CSAT", kind="csat", external_id="sv-csat")
    ces = Survey.objects.create(name="CES", kind="ces", external_id="sv-ces")
    servqual = Survey.objects.create(name="SQ", kind="servqual", external_id="sv-sq")
    invitations = [surveys.invitation_create(survey=nps, contact=contact, sent_at=at(f"2025-01-0{day} 09:00"))
                   for day in (1, 2, 3, 4)]
    for index, score in enumerate([10, 9, 9, 7, 3]):
        surveys.response_record(survey=nps, contact=contact, score=score,
                                invitation=invitations[index] if index < 3 else None,
                                answered_at=at(f"2025-01-1{index} 12:00"))
    for index, score in enumerate([5, 4, 2, 3]):
        surveys.response_record(survey=csat, contact=contact, score=score, ticket=ticket if index == 0 else None,
                                answered_at=at(f"2025-01-2{index} 12:00"))
    for score in (2, 3):
        surveys.response_record(survey=ces, contact=contact, score=score, answered_at=at("2025-01-25 12:00"))
    for answer in SERVQUAL_ANSWERS:
        pairs = {d: {"expectation": e, "perception": p} for d, (e, p) in answer.items()}
        surveys.response_record(survey=servqual, contact=contact, servqual=pairs, answered_at=at("2025-01-26 12:00"))
    rolled_up()
    return {"nps": nps, "contact": contact, "invitations": invitations}


def test_nps(answers):
    # Promoters 10, 9, 9; passive 7; detractor 3: 100 × (3 − 1) ÷ 5.
    assert value("nps", *JAN) == pytest.approx(40.0)
    assert breakdown("nps", *JAN, "survey") == {"sv-nps": pytest.approx(40.0)}


def test_csat_and_average(answers):
    assert value("csat", *JAN) == 0.5
    assert value("csat_avg", *JAN) == 3.5
    assert breakdown("csat", *JAN, "assignee") == {"ann": 1.0}
    assert breakdown("csat", *JAN, "channel") == {"email": 1.0}


def test_ces(answers):
    assert value("ces", *JAN) == 2.5


def test_servqual_gaps(answers):
    assert breakdown("servqual_gap", *JAN, "servqual_dimension") == {
        "tangibles": -0.5, "reliability": -1.5, "responsiveness": -1.5, "assurance": -1.0, "empathy": 0.5,
    }
    assert value("servqual_gap", *JAN) == pytest.approx(-0.8)


def test_servqual_gap_is_null_when_a_dimension_has_no_answers(answers):
    contact = answers["contact"]
    survey = Survey.objects.get(kind="servqual")
    surveys.response_record(survey=survey, contact=contact, answered_at=at("2025-02-02 12:00"),
                            servqual={"tangibles": {"expectation": 5, "perception": 4}})
    rolled_up()
    assert value("servqual_gap", "2025-02-01", "2025-02-28") is None
    assert breakdown("servqual_gap", "2025-02-01", "2025-02-28", "servqual_dimension")["tangibles"] == -1.0


def test_response_rate_counts_late_answers_on_the_invitation_day(answers):
    assert value("survey_response_rate", *JAN) == 0.75
    surveys.response_record(survey=answers["nps"], contact=answers["contact"], score=8,
                            invitation=answers["invitations"][3], answered_at=at("2025-02-02 12:00"))
    rolled_up()
    assert value("survey_response_rate", *JAN) == 1.0
    assert value("nps", "2025-02-01", "2025-02-28") == 0.0
