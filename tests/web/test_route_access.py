"""Who may open which page: every GET page of the app, for a visitor and for each role,
and what a rep gets for a record outside their territory.

The table below names every page. A new page without a line here fails
`test_every_page_is_in_the_table`, so nobody adds a page without deciding who sees it;
a new page of one record must also say whether the record belongs to a territory.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import Session

from tests.web import world
from tests.web.world import page_rules, url_for_rule

OK = 200
NO = 403
LOGIN = "login"  # redirected to the sign-in page
HOME = "home"  # redirected to the start page
WHO = ("anonymous", "admin", "manager", "finance", "rep")

#                                           anonymous admin manager finance rep
EXPECTED: dict[str, tuple[Any, ...]] = {
    "/":                                     (LOGIN, OK, OK, OK, OK),
    "/healthz":                              (OK, OK, OK, OK, OK),
    "/login":                                (OK, HOME, HOME, HOME, HOME),
    "/hospitals/":                           (LOGIN, OK, OK, OK, OK),
    "/hospitals/<path:code>":                     (LOGIN, OK, OK, OK, OK),
    "/hospitals/new":                        (LOGIN, OK, OK, NO, NO),
    "/hospitals/<path:code>/edit":                (LOGIN, OK, OK, NO, NO),
    "/distributors/":                        (LOGIN, OK, OK, OK, OK),
    "/distributors/<path:code>":                  (LOGIN, OK, OK, OK, OK),
    "/distributors/new":                     (LOGIN, OK, OK, NO, NO),
    "/distributors/<path:code>/edit":             (LOGIN, OK, OK, NO, NO),
    "/products/":                            (LOGIN, OK, OK, OK, OK),
    "/products/<path:code>":                      (LOGIN, OK, OK, OK, OK),
    "/products/new":                         (LOGIN, OK, OK, NO, NO),
    "/products/<path:code>/edit":                 (LOGIN, OK, OK, NO, NO),
    "/imports/":                             (LOGIN, OK, OK, OK, NO),
    "/settings/":                            (LOGIN, OK, OK, OK, OK),
    "/settings/users":                       (LOGIN, OK, NO, NO, NO),
    "/settings/users/new":                   (LOGIN, OK, NO, NO, NO),
    "/settings/users/<username>":            (LOGIN, OK, NO, NO, NO),
    "/settings/users/<username>/history":    (LOGIN, OK, NO, NO, NO),
    "/receivables/collections/":             (LOGIN, OK, OK, OK, OK),
    "/receivables/":                         (LOGIN, OK, OK, OK, OK),
    "/receivables/drilldown":                (LOGIN, OK, OK, OK, OK),
    "/receivables/ageing.xlsx":              (LOGIN, OK, OK, OK, OK),
    "/receivables/invoices":                 (LOGIN, OK, OK, OK, OK),
    "/receivables/invoices/new":             (LOGIN, OK, NO, OK, NO),
    "/receivables/invoices/<path:number>":   (LOGIN, OK, OK, OK, OK),
    "/receivables/payments":                 (LOGIN, OK, OK, OK, OK),
    "/receivables/payments/new":             (LOGIN, OK, NO, OK, NO),
    "/receivables/customers/<path:code>":    (LOGIN, OK, OK, OK, OK),
    "/receivables/terms":                    (LOGIN, OK, OK, OK, OK),
    "/filings/":                             (LOGIN, OK, OK, OK, OK),
    "/filings/<kind>/<path:product_code>/<province_code>": (LOGIN, OK, OK, OK, OK),
    "/listings/":                            (LOGIN, OK, OK, OK, OK),
    "/listings/mine":                        (LOGIN, OK, OK, OK, OK),
    "/listings/matrix":                      (LOGIN, OK, OK, OK, OK),
    "/listings/<hospital_code>/<path:product_code>": (LOGIN, OK, OK, OK, OK),
    "/contracts/":                           (LOGIN, OK, OK, OK, OK),
    "/contracts/new":                        (LOGIN, OK, OK, NO, NO),
    "/contracts/<path:number>":              (LOGIN, OK, OK, OK, OK),
    "/contracts/<path:number>/preview":      (LOGIN, OK, OK, OK, OK),
    "/contracts/<path:number>/pdf":          (LOGIN, OK, OK, OK, OK),
    "/tenders/":                             (LOGIN, OK, OK, OK, OK),
    "/tenders/calendar":                     (LOGIN, OK, OK, OK, OK),
    "/tenders/new":                          (LOGIN, OK, OK, NO, NO),
    "/tenders/<code>":                       (LOGIN, OK, OK, OK, OK),
    "/awards/":                              (LOGIN, OK, OK, OK, OK),
    "/awards/<code>":                        (LOGIN, OK, OK, OK, OK),
    "/awards/<code>/fulfilment.xlsx":        (LOGIN, OK, OK, OK, OK),
    "/deadlines/":                           (LOGIN, OK, OK, OK, OK),
    "/dunning/":                             (LOGIN, OK, OK, OK, OK),
    "/dunning/preview":                      (LOGIN, OK, NO, OK, NO),
    "/dunning/policy":                       (LOGIN, OK, NO, OK, NO),
    "/dunning/policy/preview":               (LOGIN, OK, NO, OK, NO),
    "/dunning/runs/<int:run_id>":            (LOGIN, OK, OK, OK, NO),
    "/dunning/runs/<int:run_id>/pdf":        (LOGIN, OK, OK, OK, NO),
    "/dunning/letters/<letter>":             (LOGIN, OK, OK, OK, OK),
    "/dunning/letters/<letter>/pdf":         (LOGIN, OK, OK, OK, OK),
    "/dunning/customers/<path:code>/statement": (LOGIN, OK, OK, OK, OK),
    "/imports/templates/<kind>.xlsx":        (LOGIN, OK, OK, NO, NO),
    # The world's job is the admin's: a job is seen by whoever started it, and admins.
    "/jobs/":                                (LOGIN, OK, OK, OK, OK),
    "/jobs/<int:job_id>":                    (LOGIN, OK, 404, 404, 404),
    "/jobs/<int:job_id>/progress":           (LOGIN, OK, 404, 404, 404),
    "/jobs/<int:job_id>/file":               (LOGIN, OK, 404, 404, 404),
}  # fmt: skip

# Pages of one record that belongs to a territory (a party's, or a province's). Filled
# with a record outside the rep's territory, the rep gets 404 wherever EXPECTED says OK.
TERRITORY_RECORD_PAGES = {
    "/hospitals/<path:code>",
    "/hospitals/<path:code>/edit",
    "/distributors/<path:code>",
    "/distributors/<path:code>/edit",
    "/receivables/invoices/<path:number>",
    "/receivables/customers/<path:code>",
    "/filings/<kind>/<path:product_code>/<province_code>",
    "/listings/<hospital_code>/<path:product_code>",
    "/contracts/<path:number>",
    "/contracts/<path:number>/preview",
    "/contracts/<path:number>/pdf",
    "/tenders/<code>",
    "/dunning/letters/<letter>",
    "/dunning/letters/<letter>/pdf",
    "/dunning/customers/<path:code>/statement",
}
# Pages of one record everyone may read: its figures are limited to the territory instead
# (an award's fulfilment rows), or the page is not a rep's at all (a dunning run spans
# every territory: a rep gets 403 there and follows letters through the letters list).
SHARED_RECORD_PAGES = {
    "/products/<path:code>",
    "/products/<path:code>/edit",
    "/awards/<code>",
    "/awards/<code>/fulfilment.xlsx",
    "/settings/users/<username>",
    "/settings/users/<username>/history",
    "/dunning/runs/<int:run_id>",
    "/dunning/runs/<int:run_id>/pdf",
    "/imports/templates/<kind>.xlsx",
    # A job belongs to a user, not a territory: the table above has who sees it.
    "/jobs/<int:job_id>",
    "/jobs/<int:job_id>/progress",
    "/jobs/<int:job_id>/file",
}


def outcome(response: Any) -> Any:
    if response.status_code == 302:
        location = response.headers["Location"]
        if location.startswith("/login"):
            return LOGIN
        if location == "/":
            return HOME
        return f"302 → {location}"
    return response.status_code


def test_every_page_is_in_the_table(app: Flask) -> None:
    rules = {rule.rule for rule in page_rules(app)}
    assert rules - EXPECTED.keys() == set(), "pages without a line in EXPECTED"
    assert EXPECTED.keys() - rules == set(), "lines in EXPECTED for pages that are gone"


def test_each_role_gets_what_its_permissions_say(app: Flask, db: Session) -> None:
    data = world.build(db)
    browsers = {"anonymous": app.test_client()}
    for role, user in data.users.items():
        browsers[role] = world.signed_in(app, user)
    wrong = []
    for rule in sorted(page_rules(app), key=lambda r: r.rule):
        url = url_for_rule(app, rule, data)
        for who, expected in zip(WHO, EXPECTED[rule.rule], strict=True):
            got = outcome(browsers[who].get(url))
            if got != expected:
                wrong.append(f"{who:9} GET {url}: expected {expected}, got {got}")
    assert wrong == []


def test_every_page_of_one_record_says_whether_it_belongs_to_a_territory(app: Flask) -> None:
    pages = {rule.rule for rule in page_rules(app) if rule.arguments}
    assert TERRITORY_RECORD_PAGES.isdisjoint(SHARED_RECORD_PAGES)
    assert pages - TERRITORY_RECORD_PAGES - SHARED_RECORD_PAGES == set(), "undecided pages"
    assert (TERRITORY_RECORD_PAGES | SHARED_RECORD_PAGES) - pages == set(), "pages that are gone"


def test_a_record_outside_the_territory_is_not_found_for_a_rep(app: Flask, db: Session) -> None:
    """The same pages as above, each with a Guangdong record: the Shanghai rep gets 404
    (403 first where the role may not open the page at all); the manager what the table
    says."""
    data = world.build(db, roles=("manager", "rep"))
    world.add_outside(db)
    browsers = {role: world.signed_in(app, data.users[role]) for role in ("manager", "rep")}
    wrong = []
    for rule in sorted(page_rules(app), key=lambda r: r.rule):
        if rule.rule not in TERRITORY_RECORD_PAGES:
            continue
        url = url_for_rule(app, rule, data, outside=True)
        allowed = EXPECTED[rule.rule]
        expected = {"manager": allowed[2], "rep": 404 if allowed[4] == OK else allowed[4]}
        for who, status in expected.items():
            got = outcome(browsers[who].get(url))
            if got != status:
                wrong.append(f"{who:7} GET {url}: expected {status}, got {got}")
    assert wrong == []


def test_forbidden_page_says_why(app: Flask, db: Session) -> None:
    data = world.build(db, roles=("finance",))
    response = world.signed_in(app, data.users["finance"]).get("/hospitals/new")
    assert response.status_code == 403
    assert "Your role does not allow this." in response.get_data(as_text=True)


def test_navigation_shows_imports_only_to_roles_that_may_import(app: Flask, db: Session) -> None:
    data = world.build(db, roles=("manager", "finance", "rep"))
    for role, shown in (("manager", True), ("finance", True), ("rep", False)):
        html = world.signed_in(app, data.users[role]).get("/").get_data(as_text=True)
        assert ('href="/imports/"' in html) is shown, role


def test_edit_and_new_buttons_only_for_roles_that_may_use_them(app: Flask, db: Session) -> None:
    data = world.build(db, roles=("manager", "finance", "rep"))
    pages = {
        "/hospitals/": "/hospitals/new",
        f"/hospitals/{world.IN_TERRITORY}": f"/hospitals/{world.IN_TERRITORY}/edit",
        "/distributors/": "/distributors/new",
        f"/distributors/{world.DISTRIBUTOR_IN}": f"/distributors/{world.DISTRIBUTOR_IN}/edit",
        "/products/": "/products/new",
        f"/products/{world.PRODUCT}": f"/products/{world.PRODUCT}/edit",
    }
    for role, shown in (("manager", True), ("finance", False), ("rep", False)):
        client = world.signed_in(app, data.users[role])
        for url, target in pages.items():
            html = client.get(url).get_data(as_text=True)
            assert (f'href="{target}"' in html) is shown, (role, url)
