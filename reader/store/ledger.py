"""The delivery ledger: one row per subscriber of an alert, claimed by senders in leased batches.

A sender claims up to n pending rows of one lane as a batch (a push_batches row with an owner
and a lease). It renews the lease while it works and records each answer fenced by the batch:
an answer for a row whose batch was taken over is refused, so a sender that stalled past its
lease cannot overwrite the new owner's work. Lapsed batches are released by whoever claims next.
On PostgreSQL the claim skips rows another claim has locked (FOR UPDATE SKIP LOCKED), so any
number of senders on any number of machines share one alert; on SQLite claims take turns.
"""
FANOUT_CHUNK = 5000  # subscribers written to the ledger per transaction, so other writers never wait long
MARK_CHUNK = 500    # delivery ids per statement when marking subscriptions reached
KEY_COLUMNS = "d.id, d.endpoint, d.attempts, d.subscription_id, d.lane, d.click_token, s.p256dh, s.auth"
# Each row's click token: 128 random bits on SQLite (its CSPRNG), 122 on PostgreSQL (a v4 UUID from
# pg_strong_random), so a click report is believed only from the phone the delivery went to.
CLICK_TOKEN = {"sqlite": "lower(hex(randomblob(16)))", "postgresql": "replace(gen_random_uuid()::text, '-', '')"}
# How a claim takes the rows it picked. On SQLite claims take turns under the write lock and a
# row is re-checked. On PostgreSQL the pick locked its rows (skipping others' locks, re-checked
# on their latest version), so they are still free: each is one primary-key lookup. Planned
# without fresh statistics (a ledger just written), `id IN (SELECT ...) AND state = ...` was run
# as a loop over every pending row of the alert: each 500-row claim cost O(subscribers) of the
# server's CPU, 1-2 s at 20,000. An array of ids alone can only be looked up.
TAKE_PICKED = {"sqlite": "id IN (SELECT id FROM picked) AND state = 'pending' AND batch_id IS NULL",
               "postgresql": "id = ANY(ARRAY(SELECT id FROM picked))"}


def fan_out_chunk(db, alert_id, topic, cursor):
    """Write the next chunk of subscribers after `cursor` (a subscription id) to the ledger.

    Returns the new cursor, or None when every subscriber is in the ledger (fanout_done set).
    Only the sender whose compare-and-set on the alert's cursor wins writes the chunk.
    """
    with db.transaction():
        upper = db.execute(
            "SELECT MAX(subscription_id) FROM (SELECT subscription_id FROM subscription_topics"
            " WHERE topic = ? AND subscription_id > ? ORDER BY subscription_id LIMIT ?) AS chunk",
            (topic, cursor, FANOUT_CHUNK)).fetchone()[0]
        if upper is None:
            db.execute("UPDATE alerts SET fanout_done = 1 WHERE id = ?", (alert_id,))
            return None
        if db.execute("UPDATE alerts SET fanout_cursor = ? WHERE id = ? AND fanout_cursor = ?",
                      (upper, alert_id, cursor)).rowcount != 1:
            return _cursor(db, alert_id)  # another sender wrote this chunk
        db.execute(
            "INSERT INTO deliveries (alert_id, subscription_id, endpoint, click_token)"
            f" SELECT ?, s.id, s.endpoint, {CLICK_TOKEN[db.dialect]} FROM subscription_topics t"
            " JOIN subscriptions s ON s.id = t.subscription_id"
            " WHERE t.topic = ? AND t.subscription_id > ? AND t.subscription_id <= ? ON CONFLICT DO NOTHING",
            (alert_id, topic, cursor, upper))
        return upper


