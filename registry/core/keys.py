"""Data-key rotation: re-encrypt every encrypted column with the newest key."""
from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from registry.core.crypto import EncryptedBytes, EncryptedText, FieldCipher
from registry.core.extensions import db


def encrypted_columns() -> list[tuple[sa.Table, list[sa.Column]]]:
    """Every table with encrypted columns, from the model metadata."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (EncryptedText, EncryptedBytes))]
        if columns:
            found.append((table, columns))
    return found


def reencrypt_batches(cipher: FieldCipher, batch: int = 500) -> Iterator[tuple[str, int]]:
    """Re-seal every value not sealed by the newest key, `batch` rows at a time.

    Yields (table name, rows changed) after each batch; flushes only, so the
    `flask keys rotate` job commits per batch and a rerun picks up the rest.
    """
    for table, columns in encrypted_columns():
        pk = list(table.primary_key.columns)[0]
        # Read the raw tokens: the columns' own types would decrypt them.
        raw_cols = [sa.column(c.name, sa.LargeBinary) for c in columns]
        raw_table = sa.table(table.name, sa.column(pk.name), *raw_cols)
        last = None
        while True:
            query = sa.select(raw_table).order_by(raw_table.c[pk.name]).limit(batch)
            if last is not None:
                query = query.where(raw_table.c[pk.name] > last)
            rows = db.session.execute(query).all()
            if not rows:
                yield table.name, 0
                break
            count = 0
            for row in rows:
                mapping = row._mapping
                last = mapping[pk.name]
                updates = {}
                for c in columns:
                    token = mapping[c.name]
                    if token is not None and not cipher.is_current(bytes(token)):
                        updates[c.name] = cipher.rotate(bytes(token))
                if updates:
                    db.session.execute(sa.update(raw_table).where(raw_table.c[pk.name] == last).values(**updates))
                    count += 1
            yield table.name, count


def reencrypt_all(cipher: FieldCipher, batch: int = 500) -> dict[str, int]:
    """Every batch in the caller's one transaction; returns rows changed per table."""
    changed: dict[str, int] = {}
    for table, count in reencrypt_batches(cipher, batch):
        changed[table] = changed.get(table, 0) + count
    return changed
