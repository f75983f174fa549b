"""The `vbptrack` command: database, users, tokens, imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from tests.factories import make_user
from tests.services.test_reminders import company, configure  # noqa: F401 - the fixture
from tests.smtp import MailServer, body
from vbptrack.models import ApiToken, Party, UserProvince
from vbptrack.services import users as user_service


def test_db_check_and_upgrade(runner, app: Flask) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "head" in result.output


def test_users_create_with_territory_and_generated_password(runner, db: Session) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=["users", "create", "li.na", "--role", "rep", "--provinces", "31,广东"]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    user = user_service.find(db, "li.na")
    assert user is not None and user.role == "rep"
    provinces = db.exec(
        select(UserProvince.province_code).where(UserProvince.user_id == user.id)
    ).all()
    assert sorted(provinces) == ["31", "44"]
    from werkzeug.security import check_password_hash

    assert check_password_hash(user.password_hash, password)
    assert password not in user.password_hash


def test_users_create_with_the_address_reminders_go_to(runner, db: Session) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=["users", "create", "zhao", "--role", "manager", "--email", "zhao@huadong.example"]
    )
    assert result.exit_code == 0, result.output
    user = user_service.find(db, "zhao")
    assert user is not None and user.email == "zhao@huadong.example"
    refused = runner.invoke(args=["users", "create", "qian", "--role", "rep", "--email", "qian@"])
    assert refused.exit_code != 0 and "Enter an e-mail address." in refused.output
    assert user_service.find(db, "qian") is None


def test_users_create_refuses_bad_role_duplicates_and_unknown_provinces(
    runner, db: Session
) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["users", "create", "x", "--role", "boss"]).exit_code != 0
    make_user(db, "taken")
    result = runner.invoke(args=["users", "create", "taken", "--role", "rep"])
    assert result.exit_code != 0 and "taken" in result.output
    result = runner.invoke(args=["users", "create", "y", "--role", "rep", "--provinces", "火星"])
    assert result.exit_code != 0 and "火星" in result.output
    assert user_service.find(db, "y") is None


def test_users_token_prints_a_token_stored_only_as_hash(runner, db: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(db, "erp", "finance")
    result = runner.invoke(args=["users", "token", "erp"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("vbp_") and len(token) > 40
    rows = db.exec(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert len(rows) == 1 and token not in rows[0].token_hash
    assert runner.invoke(args=["users", "token", "nobody"]).exit_code != 0


def test_import_command_success_and_errors(runner, db: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "hospitals.csv"
    good.write_text(
        "医院编码,医院名称,省份\nH1,上海市第一人民医院,上海\nH2,广州市第一人民医院,广东省\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import", "hospitals", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 rows written" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("医院编码,医院名称,省份\nH3,某医院,火星\nH4,,上海\n", encoding="utf-8")
    result = runner.invoke(args=["import", "hospitals", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column 省份: Unknown province “火星”." in result.output
    assert "row 3, column 医院名称: This field is required." in result.output
    # The bad file wrote nothing: only the two hospitals of the good file exist.
    assert sorted(db.exec(select(Party.code)).all()) == ["H1", "H2"]
    result = runner.invoke(args=["import", "widgets", str(good)])
    assert result.exit_code != 0 and "unknown kind" in result.output


def test_import_purchases_twice_counts_once(runner, db: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_hospital, make_product

    make_hospital(db, "H1", "31")
    make_product(db, "P1")
    export = tmp_path / "purchases.csv"
    export.write_text(
        "医院编码,产品编码,采购日期,采购数量\nH1,P1,2024-01-05,10\nH1,P1,2024-01-06,20\n",
        encoding="gb18030",
    )
    first = runner.invoke(args=["import", "purchases", str(export)])
    assert first.exit_code == 0 and "2 rows written" in first.output, first.output
    again = runner.invoke(args=["import", "purchases", str(export)])
    assert again.exit_code == 0 and "0 rows written" in again.output, again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("医院编码,产品编码,采购日期,采购数量\nH9,P1,2024-01-05,1.5\n", encoding="utf-8")
    result = runner.invoke(args=["import", "purchases", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column 医院编码: No hospital with the code H9." in result.output
    assert "row 2, column 采购数量: Enter a whole number." in result.output


@pytest.mark.usefixtures("company")
def test_reminders_send_for_cron(runner, app: Flask, smtp_server: MailServer) -> None:  # type: ignore[no-untyped-def]
    no_server = runner.invoke(args=["reminders", "send", "--as-of", "2026-03-02"])
    assert no_server.exit_code == 1
    assert "No SMTP server is configured (VBPTRACK_SMTP_HOST)." in no_server.output

    configure(app, smtp_server, BASE_URL="https://crm.huadong.example")
    smtp_server.refused.add("li@huadong.example")
    result = runner.invoke(args=["reminders", "send", "--as-of", "2026-03-02"])
    assert result.exit_code == 1  # li's e-mail failed
    lines = result.output.splitlines()
    assert lines[0] == "2026-03-02: 4 reminders in 4 e-mails"
    assert "  wang <wang@huadong.example>: contract_end HT-SH (30 days before), " \
        "filing_expiry price/P1/31 (90 days before)" in lines  # fmt: skip
    assert "no e-mail address, nothing sent: nomail" in lines
    assert any(line.startswith("FAILED li <li@huadong.example>: ") for line in lines)
    (mail,) = smtp_server.to("wang@huadong.example")
    assert "https://crm.huadong.example/contracts/HT-SH" in body(mail)

    smtp_server.refused.clear()
    retry = runner.invoke(args=["reminders", "send", "--as-of", "2026-03-02"])
    assert retry.exit_code == 0, retry.output
    assert retry.output.splitlines()[:2] == [
        "2026-03-02: 1 reminder in 1 e-mail",
        "  li <li@huadong.example>: contract_end HT-GD (60 days before)",
    ]
    assert runner.invoke(args=["reminders", "send", "--as-of", "2026-03-32"]).exit_code == 2


def test_users_passwd_sets_a_password_the_rule_accepts(runner, db: Session) -> None:  # type: ignore[no-untyped-def]
    from werkzeug.security import check_password_hash

    user = make_user(db, "wang", "manager")
    generation = user.session_generation
    result = runner.invoke(args=["users", "passwd", "wang"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    db.refresh(user)
    assert check_password_hash(user.password_hash, password)
    assert user.session_generation == generation + 1  # signed out everywhere

    chosen = runner.invoke(args=["users", "passwd", "wang", "--password", "copper-kettle-monsoon"])
    assert chosen.exit_code == 0 and "password:" not in chosen.output
    assert runner.invoke(args=["users", "passwd", "nobody"]).exit_code != 0


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("aaaaaaaaaa", "Repeats like “aaa” are easy to guess."),
        ("Password12", "This is a very common password."),
        ("short", "At least 10 characters."),
    ],
)
def test_the_command_line_refuses_easy_passwords(  # type: ignore[no-untyped-def]
    runner, db: Session, password: str, problem: str
) -> None:
    make_user(db, "wang", "manager")
    before = user_service.find(db, "wang").password_hash  # type: ignore[union-attr]
    changed = runner.invoke(args=["users", "passwd", "wang", "--password", password])
    assert changed.exit_code != 0 and problem in changed.output
    created = runner.invoke(args=["users", "create", "li", "--role", "rep", "--password", password])
    assert created.exit_code != 0 and problem in created.output
    db.expire_all()
    assert user_service.find(db, "li") is None
    assert user_service.find(db, "wang").password_hash == before  # type: ignore[union-attr]
