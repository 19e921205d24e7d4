"""The keyword side of a query: which of its words are identifiers, and the BM25 terms explain shows.

Every word of a query is reduced to English lexemes by PostgreSQL (``to_tsvector('english')``,
stopwords dropped) and each lexeme is weighed by its IDF in the searched projects
(``keyword_terms``, kept current by the triggers of db/006_keyword_stats.sql). Identifiers
are the words a person means letter for letter: ``ERR_CONN_RESET``, ``src/app/db.py``,
``useAuthStore``, ``ATL-4394``, ``RS256``. Each becomes a phrase (``err <-> conn <-> reset``)
and a memory holding it ranks before those that do not.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg

# Punctuation around a word that is not part of it ("ERR_CONN_RESET?", "(src/app/db.py)").
_EDGES = "\"'`()[]{}<>,;:!?*"
# An underscore, a separator between alphanumerics (. / : -), a lower-to-upper case change
# inside a word that starts in lower case (useAuthStore, not PostgreSQL), or letters with digits.
_IDENTIFIER = re.compile(r"_|[A-Za-z0-9][./:\\][A-Za-z0-9]|^[a-z]+[A-Z]|[A-Za-z].*\d|\d.*[A-Za-z]")

# The query's lexemes in each returned memory: term frequency (title positions counted
# ``title_weight`` times, as in the ranking), document frequency and IDF in the searched
# projects; of a long query, only its ``max_terms`` rarest lexemes (those no live memory
# holds last), as the ranking weighs.
# For explain only, for the returned rows only.
EXPLAIN_TERMS = """
WITH corpus AS (
    SELECT GREATEST(COALESCE(sum(doc_count), 0), 1)::float8 AS n
    FROM keyword_projects WHERE project = ANY(%(projects)s)
),
counted AS (
    SELECT q.lexeme, COALESCE(sum(t.doc_count), 0)::float8 AS df
    FROM unnest(tsvector_to_array(to_tsvector('english', %(query)s))) AS q (lexeme)
    LEFT JOIN keyword_terms t ON t.lexeme = q.lexeme AND t.project = ANY(%(projects)s)
    GROUP BY q.lexeme
),
terms AS (
    SELECT lexeme, df FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY df = 0, df, lexeme) AS rarity FROM counted) AS r
    WHERE rarity <= %(max_terms)s
)
SELECT m.id, t.lexeme, t.df,
       ln(1 + (c.n - t.df + 0.5) / (t.df + 0.5)) AS idf,
       cardinality(u.positions) + (%(title_weight)s - 1) * cardinality(array_positions(u.weights, 'A')) AS tf
FROM memories m
CROSS JOIN LATERAL unnest(m.search_tsv) AS u
JOIN terms t ON t.lexeme = u.lexeme
CROSS JOIN corpus c
WHERE m.id = ANY(%(ids)s) AND m.project = ANY(%(projects)s)
ORDER BY m.id, t.lexeme
"""


def identifiers(query: str) -> list[str]:
    """The words of the query that are identifiers, without surrounding punctuation."""
    words = (word.strip(_EDGES) for word in query.split())
    return [word for word in words if word and _IDENTIFIER.search(word)]


def explain_terms(conn: psycopg.Connection[Any], query: str, ids: list[Any], projects: list[str],
                  title_weight: float, max_terms: int) -> dict[Any, list[dict[str, Any]]]:
    """Each returned memory's matched query lexemes: ``{"term", "tf", "df", "idf"}``, by term."""
    rows = conn.execute(EXPLAIN_TERMS, {"query": query, "ids": ids, "projects": projects,
                                        "title_weight": title_weight, "max_terms": max_terms}).fetchall()
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["id"], []).append({"term": row["lexeme"], "tf": float(row["tf"]),
                                              "df": int(row["df"]), "idf": float(row["idf"])})
    return out
