"""Seeded-random STAGETEK V1 data with every kind of mess V1 data has (docs/migration-v1.md), and an oracle:
what the migration must make of it, computed here independently of the SQL mapping.

Variants: emails separated by `,` or `;` (with blanks, duplicates, upper case), invalid
emails, CNPJs formatted / unformatted / alphanumeric / invalid / missing, duplicate clients
(same CNPJ written differently), statuses in Portuguese or English in any case (and a few
unknown ones), stage names in other case, without accents, with extra blanks or unknown,
known / unknown / missing owners (any case, blanks), null / zero / negative values and
values with fractions of a cent, short or missing titles, probabilities out of range,
loss reasons and sources by name variant or unknown, product names in case and accent
variants, lines that do or do not add up to their opportunity's value, invalid lines,
orphan lines, missing timestamps.
"""

from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from dataclasses import astuple, dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import psycopg

CENT = Decimal("0.01")

OWNERS = (
    "ana.souza@stagetek.test",
    "bruno.lima@stagetek.test",
    "carla.dias@stagetek.test",
    "diego.rocha@stagetek.test",
)
DEFAULT_OWNER = "admin@stagetek.test"
UNKNOWN_OWNERS = ("ex.vendedor@stagetek.test", "joao.freela@gmail.com")

STAGES = ("Lead", "Contato feito", "Proposta enviada", "Negociação", "Fechamento")
UNKNOWN_STAGES = ("Qualificação", "Em espera")
LOSS_REASONS = (
    "Preço alto",
    "Escolheu concorrente",
    "Sem orçamento",
    "Sem resposta",
    "Data indisponível",
    "Projeto cancelado",
    "Outro",
)
UNKNOWN_LOSS_REASONS = ("Cliente desistiu", "Fechou com o primo")
SOURCES = (
    "Indicação",
    "Site",
    "Instagram",
    "Google Ads",
    "Evento",
    "Prospecção ativa",
    "WhatsApp",
    "Outro",
)
UNKNOWN_SOURCES = ("Feira 2019", "Outdoor")
STATUSES = {
    "won": ("ganho", "Ganho", "GANHO", "Ganha", "won", "Won", "WON"),
    "lost": ("perdido", "Perdido", "PERDIDO", "lost", "Lost"),
    "open": ("aberto", "Aberto", "ABERTO", "open", "Open", None, ""),
}
UNKNOWN_STATUSES = ("cancelado", "Em pausa")
PRODUCTS = (
    "Palco 10x8",
    "Iluminação LED",
    "Som line array",
    "Tenda cristal 10x10",
    "Gerador 150kVA",
    "Telão de LED 4x3",
    "Pista de dança",
    "Camarim climatizado",
)
COMPANIES = (
    "Eventos",
    "Produções",
    "Festas",
    "Turismo",
    "Formaturas",
    "Buffet",
    "Casamentos",
    "Shows",
    "Congressos",
    "Feiras",
)
FIRST_NAMES = (
    "joao",
    "maria",
    "ana",
    "pedro",
    "lucas",
    "julia",
    "marcos",
    "paula",
    "rafael",
    "fernanda",
    "tiago",
    "beatriz",
)
DOMAINS = ("empresa.com.br", "gmail.com", "eventos.com", "outlook.com", "festas.net")
INVALID_EMAILS = (
    "joao.empresa.com",
    "maria@",
    "@eventos.com",
    "sem email",
    "pedro@@gmail.com",
    "ana@empresa",
    "contato @festas.net",
)
CITIES = (
    ("São Paulo", "SP"),
    ("Campinas", "SP"),
    ("Rio de Janeiro", "RJ"),
    ("Belo Horizonte", "MG"),
    ("Curitiba", "PR"),
    ("Florianópolis", "SC"),
)


@dataclass
class Client:
    id: int
    name: str | None
    email: str | None
    phone: str | None
    cnpj: str | None
    address: str | None
    city: str | None
    state: str | None
    notes: str | None
    created_at: datetime | None


@dataclass
class Opportunity:
    id: int
    client_id: int | None
    title: str | None
    value: Decimal | None
    stage: str | None
    status: str | None
    probability: int | None
    expected_close: date | None
    owner_email: str | None
    lost_reason: str | None
    source: str | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass
