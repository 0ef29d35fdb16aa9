"""public.is_valid_cnpj (numeric and alphanumeric CNPJ, IN RFB 2.229/2024) against an
independent Python implementation, and CNPJ normalisation and uniqueness on
organizations (docs/design.md: The CRM data model)."""

from __future__ import annotations

import random
import string
from operator import mul

import psycopg
import pytest

from .helpers import fetch_one, insert

ALPHABET = string.digits + string.ascii_uppercase
VALUE = {c: ord(c) - ord("0") for c in ALPHABET}
IGNORED = str.maketrans("", "", "./-" + string.whitespace)
WEIGHTS_1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
WEIGHTS_2 = [6, *WEIGHTS_1]


def check_digit(chars: str, weights: list[int]) -> str:
    """Each character counts as its ASCII code minus 48; r = Σ value·weight mod 11."""
    remainder = sum(map(mul, map(VALUE.__getitem__, chars), weights)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


def with_check_digits(base: str) -> str:
    first = check_digit(base, WEIGHTS_1)
    return base + first + check_digit(base + first, WEIGHTS_2)


def python_is_valid(cnpj: str) -> bool:
    """The reference: 12 characters of [0-9A-Z], 2 digits that match, not one repeated
    character; `.`, `/`, `-` and white space ignored, letters taken upper-case."""
    bare = cnpj.translate(IGNORED).upper()
    return (
        len(bare) == 14
        and all(c in ALPHABET for c in bare[:12])
        and bare[12:].isdigit()
        and len(set(bare)) > 1
        and with_check_digits(bare[:12]) == bare
    )


def formatted(cnpj: str) -> str:
    return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"


def pg_validity(db: psycopg.Connection, values: list[str]) -> dict[str, bool]:
    rows = db.execute(
        "select v, public.is_valid_cnpj(v) from unnest(%s::text[]) as v", [values]
    ).fetchall()
    return dict(rows)


@pytest.mark.parametrize(
    "cnpj", ["11222333000181", "11.222.333/0001-81", "12ABC34501DE35", "12.ABC.345/01DE-35"]
)
def test_spec_examples_of_valid_cnpj_are_accepted(db, cnpj):
    assert db.execute("select public.is_valid_cnpj(%s)", [cnpj]).fetchone() == (True,)


@pytest.mark.parametrize(
    "cnpj",
    [
        "11222333000180",
        "00000000000000",
        "1122233300018",
        "",
        "112223330001811",
        "11222333000l81",
        "1122233300018A",
        "11_222_333_0001_81",
    ],
)
def test_spec_examples_of_invalid_cnpj_are_refused(db, cnpj):
    assert db.execute("select public.is_valid_cnpj(%s)", [cnpj]).fetchone() == (False,)


def test_is_valid_cnpj_of_null_is_null(db):
    assert db.execute("select public.is_valid_cnpj(null)").fetchone() == (None,)


def test_repeated_characters_are_refused_although_their_digits_check(db):
    # 00000000000000 has "correct" check digits (every sum is 0); so does no other run.
    runs = [c * 14 for c in ALPHABET]
    assert pg_validity(db, runs) == {run: False for run in runs}


def test_random_valid_cnpjs_are_accepted_and_mutations_agree_with_python(db):
    rng = random.Random(20241002)
    numeric = [with_check_digits("".join(rng.choices(string.digits, k=12))) for _ in range(60)]
    alphanumeric = [with_check_digits("".join(rng.choices(ALPHABET, k=12))) for _ in range(60)]
    valid = numeric + alphanumeric
    assert pg_validity(db, valid + [formatted(c) for c in valid]) == {
        c: True for c in valid + [formatted(c) for c in valid]
    }

    mutations = {
        (cnpj, cnpj[:i] + replacement + cnpj[i + 1 :])
        for cnpj in valid
        for i in range(14)
        for replacement in (ALPHABET if i < 12 else string.digits) + "*a "
        if replacement != cnpj[i]
    }
    result = pg_validity(db, sorted({m for _, m in mutations}))
    assert result == {m: python_is_valid(m) for _, m in mutations}
    # Most mutations are refused, but mod 11 with "digit 0 when r < 2" cannot catch every
    # substitution, and the spec's algorithm is what the Receita Federal uses. Every
    # mutation accepted is one of the two blind spots, never a changed check digit:
    accepted = [(c, m) for c, m in mutations if result[m]]
    assert all(undetectable_by_mod_11(c, m) for c, m in accepted)
    numeric_digit_swaps = [(c, m) for c, m in mutations if c.isdigit() and m.isdigit()]
    assert sum(result[m] for _, m in numeric_digit_swaps) < 0.01 * len(numeric_digit_swaps)


def remainders(cnpj: str) -> tuple[int, int]:
    values = [ord(c) - ord("0") for c in cnpj.upper()]
    return (
        sum(v * w for v, w in zip(values[:12], WEIGHTS_1, strict=True)) % 11,
        sum(v * w for v, w in zip(values[:13], WEIGHTS_2, strict=True)) % 11,
    )


def undetectable_by_mod_11(original: str, mutated: str) -> bool:
    """A base character changed by a multiple of 11 (ASCII-48 values: 0 <-> F <-> Q,
    1 <-> G <-> R, A <-> L <-> W, ..., or only its case) leaves both sums unchanged mod 11;
    otherwise both remainders must collapse (0 and 1 both give digit 0)."""
    position = next(i for i, (a, b) in enumerate(zip(original, mutated, strict=True)) if a != b)
    if position >= 12:
        return False
    delta = ord(mutated[position].upper()) - ord(original[position])
    if delta % 11 == 0:
        return True
    old, new = remainders(original), remainders(mutated)
    return all(o < 2 and n < 2 for o, n in zip(old, new, strict=True))


def test_every_one_digit_error_in_the_spec_example_is_refused(db):
    example = "11222333000181"
    mutations = [
        example[:i] + d + example[i + 1 :]
        for i in range(14)
        for d in string.digits
        if d != example[i]
    ]
    assert pg_validity(db, mutations) == {m: False for m in mutations}


def test_normalize_cnpj_strips_punctuation_and_upper_cases(db):
    rows = db.execute(
        "select public.normalize_cnpj(v) from unnest(%s::text[]) with ordinality as t(v, n) "
        "order by n",
        [["11.222.333/0001-81", " 12.abc.345/01de-35 ", "11222333000181", ""]],
    ).fetchall()
    assert [r[0] for r in rows] == ["11222333000181", "12ABC34501DE35", "11222333000181", ""]


def test_formatted_cnpj_is_stored_normalised(db, linked_rows):
    org = insert(db, "organizations", name="Acme Som e Luz", cnpj="11.222.333/0001-81")
    assert org["cnpj"] == "11222333000181"
    db.execute(
        "update public.organizations set cnpj = '12.abc.345/01de-35' where id = %s", [org["id"]]
    )
    assert (
        fetch_one(db, "select cnpj from public.organizations where id = %s", [org["id"]])["cnpj"]
        == "12ABC34501DE35"
    )
    db.execute("update public.organizations set cnpj = ' ' where id = %s", [org["id"]])
    assert (
        fetch_one(db, "select cnpj from public.organizations where id = %s", [org["id"]])["cnpj"]
        is None
    )


def test_invalid_cnpj_is_refused_after_normalisation(db, linked_rows):
    with pytest.raises(psycopg.errors.CheckViolation) as caught:
        insert(db, "organizations", name="Erro", cnpj="11.222.333/0001-80")
    assert caught.value.diag.constraint_name == "organizations_cnpj_check_digits"


def test_cnpj_is_unique_among_organizations_that_are_not_deleted(db, linked_rows):
    first = insert(db, "organizations", name="Primeira", cnpj="11222333000181")
    with pytest.raises(psycopg.errors.UniqueViolation) as caught, db.transaction():
        insert(db, "organizations", name="Segunda", cnpj="11.222.333/0001-81")
    assert caught.value.diag.constraint_name == "organizations_cnpj_unique"

    db.execute("update public.organizations set deleted_at = now() where id = %s", [first["id"]])
    second = insert(db, "organizations", name="Segunda", cnpj="11.222.333/0001-81")
    assert second["cnpj"] == "11222333000181"

    with pytest.raises(psycopg.errors.UniqueViolation) as caught, db.transaction():
        db.execute("update public.organizations set deleted_at = null where id = %s", [first["id"]])
    assert caught.value.diag.constraint_name == "organizations_cnpj_unique"
    # Any number of organizations may have no CNPJ.
    insert(db, "organizations", name="Sem CNPJ 1")
    insert(db, "organizations", name="Sem CNPJ 2", cnpj="")
    assert db.execute(
        "select count(*) from public.organizations where cnpj is null and name like 'Sem CNPJ%%'"
    ).fetchone() == (2,)
