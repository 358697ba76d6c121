"""A small bar chart of an alert's deliveries and clicks over time, as SVG built here (no library).

Colours are SVG presentation attributes, not style="": the CSP's style-src 'self' forbids
inline styles. Text uses currentColor so the chart follows the page's light or dark theme.
"""
from datetime import datetime, timedelta, timezone

from flask_babel import gettext, ngettext
from markupsafe import Markup, escape

from ... import i18n

WIDTH, HEIGHT = 600, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 34      # room for the axis labels
BUCKETS = (1, 5, 15, 60, 360, 1440)           # minutes per bar: the smallest that keeps <= MAX_BARS
MAX_BARS = 60
DELIVERED, CLICKED = "#0d7a83", "#c25e00"     # both readable on the light and the dark background


def render(timeline, *, alert_id):
    """The <svg> element (as Markup) for per_minute() figures of one alert."""
    bars = buckets(timeline)
    title = gettext("Deliveries and clicks over time for alert %(id)s", id=alert_id)
    text = summary(timeline)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" font-family="system-ui, sans-serif"'
             f' aria-labelledby="chart-title-{alert_id} chart-desc-{alert_id}" class="chart">',
             f'<title id="chart-title-{alert_id}">{escape(title)}</title>',
             f'<desc id="chart-desc-{alert_id}">{escape(text)}</desc>']
    nothing = gettext("Nothing delivered yet")
    if not bars["starts"]:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="currentColor">'
                     f'{escape(nothing)}</text>')
    else:
        parts += _bars(bars) + _axes(bars)
    parts.append("</svg>")
    return Markup("\n".join(parts))


def buckets(timeline):
    """{"size": minutes, "starts": [datetime], "deliveries": [n], "clicks": [n]} over the whole span."""
    points = {name: [(_minute(m), n) for m, n in rows] for name, rows in timeline.items()}
    moments = [t for rows in points.values() for t, _ in rows]
    if not moments:
        return {"size": 1, "starts": [], "deliveries": [], "clicks": []}
    first, last = min(moments), max(moments)
    span = int((last - first).total_seconds() // 60) + 1
    size = next((b for b in BUCKETS if span / b <= MAX_BARS), BUCKETS[-1])
    count = -(-span // size)
    result = {"size": size, "starts": [first + timedelta(minutes=i * size) for i in range(count)]}
    for name in ("deliveries", "clicks"):
        values = [0] * count
        for moment, n in points.get(name, []):
            values[int((moment - first).total_seconds() // 60) // size] += n
        result[name] = values
    return result


def summary(timeline):
    """One sentence a screen reader (or a reader of the page) gets instead of the bars."""
    parts = []
    for name in ("deliveries", "clicks"):
        rows = timeline.get(name, [])
        total = sum(n for _, n in rows)
        if total:
            span = {"count": total, "start": _label(_minute(rows[0][0])),
                    "end": _label(_minute(rows[-1][0]) + timedelta(minutes=1))}
            parts.append(ngettext("%(count)s delivered between %(start)s and %(end)s UTC",
                                  "%(count)s delivered between %(start)s and %(end)s UTC", total, **span)
                         if name == "deliveries" else
                         ngettext("%(count)s clicked between %(start)s and %(end)s UTC",
                                  "%(count)s clicked between %(start)s and %(end)s UTC", total, **span))
        else:
            parts.append(gettext("none delivered yet") if name == "deliveries" else gettext("none clicked yet"))
    return "; ".join(parts) + "."


def _bars(bars):
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max(max(bars["deliveries"]), max(bars["clicks"]), 1)
    slot = plot_w / len(bars["starts"])
    width = max(1.0, slot * 0.4)
    parts = []
    for i, start in enumerate(bars["starts"]):
        delivered, clicked = bars["deliveries"][i], bars["clicks"][i]
        label = gettext("%(when)s UTC: %(delivered)s delivered, %(clicked)s clicked", when=_label(start),
                        delivered=delivered, clicked=clicked)
        parts.append(f'<g><title>{escape(label)}</title>')
        for offset, value, colour in ((0, delivered, DELIVERED), (width, clicked, CLICKED)):
            height = plot_h * value / top
            x, y = LEFT + i * slot + slot * 0.1 + offset, TOP + plot_h - height
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{colour}"/>')
        parts.append("</g>")
    return parts


def _axes(bars):
    base, top = HEIGHT - BOTTOM, max(max(bars["deliveries"]), max(bars["clicks"]), 1)
    per = ngettext("per minute", "per %(num)d minutes", bars["size"])
    end = bars["starts"][-1] + timedelta(minutes=bars["size"])
    delivered, clicked = gettext("delivered"), gettext("clicked")
    return [
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="currentColor" stroke-width="1"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end" font-size="11" fill="currentColor">{top:,}</text>',
        f'<text x="{LEFT - 4}" y="{base}" text-anchor="end" font-size="11" fill="currentColor">0</text>',
        f'<text x="{LEFT}" y="{base + 14}" font-size="11" fill="currentColor">{_label(bars["starts"][0])}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{base + 14}" text-anchor="end" font-size="11" fill="currentColor">'
        f'{_label(end)} UTC</text>',
        f'<text x="{LEFT}" y="{base + 28}" font-size="11" fill="currentColor">{escape(per)}:'
        f' <tspan fill="{DELIVERED}">■ {escape(delivered)}</tspan>'
        f' <tspan fill="{CLICKED}">■ {escape(clicked)}</tspan></text>',
    ]


def _minute(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _label(moment):
    """"22 Dec 10:00" in the editor's language (UTC)."""
    return i18n.datetime_text(moment, pattern="d MMM HH:mm")