class Line:
    id: int
    opportunity_id: int | None
    product_name: str | None
    quantity: Decimal | None
    unit_price: Decimal | None


@dataclass
class V1Data:
    clients: list[Client] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    def insert(self, conn: psycopg.Connection) -> None:
        """COPY the rows (ids included) into the V1 tables and move the sequences on."""
        for table, rows in (
            ("clients", self.clients),
            ("opportunities", self.opportunities),
            ("opportunity_products", self.lines),
        ):
            if not rows:
                continue
            columns = [f.name for f in fields(rows[0])]
            with conn.cursor().copy(f"copy v1.{table} ({', '.join(columns)}) from stdin") as copy:
                for row in rows:
                    copy.write_row(astuple(row))
            conn.execute(
                f"select setval(pg_get_serial_sequence('v1.{table}', 'id'), "
                f"(select max(id) from v1.{table}))"
            )


# --- the oracle -------------------------------------------------------------------


def fold(text: str | None) -> str | None:
    """Case-, accent- and blank-insensitive, as migration.fold."""
    if text is None:
        return None
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    return " ".join(stripped.split()).lower()


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def normalize_cnpj(cnpj: str) -> str:
    return "".join(c for c in cnpj if c not in "./- \t\r\n").upper()


def cnpj_with_check_digits(base12: str) -> str:
    def digit(chars: str, weights: tuple[int, ...]) -> str:
        rest = sum((ord(c) - 48) * w for c, w in zip(chars, weights, strict=True)) % 11
        return "0" if rest < 2 else str(11 - rest)

    first = digit(base12, (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))
    return base12 + first + digit(base12 + first, (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))


def status_of(raw: str | None) -> str | None:
    for status, variants in STATUSES.items():
        if raw in variants:
            return status
    return None


def pg_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Oracle:
    """What the migration must produce from a V1Data (with or without a default owner)."""

    quarantine: dict[tuple[str, int], str]  # (kind, id) -> exact reason
    organizations: list[list[int]]  # client ids sharing one organization, primary first
    valid_emails: dict[int, list[str]]  # client id -> its valid addresses, lower-case
    revenue: dict[int, tuple[Decimal, int]]  # primary client id -> (won revenue, won deals)
    status_totals: dict[str, tuple[Decimal, int]]  # status -> (Σ value, count), migrated

    def migrated(self, kind: str, ids: list[int]) -> list[int]:
        return [i for i in ids if (kind, i) not in self.quarantine]


def oracle(
    data: V1Data,
    valid_cnpjs: dict[int, str],
    email_validity: dict[str, bool],
    *,
    default_owner: bool,
) -> Oracle:
    quarantine: dict[tuple[str, int], str] = {}
    known = {o.lower() for o in OWNERS} | {DEFAULT_OWNER}
    for o in data.opportunities:
        problems = []
        status = status_of(o.status)
        if status is None:
            problems.append(f"unknown status {pg_literal(o.status or '')}")
        if o.value is not None and o.value < 0:
            problems.append(f"negative value {o.value}")
        owner = (o.owner_email or "").strip().lower() or None
        if owner not in known and not default_owner:
            problems.append(
                "no owner_email and no --default-owner"
                if owner is None
                else f"unknown owner {o.owner_email} and no --default-owner"
            )
        if problems:
            quarantine[("opportunity", o.id)] = "; ".join(problems)

    by_opportunity: dict[int | None, list[Line]] = defaultdict(list)
    for line in data.lines:
        by_opportunity[line.opportunity_id].append(line)
    values = {o.id: o.value for o in data.opportunities}
    for opportunity_id, lines in by_opportunity.items():
        own = {line.id: line_problem(line) for line in lines}
        if opportunity_id is None:
            common = "line has no opportunity"
        elif ("opportunity", opportunity_id) in quarantine:
            common = f"opportunity {opportunity_id} is quarantined"
        elif any(own.values()):
            common = f"another line of opportunity {opportunity_id} is quarantined"
        else:
            total = sum(
                (
                    cents(line.quantity * line.unit_price)
                    for line in lines  # type: ignore[operator]
                ),
                Decimal("0.00"),
            )
            value = cents(values[opportunity_id] or Decimal(0))
            common = (
                None
                if total == value
                else (
                    f"lines of opportunity {opportunity_id} total {cents(total)} but its value "
                    f"is {value} (a V2 deal's value is the sum of its lines)"
                )
            )
        for line in lines:
            reason = own[line.id] or common
            if reason:
                quarantine[("opportunity_product", line.id)] = reason

    groups: dict[str, list[int]] = {}
    organizations: list[list[int]] = []
    owner_of: dict[int, int] = {}
    for c in sorted(data.clients, key=lambda c: c.id):
        key = valid_cnpjs.get(c.id)
        if key is not None and key in groups:
            groups[key].append(c.id)
            owner_of[c.id] = groups[key][0]
            continue
        group = [c.id]
        organizations.append(group)
        owner_of[c.id] = c.id
        if key is not None:
            groups[key] = group

    valid_emails: dict[int, list[str]] = {}
    for c in data.clients:
        found: list[str] = []
        for raw_part in (c.email or "").replace(";", ",").split(","):
            part = raw_part.strip()
            if part and email_validity[part] and part.lower() not in found:
                found.append(part.lower())
        valid_emails[c.id] = found

    revenue: dict[int, tuple[Decimal, int]] = {g[0]: (Decimal("0.00"), 0) for g in organizations}
    status_totals: dict[str, tuple[Decimal, int]] = {}
    for o in data.opportunities:
        if ("opportunity", o.id) in quarantine:
            continue
        status = status_of(o.status)
        assert status is not None
        value = cents(o.value or Decimal(0))
        total, count = status_totals.get(status, (Decimal("0.00"), 0))
        status_totals[status] = (total + value, count + 1)
        if status == "won" and o.client_id is not None:
            primary = owner_of[o.client_id]
            total, count = revenue[primary]
            revenue[primary] = (total + value, count + 1)
    return Oracle(quarantine, organizations, valid_emails, revenue, status_totals)


