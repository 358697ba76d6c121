"""Deliveries and clicks of one alert counted per time bucket, for the desk's chart."""


def per_minute(db, alert_id):
    """{"deliveries": [(minute, n)], "clicks": [(minute, n)]}, minutes as "YYYY-MM-DDTHH:MM" in UTC."""
    deliveries = db.execute(
        "SELECT substr(sent_at, 1, 16) AS minute, COUNT(*) FROM deliveries"
        " WHERE alert_id = ? AND state = 'sent' AND sent_at IS NOT NULL GROUP BY minute ORDER BY minute",
        (alert_id,)).fetchall()
    clicks = db.execute(
        "SELECT substr(at, 1, 16) AS minute, COUNT(*) FROM clicks WHERE alert_id = ?"
        " GROUP BY minute ORDER BY minute", (alert_id,)).fetchall()
    return {"deliveries": [tuple(row) for row in deliveries], "clicks": [tuple(row) for row in clicks]}

