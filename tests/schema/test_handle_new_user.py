"""Profiles follow auth.users (docs/design.md: The CRM data model, on users): every sign-up gets an inactive seller
profile (the CRM is invite-only), email changes are copied."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.testing import acting_as

from .helpers import fetch_one, sign_up

PROFILE = "select name, email, phone, role, is_active, team_id from public.users where id = %s"


def test_sign_up_creates_an_inactive_seller_named_from_metadata(db):
    user = sign_up(db, "ana@stagetek.com.br", meta={"name": "Ana Lima"})
    assert fetch_one(db, PROFILE, [user]) == {
        "name": "Ana Lima",
        "email": "ana@stagetek.com.br",
        "phone": None,
        "role": "seller",
        "is_active": False,
        "team_id": None,
    }


def test_sign_up_without_a_name_is_named_after_the_email(db):
    user = sign_up(db, "bruno@stagetek.com.br", meta={"name": "   "})
    assert fetch_one(db, PROFILE, [user])["name"] == "bruno@stagetek.com.br"


def test_phone_only_sign_up_has_no_email_and_is_named_after_the_phone(db):
    first = sign_up(db, phone="5511999990001")
    second = sign_up(db, phone="5511999990002", meta={"full_name": "not used"})
    assert fetch_one(db, PROFILE, [first]) == {
        "name": "5511999990001",
        "email": None,
        "phone": "5511999990001",
        "role": "seller",
        "is_active": False,
        "team_id": None,
    }
    assert fetch_one(db, PROFILE, [second])["email"] is None


def test_sign_up_without_email_phone_or_name_is_named_after_its_id(db):
    user = sign_up(db)
    assert fetch_one(db, PROFILE, [user])["name"] == str(user)


def test_sign_up_metadata_cannot_make_an_active_admin(db):
    user = sign_up(
        db, "mallory@example.com", meta={"name": "Mallory", "role": "admin", "is_active": True}
    )
    assert fetch_one(db, "select role, is_active from public.users where id = %s", [user]) == {
        "role": "seller",
        "is_active": False,
    }


def test_email_change_is_copied_to_the_profile(db):
    user = sign_up(db, "carla@old.com.br", meta={"name": "Carla"})
    db.execute("update auth.users set email = 'carla@new.com.br' where id = %s", [user])
    assert fetch_one(db, PROFILE, [user])["email"] == "carla@new.com.br"
    # A phone-only user who adds an email gets it too; the name stays.
    phone_user = sign_up(db, phone="5511988887777")
    db.execute("update auth.users set email = 'dani@stagetek.com.br' where id = %s", [phone_user])
    assert fetch_one(db, PROFILE, [phone_user])["email"] == "dani@stagetek.com.br"
    assert fetch_one(db, PROFILE, [phone_user])["name"] == "5511988887777"


def test_other_auth_changes_leave_the_profile_untouched(db):
    user = sign_up(db, "edu@stagetek.com.br", meta={"name": "Edu"})
    before = fetch_one(db, "select xmin::text, * from public.users where id = %s", [user])
    db.execute(
        'update auth.users set raw_user_meta_data = \'{"name": "Eduardo"}\', '
        "phone = '5511977776666', email = email where id = %s",
        [user],
    )
    after = fetch_one(db, "select xmin::text, * from public.users where id = %s", [user])
    assert after == before


def test_sign_up_with_an_email_taken_case_insensitively_fails(db):
    sign_up(db, "Fabi@Stagetek.com.br")
    with pytest.raises(psycopg.errors.UniqueViolation) as caught:
        sign_up(db, "fabi@stagetek.com.br")
    assert caught.value.diag.constraint_name == "users_email_lower_unique"


def test_deleting_the_auth_user_deletes_the_profile(db):
    user = sign_up(db, "gabi@stagetek.com.br")
    db.execute("delete from auth.users where id = %s", [user])
    assert db.execute("select count(*) from public.users where id = %s", [user]).fetchone() == (0,)


def test_auth_admin_role_can_sign_users_up(db):
    # Supabase Auth writes auth.users as supabase_auth_admin, which has no rights on
    # public: the SECURITY DEFINER trigger creates the profile all the same.
    with acting_as(db, "supabase_auth_admin"):
        user = sign_up(db, "hugo@stagetek.com.br", meta={"name": "Hugo"})
        db.execute("update auth.users set email = 'hugo@new.com.br' where id = %s", [user])
    assert fetch_one(db, PROFILE, [user])["email"] == "hugo@new.com.br"


def test_api_roles_cannot_call_the_trigger_functions(db):
    rows = db.execute("""
        select r.rolname, p.proname, has_function_privilege(r.oid, p.oid, 'execute')
        from pg_roles r
        cross join pg_proc p
        where r.rolname in ('anon', 'authenticated', 'service_role')
            and p.oid in ('public.handle_new_user()'::regprocedure,
                          'public.handle_user_email_change()'::regprocedure,
                          'public.organizations_normalize_cnpj()'::regprocedure)
        """).fetchall()
    assert len(rows) == 9 and not any(allowed for _, _, allowed in rows)
