"""Requests counted per key (what is asked, and by which client address) in fixed windows."""
STALE = 24 * 3600  # seconds after which a finished window's row is dropped (longer than any window)


def hit(db, key, *, now, window):
    """Count one request for `key`; returns (requests in the current window, seconds it has left).

    One statement, so concurrent requests never lose a count on either engine.
    """
    ended = now - window
    hits, started = db.execute(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET"
        " hits = CASE WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.hits + 1 END,"
        " window_start = CASE WHEN rate_limits.window_start <= ? THEN excluded.window_start"
        " ELSE rate_limits.window_start END RETURNING hits, window_start", (key, now, ended, ended)).fetchone()
    db.execute("DELETE FROM rate_limits WHERE window_start < ?", (now - STALE,))
    return hits, started + window - now
