"""Enterprise search: one box (code, name, brand) plus region and service filters.

Ranking tiers: the exact credit code, then enterprises whose name or a brand
starts with the query, then the other substring matches; each tier in id
order. Indexes differ by database but the results do not:

- SQLite: FTS5 trigram table over search_text for queries of 3+ characters,
  an FTS5 table over search_grams (two-character grams as words) for
  2-character queries, which trigrams cannot answer.
- PostgreSQL: pg_trgm GIN over search_text; a GIN over the gram array for
  2-character queries (pg_trgm extracts no trigram from "%家政%").

When a city is chosen and the words are common, the city's few thousand rows
are scanned directly: cheaper than walking a popular word's whole posting
list to find the city's matches.
Counts stop at COUNT_CAP (shown as "1000+"): exact counts of a popular word
over millions of rows cost more than they tell anyone.

PostgreSQL at a million rows (EXPLAIN plans in issue 17's note): a count to
the cap still reads ~1000 scattered heap pages (10-20 ms), so the search
counts as little as it can. A gram whose element statistics put it at
ESTIMATED_PAST_CAP+ rows is "1000+" unread; a prefix tier past the cap makes
the total "1000+" without a second count; a prefix tier the planner expects
to be large is first paged from a bounded primary-key window (window_page),
which needs no count of the tier at all. Parallel workers are off for these
statements: starting them cost more than the walks they split.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from registry.core.extensions import db
from registry.enterprises import catalog, creditcode
from registry.enterprises.models import FIELD_SEPARATOR, Enterprise
from registry.enterprises.search_input import (  # noqa: F401 - re-exported: the loader, services and views use them here
    MistypedCode,
    QueryTooShort,
    check_typed_code,
    normalize_text,
    search_fields,
)

COUNT_CAP = 1000
DENSE_ROWS = 50_000
CITY_SCAN_CAP = 5000
# PostgreSQL: a gram estimated in more rows than this is counted as "1000+" unread.
ESTIMATED_PAST_CAP = 20 * COUNT_CAP
# PostgreSQL: prefix tiers estimated at WINDOW_MIN_ESTIMATE+ rows are first looked
# for among the first WINDOW_ROWS rows in id order (window_page).
WINDOW_MIN_ESTIMATE = 5000
WINDOW_ROWS = 20_000
MAX_QUERY_LENGTH = 50

fts_table = sa.table("enterprise_fts", sa.column("rowid"))
grams_table = sa.table("enterprise_grams", sa.column("rowid"))


@dataclass
class SearchResult:
    """One page of ranked results; total stops counting at COUNT_CAP."""

    items: list[Enterprise]
    page: int
    per_page: int
    total: int
    capped: bool
    query: str = ""
    exact_code: str | None = None
    tiers: dict[int, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _fts_phrase(text: str) -> str:
    # A quoted FTS5 string is a phrase: OR, NOT, *, ^ and : inside it are plain text.
    return '"' + text.replace('"', '""') + '"'


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class _Plan:
    """SQL conditions for one query on one database."""

    def __init__(self, dialect: str, q: str, scan_by_city: bool):
        self.dialect, self.q, self.scan_by_city = dialect, q, scan_by_city
        self.prefix_text = FIELD_SEPARATOR + q
        self.materialized: dict[int, list[int]] | None = None

    def _contains(self, text: str):
        if self.dialect == "sqlite":
            return sa.func.instr(Enterprise.search_text, text) > 0
        return Enterprise.search_text.like(_like_pattern(text), escape="\\")

    def _not_contains(self, text: str):
        if self.dialect == "sqlite":
            return sa.func.instr(Enterprise.search_text, text) == 0
        return sa.func.strpos(Enterprise.search_text, text) == 0

    def _gram_ok(self) -> bool:
        return len(self.q) == 2 and self.q.isalnum()

    def select(self, tier: int, filters: list, walk: bool = False) -> tuple[sa.Select, sa.ColumnElement]:
        """Ids of a tier (1 prefix, 2 other substrings) under filters, and the column to page them by.

        `walk` (PostgreSQL, a primary-key walk): test each row with strpos,
        the same answer as the indexable forms at a fraction of their cost
        per row (splitting the gram string of every row walked cost ~4 us).
        """
        where = list(filters)
        if self.dialect != "sqlite" or self.scan_by_city or not (self._gram_ok() or len(self.q) >= 3):
            if walk and self.dialect == "postgresql":
                where.append(sa.func.strpos(Enterprise.search_text, self.prefix_text if tier == 1 else self.q) > 0)
                if tier == 2:
                    where.append(self._not_contains(self.prefix_text))
            elif tier == 1:
                where.append(self._contains(self.prefix_text))
            else:
                # On SQLite this is the city scan, or two characters that are not
                # letters or digits ("%_"), which no index answers: rare, still correct.
                where.append(self._pg_substring() if self.dialect != "sqlite" else self._contains(self.q))
                where.append(self._not_contains(self.prefix_text))
            return sa.select(Enterprise.id).where(*where), Enterprise.id
        source, match, extra = self._fts(tier)
        # The FTS table drives and pages by its rowid, so FTS5 hands rows over in
        # order instead of sorting every match; the enterprise row is read only
        # when a filter needs it.
        statement = sa.select(source.c.rowid).where(sa.literal_column(source.name).op("MATCH")(match), *extra)
        if where:
            statement = statement.join(Enterprise, Enterprise.id == source.c.rowid).where(*where)
        return statement, source.c.rowid

    def _fts(self, tier: int):
        """SQLite: (FTS table, MATCH expression, extra conditions) of a tier."""
        prefix = _fts_phrase(self.prefix_text)
        if tier == 1:
            return fts_table, prefix, []
        if len(self.q) >= 3:
            # Substring but no field starting with it, decided inside the index.
            return fts_table, f"{_fts_phrase(self.q)} NOT {prefix}", []
        prefixed = sa.select(fts_table.c.rowid).where(sa.literal_column(fts_table.name).op("MATCH")(prefix))
        return grams_table, _fts_phrase(self.q), [grams_table.c.rowid.not_in(prefixed)]

    def prefers_city_scan(self, city: str) -> bool:
        """SQLite: scan the city's rows unless the words match fewer rows than the city holds."""
        if not (self._gram_ok() or len(self.q) >= 3):
            return True
        city_rows = _capped_count(sa.select(Enterprise.id).where(Enterprise.city_code == city), CITY_SCAN_CAP)
        source = grams_table if len(self.q) == 2 else fts_table
        term_rows = _capped_count(sa.select(source.c.rowid).where(
            sa.literal_column(source.name).op("MATCH")(_fts_phrase(self.q))), CITY_SCAN_CAP)
        return city_rows <= term_rows

    def scan_city(self, filters: list) -> None:
        """Read the city's matches once and split them into tiers, instead of walking the city four times."""
        position = sa.func.instr if self.dialect == "sqlite" else sa.func.strpos
        rows = db.session.execute(
            sa.select(Enterprise.id, position(Enterprise.search_text, self.prefix_text) > 0)
            .where(*filters, position(Enterprise.search_text, self.q) > 0).order_by(Enterprise.id)
            .limit(CITY_SCAN_CAP)).all()
        if len(rows) >= CITY_SCAN_CAP:
            return  # a huge city and a common word: per-tier queries stop at the count cap instead
        self.materialized = {1: [i for i, is_prefix in rows if is_prefix],
                             2: [i for i, is_prefix in rows if not is_prefix]}

    def page(self, tier: int, filters: list, limit: int, offset: int, matches: int) -> list[int]:
        """Ids of one page of a tier, in id order."""
        if self.materialized is not None:
            return self.materialized[tier][offset:offset + limit]
        few = self.dialect == "postgresql" and matches <= COUNT_CAP
        select, order = self.select(tier, filters, walk=not few)
        if few:
            # Few matches: collect them through the indexes and sort, rather than
            # walk the primary key hoping to meet matches early.
            self._pg_plan(bitmap=True)
            order = Enterprise.id + 0
        else:
            # Many matches: walking the primary key (or city, id) meets a page soon.
            self._pg_plan(bitmap=False)
        return list(db.session.scalars(select.order_by(order).limit(limit).offset(offset)))

    def count(self, tier: int, filters: list) -> int:
        """Matches of a tier, counted up to COUNT_CAP + 1."""
        if self.materialized is not None:
            return min(len(self.materialized[tier]), COUNT_CAP + 1)
        self._pg_plan(bitmap=True)
        return _capped_count(self.select(tier, filters)[0])

    def count_all(self, filters: list) -> int:
        """Substring matches of both tiers, counted up to COUNT_CAP + 1.

        Cheaper than counting tier 2 itself, which must look at (and reject)
        every prefix match: a brand that starts with a common word would make
        that a walk over all of them.
        """
        if self.materialized is not None:
            return min(len(self.materialized[1]) + len(self.materialized[2]), COUNT_CAP + 1)
        where = list(filters)
        if self.dialect != "sqlite" or self.scan_by_city or not (self._gram_ok() or len(self.q) >= 3):
            where.append(self._pg_substring() if self.dialect != "sqlite" else self._contains(self.q))
            statement = sa.select(Enterprise.id).where(*where)
            # A gram in a fifth of all rows: walking the primary key meets the
            # cap within a few thousand rows, while a bitmap must first collect
            # every match. ANALYZE's element statistics on the gram index tell which.
            estimate = self._pg_estimate(statement) if self._gram_ok() else 0.0
            if estimate > ESTIMATED_PAST_CAP:
                # The gram index's element statistics put this many times the cap
                # in range: counting to the cap would still read ~1000 rows.
                return COUNT_CAP + 1
            self._pg_plan(bitmap=estimate <= DENSE_ROWS)
            return _capped_count(statement)
        source = grams_table if len(self.q) == 2 else fts_table
        statement = sa.select(source.c.rowid).where(sa.literal_column(source.name).op("MATCH")(_fts_phrase(self.q)))
        if where:
            statement = statement.join(Enterprise, Enterprise.id == source.c.rowid).where(*where)
        return _capped_count(statement)

    def window_page(self, filters: list, limit: int, offset: int) -> list[int] | None:
        """PostgreSQL: a page of tier 1 found among the first WINDOW_ROWS rows in id order, else None.

        When the planner expects many prefix matches, walking the primary key
        over a bounded window meets a page after a few hundred rows; if the
        window holds a full page, those are the first matches of the whole
        table, so neither a count of the tier nor a bitmap of all its matches
        is needed. A sparse or unlucky window gives None and the counted path.
        """
        if self.dialect != "postgresql" or self.materialized is not None or limit <= 0:
            return None
        if self._pg_estimate(self.select(1, filters)[0]) < WINDOW_MIN_ESTIMATE:
            return None
        self._pg_plan(bitmap=False)
        window = (sa.select(Enterprise.id, Enterprise.search_text).where(*filters)
                  .order_by(Enterprise.id).limit(WINDOW_ROWS).subquery())
        found = list(db.session.scalars(
            sa.select(window.c.id).where(sa.func.strpos(window.c.search_text, self.prefix_text) > 0)
            .order_by(window.c.id).limit(limit).offset(offset)))
        return found if len(found) == limit else None

    def _pg_estimate(self, statement: sa.Select) -> float:
        """PostgreSQL's row estimate for a statement (0 elsewhere)."""
        if self.dialect != "postgresql":
            return 0.0
        sql = statement.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = db.session.execute(sa.text("EXPLAIN (FORMAT JSON) " + str(sql).replace(":", r"\:"))).scalar()
        return float(plan[0]["Plan"]["Plan Rows"])

    def _pg_plan(self, bitmap: bool) -> None:
        # PostgreSQL estimates LIKE '%...%' selectivity by a fixed rule, not from
        # the trigram index, and with a LIMIT it then likes to scan the whole
        # table hoping to stop early: a rare word costs a full scan. We know
        # better (we counted first), so we say which access path to take.
        # SET LOCAL lasts until the request's transaction ends; reset() undoes it.
        if self.dialect != "postgresql":
            return
        # jit off: a disabled path costs 1e10 in the planner's eyes, which would
        # otherwise trigger ~50-100 ms of JIT compilation for a millisecond query.
        flag = "on" if bitmap else "off"
        db.session.execute(sa.text(f"SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = {flag}; "
                                   f"SET LOCAL enable_indexscan = {'off' if bitmap else 'on'}; SET LOCAL jit = off; "
                                   # Parallel workers take longer to start than these walks last,
                                   # and on a busy 2-core server they only queue behind requests.
                                   "SET LOCAL max_parallel_workers_per_gather = 0"))

    def reset(self) -> None:
        """Give the planner its defaults back."""
        if self.dialect == "postgresql":
            db.session.execute(sa.text("SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL enable_bitmapscan TO DEFAULT; "
                                       "SET LOCAL enable_indexscan TO DEFAULT; SET LOCAL jit TO DEFAULT; "
                                       "SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))

    def _pg_substring(self):
        if self._gram_ok():
            return sa.text("string_to_array(enterprise.search_grams, ' ') @> ARRAY[:gram]::text[]").bindparams(
                gram=self.q)
        return Enterprise.search_text.like(_like_pattern(self.q), escape="\\")


def _filters(province: str | None, city: str | None, service: str | None, code: str | None) -> list:
    where = []
    if province and city:
        # The city decides (its province comes with it); kept off the province
        # index, whose bitmap the planner would otherwise AND in for nothing.
        where.append(Enterprise.province_code.concat("") == province)
    elif province:
        where.append(Enterprise.province_code == province)
    if city:
        where.append(Enterprise.city_code == city)
    if service:
        where.append(Enterprise.service_mask.op("&")(catalog.SERVICE_TYPES[service][0]) != 0)
    if code:
        where.append(Enterprise.credit_code == code)
    return where


def _capped_count(select: sa.Select, cap: int | None = None) -> int:
    cap = COUNT_CAP if cap is None else cap
    return db.session.scalar(sa.select(sa.func.count()).select_from(select.limit(cap + 1).subquery()))


def search(q: str | None = None, *, province: str | None = None, city: str | None = None,
           service: str | None = None, code: str | None = None, page: int = 1,
           per_page: int = 20) -> SearchResult:
    """Ranked, paginated search; raises QueryTooShort for one-character queries and MistypedCode for a
    credit code (the code parameter, or a query that looks like one) failing its check."""
    q = normalize_text(q or "")[:MAX_QUERY_LENGTH]
    check_typed_code(code or "", "code", always=True)
    check_typed_code(q, "q")
    code = creditcode.normalize(code) if code else None
    filters = _filters(province, city, service, code)
    offset = (page - 1) * per_page
    if not q:
        base = sa.select(Enterprise.id).where(*filters)
        total = _capped_count(base)
        ids = db.session.scalars(base.order_by(Enterprise.id).limit(per_page).offset(offset)).all()
        return _result(ids, {}, page, per_page, total, q, None)
    if len(q) < 2:
        raise QueryTooShort(_("Enter at least two characters of a name or brand, or a full credit code."),
                            fields={"q": [_("Enter at least two characters.")]})

    exact_id = None
    if creditcode.looks_like_code(q):
        exact_id = db.session.scalar(sa.select(Enterprise.id).where(
            Enterprise.credit_code == creditcode.normalize(q), *filters))
    rest = filters + ([Enterprise.id != exact_id] if exact_id else [])
    plan = _Plan(db.session.get_bind().dialect.name, q, scan_by_city=False)
    if city:
        # PostgreSQL's estimates for a common gram inside one city are poor
        # (it ANDs a huge GIN bitmap), so there the city's rows are always read.
        plan.scan_by_city = plan.prefers_city_scan(city) if plan.dialect == "sqlite" else True
        if plan.scan_by_city:
            plan.scan_city(rest)

    ids: list[int] = []
    tiers: dict[int, str] = {}
    position = offset
    if exact_id:
        if position == 0:
            ids.append(exact_id)
            tiers[exact_id] = "code"
        else:
            position -= 1
    want = per_page - len(ids)
    early = plan.window_page(rest, want, position) if position < COUNT_CAP else None
    if early is not None:
        # A full page of prefix matches: the tier's own count is not needed.
        total = min(COUNT_CAP + 1, (1 if exact_id else 0) + plan.count_all(rest))
        ids.extend(early)
        tiers.update({i: "prefix" for i in early})
        plan.reset()
        return _result(ids, tiers, page, per_page, total, q, creditcode.normalize(q) if exact_id else None)
    prefix_count = plan.count(1, rest)
    # Prefix matches past the cap put every match past it: no second count.
    all_count = plan.count_all(rest) if prefix_count <= COUNT_CAP else COUNT_CAP + 1
    total = min(COUNT_CAP + 1, (1 if exact_id else 0) + all_count)
    # Past the cap the split is unknown, but pages never reach past the cap either.
    other_count = all_count - prefix_count if all_count <= COUNT_CAP else COUNT_CAP + 1
    if want and position < prefix_count:
        found = plan.page(1, rest, want, position, prefix_count)
        ids.extend(found)
        tiers.update({i: "prefix" for i in found})
        want -= len(found)
        position = 0
    else:
        position -= min(position, prefix_count)
    if want > 0:
        found = plan.page(2, rest, want, position, other_count)
        ids.extend(found)
        tiers.update({i: "substring" for i in found})
    plan.reset()
    return _result(ids, tiers, page, per_page, total, q,
                   creditcode.normalize(q) if exact_id else None)


def _result(ids, tiers, page, per_page, total, q, exact_code) -> SearchResult:
    capped = total > COUNT_CAP
    items: list[Enterprise] = []
    if ids:
        loaded = {e.id: e for e in db.session.scalars(
            sa.select(Enterprise).where(Enterprise.id.in_(ids)).options(selectinload(Enterprise.brands)))}
        items = [loaded[i] for i in ids if i in loaded]
    return SearchResult(items, page, per_page, min(total, COUNT_CAP), capped, q, exact_code, tiers)