def _cursor(db, alert_id):
    row = db.execute("SELECT fanout_cursor, fanout_done FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return None if row is None or row[1] else row[0]


def claim(db, alert_id, *, owner, lane, limit, now, lease):
    """Claim up to `limit` due rows of a lane as a new batch; returns (batch_id, rows) or (None, []).

    Rows carry what is needed to send: id, endpoint, attempts, subscription_id, lane and the
    subscriber's keys (NULL when the subscriber left meanwhile). Lapsed batches are released first.
    """
    skip_locked = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""
    if not _claimable(db, alert_id, lane, now, owner):
        return None, []  # nothing to take: no write transaction, no lock
    with db.transaction():
        release_lapsed(db, alert_id, now, owner)
        if db.execute("SELECT 1 FROM alerts WHERE id = ? AND state = 'sending'", (alert_id,)).fetchone() is None:
            return None, []
        batch_id = db.execute(
            "INSERT INTO push_batches (alert_id, owner, lane, lease_until) VALUES (?, ?, ?, ?) RETURNING id",
            (alert_id, owner, lane, now + lease)).fetchone()[0]
        # The rows are picked (and on PostgreSQL locked, skipping others' locks) once, then taken
        # while still free (TAKE_PICKED): a row another claim took meanwhile is left to it.
        claimed = db.execute(
            "WITH picked AS MATERIALIZED (SELECT id FROM deliveries WHERE alert_id = ? AND lane = ?"
            " AND state = 'pending' AND batch_id IS NULL AND next_attempt_at <= ?"
            f" ORDER BY next_attempt_at LIMIT ?{skip_locked})"
            f" UPDATE deliveries SET batch_id = ? WHERE {TAKE_PICKED[db.dialect]}",
            (alert_id, lane, now, limit, batch_id)).rowcount
        if not claimed:
            db.execute("DELETE FROM push_batches WHERE id = ?", (batch_id,))
            return None, []
        rows = db.execute(f"SELECT {KEY_COLUMNS} FROM deliveries d LEFT JOIN subscriptions s"
                          " ON s.id = d.subscription_id WHERE d.batch_id = ? AND d.state = 'pending' ORDER BY d.id",
                          (batch_id,)).fetchall()
    return batch_id, rows


def _claimable(db, alert_id, lane, now, owner):
    free = db.execute("SELECT 1 FROM deliveries WHERE alert_id = ? AND lane = ? AND state = 'pending'"
                      " AND batch_id IS NULL AND next_attempt_at <= ? LIMIT 1", (alert_id, lane, now)).fetchone()
    lapsed = db.execute("SELECT 1 FROM push_batches WHERE alert_id = ? AND lease_until < ? AND owner <> ? LIMIT 1",
                        (alert_id, now, owner)).fetchone()
    return free is not None or lapsed is not None


def release_lapsed(db, alert_id, now, claimer):
    """Give back the rows of other senders' batches whose lease lapsed (they died or stalled);
    a sender late with its own renewals keeps its batches and renews them itself."""
    lapsed = [row[0] for row in db.execute(
        "SELECT id FROM push_batches WHERE alert_id = ? AND lease_until < ? AND owner <> ?",
        (alert_id, now, claimer)).fetchall()]
    for batch_id in lapsed:
        db.execute("UPDATE deliveries SET batch_id = NULL WHERE batch_id = ? AND state = 'pending'", (batch_id,))
        db.execute("DELETE FROM push_batches WHERE id = ?", (batch_id,))
    return len(lapsed)


def renew(db, owner, batch_ids, until):
    """Extend the leases of the owner's batches; returns the ids it still holds."""
    if not batch_ids:
        return set()
    marks = ", ".join("?" for _ in batch_ids)
    with db.transaction():
        db.execute(f"UPDATE push_batches SET lease_until = ? WHERE owner = ? AND id IN ({marks})",
                   (until, owner, *batch_ids))
        held = db.execute(f"SELECT id FROM push_batches WHERE owner = ? AND id IN ({marks})",
                          (owner, *batch_ids)).fetchall()
    return {row[0] for row in held}


def record(db, outcomes, *, sent_at):
    """Write answers, each fenced by its batch: [(batch_id, outcome)] where outcome has
    delivery_id, state, status, error, retry_at, lane. A retry leaves its batch (any sender may
    take it when due). Returns how many were accepted."""
    if not outcomes:
        return 0
    if db.dialect == "postgresql":
        accepted = _record_postgresql(db, outcomes, sent_at)
    else:
        accepted = _record_sqlite(db, outcomes, sent_at)
    _mark_delivered(db, [o.delivery_id for _, o in outcomes if o.state == "sent"], sent_at)
    return accepted


def _record_postgresql(db, outcomes, sent_at):
    """One statement for every answer (arrays unnested): a statement per row costs the sender a
    round of the protocol each, most of its CPU per delivery on PostgreSQL."""
    columns = list(zip(*[(o.delivery_id, batch_id, o.state, o.status, o.error, float(o.retry_at or 0), o.lane)
                         for batch_id, o in outcomes], strict=True))
    cursor = db.execute(
        "UPDATE deliveries AS d SET state = v.state, status = v.status, error = v.error,"
        " next_attempt_at = v.next_at, lane = v.lane, attempts = d.attempts + 1,"
        " sent_at = CASE WHEN v.state = 'sent' THEN ? ELSE d.sent_at END,"
        " batch_id = CASE WHEN v.state = 'pending' THEN NULL ELSE d.batch_id END"
        " FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::integer[], ?::text[], ?::double precision[], ?::text[])"
        " AS v(id, batch, state, status, error, next_at, lane) WHERE d.id = v.id AND d.batch_id = v.batch",
        (sent_at, *[list(column) for column in columns]))
    return cursor.rowcount


def _record_sqlite(db, outcomes, sent_at):
    rows = [(o.state, o.status, o.error, o.retry_at or 0, o.lane, o.state, sent_at,
             o.state, o.delivery_id, batch_id) for batch_id, o in outcomes]
    cursor = db.executemany(
        "UPDATE deliveries SET state = ?, status = ?, error = ?, next_attempt_at = ?, lane = ?,"
        " attempts = attempts + 1, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,"
        " batch_id = CASE WHEN ? = 'pending' THEN NULL ELSE batch_id END WHERE id = ? AND batch_id = ?", rows)
    return cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else len(rows)


def _mark_delivered(db, delivery_ids, sent_at):
    """The subscriptions these deliveries reached accepted one now (the audience editors see)."""
    for start in range(0, len(delivery_ids), MARK_CHUNK):
        chunk = delivery_ids[start:start + MARK_CHUNK]
        db.execute("UPDATE subscriptions SET delivered_at = ? WHERE id IN (SELECT subscription_id FROM deliveries"
                   f" WHERE id IN ({', '.join('?' for _ in chunk)}))", (sent_at, *chunk))


def mark_slow(db, rows):
    """Note [(batch_id, delivery_id)] as waiting on a slow push service (the desk can show them)."""
    db.executemany("UPDATE deliveries SET lane = 'slow' WHERE batch_id = ? AND id = ?", rows)


def finish_batches(db, owner, batch_ids):
    """Drop the owner's batches whose rows all have an answer (or were given back)."""
    for batch_id in batch_ids:
        db.execute("DELETE FROM push_batches WHERE id = ? AND owner = ?", (batch_id, owner))


def give_back(db, owner, alert_id):
    """Release every batch the owner holds on an alert at once (a clean stop): others need not
    wait for the lease to lapse."""
    with db.transaction():
        for (batch_id,) in db.execute("SELECT id FROM push_batches WHERE owner = ? AND alert_id = ?",
                                      (owner, alert_id)).fetchall():
            db.execute("UPDATE deliveries SET batch_id = NULL WHERE batch_id = ? AND state = 'pending'", (batch_id,))
            db.execute("DELETE FROM push_batches WHERE id = ?", (batch_id,))


def outlook(db, alert_id, now):
    """What is left of an alert: (pending rows, the earliest time one can be claimed or None).

    A pending row in a live batch becomes claimable when that batch's lease lapses. An alert no
    longer sending (finished, or cancelled by an editor) has nothing left for a sender.
    """
    if db.execute("SELECT 1 FROM alerts WHERE id = ? AND state = 'sending'", (alert_id,)).fetchone() is None:
        return 0, None  # sent by the others, or cancelled: nothing more to do here
    pending = db.execute("SELECT COUNT(*) FROM deliveries WHERE alert_id = ? AND state = 'pending'",
                         (alert_id,)).fetchone()[0]
    if not pending:
        return 0, None
    free = db.execute("SELECT MIN(next_attempt_at) FROM deliveries WHERE alert_id = ? AND state = 'pending'"
                      " AND batch_id IS NULL", (alert_id,)).fetchone()[0]
    lapse = db.execute("SELECT MIN(lease_until) FROM push_batches WHERE alert_id = ?", (alert_id,)).fetchone()[0]
    times = [t for t in (free, lapse) if t is not None]
    return pending, (min(times) if times else now)


def remove_subscriptions(db, subscription_ids):
    """Subscribers a push service said are gone (404/410)."""
    db.executemany("DELETE FROM subscriptions WHERE id = ?", [(i,) for i in subscription_ids])


def figures(db, alert_id):
    """Delivery figures: queued, pending, sent, failed, expired (removed), clicked."""
    counts = dict(db.execute("SELECT state, COUNT(*) FROM deliveries WHERE alert_id = ? GROUP BY state",
                             (alert_id,)).fetchall())
    clicked = db.execute("SELECT COUNT(*) FROM clicks WHERE alert_id = ?", (alert_id,)).fetchone()[0]
    return {"queued": sum(counts.values()), "pending": counts.get("pending", 0),
            "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
            "expired": counts.get("expired", 0), "clicked": clicked}
