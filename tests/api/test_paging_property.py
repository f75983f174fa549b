"""Properties of paging: walking the pages visits every record once, whatever per_page is."""

from __future__ import annotations

import itertools
from math import ceil

from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.api.conftest import API, Headers

# Each example writes to the test's one database, so examples keep apart by code prefix.
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Few distinct names and provinces, so the list's sort keys tie often.
_example = itertools.count()
hospitals = st.lists(
    st.tuples(st.sampled_from(["31", "44", "11"]), st.sampled_from(["甲医院", "乙医院", "A"])),
    max_size=12,
)


@EXAMPLES
@given(rows=hospitals, per_page=st.integers(min_value=1, max_value=7))
def test_walking_the_pages_visits_every_hospital_exactly_once(
    client: FlaskClient, manager: Headers, rows: list[tuple[str, str]], per_page: int
) -> None:
    headers = manager
    prefix = f"PG{next(_example):04d}-"
    for n, (province, name) in enumerate(rows):
        body = {"code": f"{prefix}{n}", "name": name, "province_code": province}
        assert client.post(API + "/hospitals", json=body, headers=headers).status_code == 201

    seen: list[str] = []
    pages = max(1, ceil(len(rows) / per_page))
    for page_number in range(1, pages + 2):  # one page past the end, which is empty
        response = client.get(
            f"{API}/hospitals?q={prefix}&per_page={per_page}&page={page_number}", headers=headers
        )
        assert response.status_code == 200
        assert response.json["total"] == len(rows)
        assert len(response.json["items"]) <= per_page
        seen += [item["code"] for item in response.json["items"]]

    assert sorted(seen) == sorted(f"{prefix}{n}" for n in range(len(rows)))
    assert len(seen) == len(set(seen))


@EXAMPLES
@given(page=st.text(max_size=8), per_page=st.text(max_size=8))
@example(page="²", per_page="10")
@example(page="1", per_page="٣")
@example(page="9" * 30, per_page="500")
def test_any_paging_text_is_answered_200_or_422_never_500(
    client: FlaskClient, manager: Headers, page: str, per_page: str
) -> None:
    response = client.get(
        API + "/hospitals", query_string={"page": page, "per_page": per_page}, headers=manager
    )
    assert response.status_code in {200, 422}, (page, per_page, response.json)
    if response.status_code == 422:
        assert set(response.json["error"]["fields"]) <= {"page", "per_page"}