def line_problem(line: Line) -> str | None:
    problems = []
    if not (line.product_name or "").strip():
        problems.append("no product_name")
    if line.quantity is None:
        problems.append("no quantity")
    elif line.quantity <= 0:
        problems.append(f"quantity {line.quantity} is not positive")
    if line.unit_price is None:
        problems.append("no unit_price")
    elif line.unit_price < 0:
        problems.append(f"negative unit_price {line.unit_price}")
    elif cents(line.unit_price) != line.unit_price:
        problems.append(f"unit_price {line.unit_price} has fractions of a cent")
    return "; ".join(problems) or None


# --- the generator ----------------------------------------------------------------


@dataclass
class Generated:
    data: V1Data
    valid_cnpjs: dict[int, str]  # client id -> normalised CNPJ, for valid ones only
    email_validity: dict[str, bool]  # every address part written -> valid?

    def oracle(self, *, default_owner: bool) -> Oracle:
        return oracle(self.data, self.valid_cnpjs, self.email_validity, default_owner=default_owner)


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.valid_cnpjs: dict[int, str] = {}
        self.email_validity: dict[str, bool] = {}

    def pick(self, options):  # type: ignore[no-untyped-def]
        return self.rng.choice(options)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def moment(self) -> datetime:
        start = datetime(2016, 1, 1)
        return start + timedelta(seconds=self.rng.randrange(9 * 365 * 86400))

    def valid_cnpj(self) -> str:
        if self.chance(0.1):  # alphanumeric CNPJ (IN RFB 2.229/2024)
            alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            base = "".join(self.pick(alphabet) for _ in range(8)) + "0001"
        else:
            base = "".join(str(self.rng.randrange(10)) for _ in range(8)) + "0001"
        return cnpj_with_check_digits(base)

    def written(self, cnpj: str) -> str:
        """A valid CNPJ as V1 users typed it."""
        style = self.rng.randrange(4)
        if style == 0:
            return cnpj
        if style == 1:
            return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"
        if style == 2:
            return f" {cnpj[:8]}/{cnpj[8:12]}-{cnpj[12:]} "
        return (
            cnpj.lower()
            if not cnpj.isdigit()
            else f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}{cnpj[8:12]}{cnpj[12:]}"
        )

    def invalid_cnpj(self) -> str | None:
        kind = self.rng.randrange(6)
        if kind == 0:
            cnpj = self.valid_cnpj()
            return cnpj[:13] + str((int(cnpj[13]) + 1) % 10)
        return (None, "", "00000000000000", "1122233300018", "CNPJ pendente")[kind - 1]

    def address(self, name: str, valid: bool) -> str:
        if valid:
            local = name.replace(" ", ".")
            address = f"{local}@{self.pick(DOMAINS)}"
            if self.chance(0.15):
                address = address.upper() if self.chance(0.5) else address.title()
        else:
            address = self.pick(INVALID_EMAILS)
        self.email_validity[address] = valid
        return address

    def emails(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.08:
            return None
        if roll < 0.11:
            return ""
        count = self.rng.choice((1, 1, 1, 2, 2, 3))
        people = self.rng.sample(FIRST_NAMES, count)
        parts = [
            self.address(
                f"{p} {self.rng.randrange(1000)}".replace(" ", ""), valid=not self.chance(0.15)
            )
            for p in people
        ]
        if self.chance(0.05):  # the same address twice, in another case
            twin = parts[0].upper()
            self.email_validity[twin] = self.email_validity[parts[0]]
            parts.append(twin)
        separators = (",", ";", ", ", " ; ", ";  ")
        text = parts[0]
        for part in parts[1:]:
            text += self.pick(separators) + part
        return text

    def client(self, client_id: int, cnpj: str | None, name: str | None = None) -> Client:
        city, state = self.pick(CITIES)
        return Client(
            id=client_id,
            name=name
            or (
                None
                if self.chance(0.02)
                else f"{self.pick(FIRST_NAMES).title()} {self.pick(COMPANIES)}"
                f"{' ' if self.chance(0.9) else '  '}{client_id}"
            ),
            email=self.emails(),
            phone=None if self.chance(0.2) else f"(11) 9{self.rng.randrange(10**7, 10**8)}",
            cnpj=cnpj,
            address=None if self.chance(0.3) else f"Rua {self.rng.randrange(1, 999)}",
            city=None if self.chance(0.2) else city,
            state=None if self.chance(0.2) else state,
            notes=None if self.chance(0.7) else "cliente desde a feira",
            created_at=None if self.chance(0.02) else self.moment(),
        )

    def clients(self, count: int) -> list[Client]:
        clients: list[Client] = []
        client_id = 1
        while len(clients) < count:
            roll = self.rng.random()
            if roll < 0.12:  # duplicates: one company entered two or three times
                cnpj = self.valid_cnpj()
                for _ in range(self.rng.choice((2, 2, 3))):
                    clients.append(self.client(client_id, self.written(cnpj)))
                    self.valid_cnpjs[client_id] = cnpj
                    client_id += 1
                continue
            if roll < 0.7:
                cnpj = self.valid_cnpj()
                clients.append(self.client(client_id, self.written(cnpj)))
                self.valid_cnpjs[client_id] = cnpj
            else:
                clients.append(self.client(client_id, self.invalid_cnpj()))
            client_id += 1
        return clients

    def stage(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.05:
            return None
        if roll < 0.1:
            return self.pick(UNKNOWN_STAGES)
        name = self.pick(STAGES)
        return self.pick(
            (
                name,
                name,
                name.lower(),
                name.upper(),
                fold(name) or name,
                f"  {name.lower().replace(' ', '   ')} ",
            )
        )

    def value(self) -> Decimal | None:
        roll = self.rng.random()
        if roll < 0.05:
            return None
        if roll < 0.08:
            return -Decimal(self.rng.randrange(100, 500000)) / 100
        if roll < 0.1:
            return Decimal("0")
        if roll < 0.12:
            return Decimal(self.rng.randrange(100000, 5000000)) / 1000
        return Decimal(self.rng.randrange(50000, 20000000)) / 100

    def opportunity(self, opportunity_id: int, client_ids: list[int]) -> Opportunity:
        roll = self.rng.random()
        if roll < 0.02:
            status = self.pick(UNKNOWN_STATUSES)
        else:
            status = self.pick(
                self.pick((STATUSES["won"], STATUSES["lost"], STATUSES["open"], STATUSES["open"]))
            )
        owner_roll = self.rng.random()
        if owner_roll < 0.04:
            owner: str | None = None
        elif owner_roll < 0.09:
            owner = self.pick(UNKNOWN_OWNERS)
        else:
            owner = self.pick(OWNERS)
            owner = self.pick((owner, owner, owner.upper(), f" {owner.title()} "))
        lost_reason = None
        if status_of(status) == "lost" or self.chance(0.05):
            reason = self.pick(LOSS_REASONS)
            lost_reason = self.pick(
                (
                    reason,
                    reason.lower(),
                    fold(reason),
                    reason.upper(),
                    self.pick(UNKNOWN_LOSS_REASONS),
                    None,
                    "",
                )
            )
        source = None
        if self.chance(0.8):
            known = self.pick(SOURCES)
            source = self.pick((known, known.lower(), fold(known), self.pick(UNKNOWN_SOURCES)))
        created = None if self.chance(0.02) else self.moment()
        updated = (
            None
            if self.chance(0.1) or created is None
            else created
            + timedelta(days=self.rng.randrange(0, 400), minutes=self.rng.randrange(600))
        )
        title = (
            f"{self.pick(('Casamento', 'Formatura', 'Show', 'Congresso', 'Feira'))} "
            f"{self.pick(FIRST_NAMES).title()} {opportunity_id}"
        )
        if self.chance(0.02):
            title = self.pick((None, "", "ab", "  x "))
        return Opportunity(
            id=opportunity_id,
            client_id=None if self.chance(0.04) else self.pick(client_ids),
            title=title,
            value=self.value(),
            stage=self.stage(),
            status=status,
            probability=self.pick((None, None, 10, 50, 90, 100, 0, 150, -5)),
            expected_close=None
            if self.chance(0.3)
            else date(2024, 1, 1) + timedelta(days=self.rng.randrange(900)),
            owner_email=owner,
            lost_reason=lost_reason,
            source=source,
            created_at=created,
            updated_at=updated,
        )

    def product_name(self) -> str:
        name = self.pick(PRODUCTS)
        return self.pick(
            (name, name, name, name.lower(), fold(name) or name, name.upper(), f" {name} ")
        )

    def lines_for(self, opportunity: Opportunity, next_id: int) -> list[Line]:
        count = self.rng.choice((1, 1, 2, 2, 3, 4))
        lines = []
        for i in range(count):
            quantity = (
                Decimal(self.rng.choice((1, 1, 2, 3, 4, 10)))
                if self.chance(0.9)
                else Decimal("1.5")
            )
            price = Decimal(self.rng.randrange(10000, 3000000)) / 100
            lines.append(Line(next_id + i, opportunity.id, self.product_name(), quantity, price))
        roll = self.rng.random()
        if roll < 0.85:  # the usual case: the value is the sum of the lines
            if opportunity.value is not None and opportunity.value >= 0:
                opportunity.value = sum(
                    (
                        cents(ln.quantity * ln.unit_price)  # type: ignore[operator]
                        for ln in lines
                    ),
                    Decimal("0.00"),
                )
        elif roll < 0.93:  # a broken line
            broken = self.pick(lines)
            which = self.rng.randrange(7)
            if which == 0:
                broken.quantity = Decimal("0")
            elif which == 1:
                broken.quantity = Decimal("-1")
            elif which == 2:
                broken.quantity = None
            elif which == 3:
                broken.unit_price = None
            elif which == 4:
                broken.unit_price = Decimal("-10.00")
            elif which == 5:
                broken.unit_price = Decimal("12.345")
            else:
                broken.product_name = self.pick(("", "  ", None))
        # else: lines that do not add up to the value
        return lines

    def generate(
        self, clients: int, opportunities: int, *, lines_share: float = 0.4, orphan_lines: int = 3
    ) -> Generated:
        data = V1Data(clients=self.clients(clients))
        client_ids = [c.id for c in data.clients]
        next_line = 1
        for opportunity_id in range(1, opportunities + 1):
            opportunity = self.opportunity(opportunity_id, client_ids)
            data.opportunities.append(opportunity)
            if self.chance(lines_share):
                lines = self.lines_for(opportunity, next_line)
                data.lines.extend(lines)
                next_line += len(lines)
        for _ in range(orphan_lines):
            data.lines.append(
                Line(next_line, None, self.product_name(), Decimal("1"), Decimal("100.00"))
            )
            next_line += 1
        return Generated(data, self.valid_cnpjs, self.email_validity)


def generate(seed: int, clients: int, opportunities: int, **options: float) -> Generated:
    return Generator(seed).generate(clients, opportunities, **options)  # type: ignore[arg-type]
