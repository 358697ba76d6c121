"""Images downloaded at ingest and their resized variants."""
import json


def insert(db, article_id, image):
    """Store one image (a dict from reader.images) for an article; returns its id."""
    cursor = db.execute(
        "INSERT INTO images (article_id, src_url, sha256, width, height, alt, caption, variants)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (article_id, image["src_url"], image["sha256"], image["width"], image["height"],
         image.get("alt", ""), image.get("caption", ""), json.dumps(image["variants"])),
    )
    return cursor.fetchone()[0]


def replace_for_article(db, article_id, images):
    """Drop an article's image rows and store the new list; returns {src_url: id}."""
    db.execute("DELETE FROM images WHERE article_id = ?", (article_id,))
    return {image["src_url"]: insert(db, article_id, image) for image in images}


def files(db):
    """The name of every variant file a stored image points at."""
    return {variant["file"] for (variants,) in db.execute("SELECT variants FROM images").fetchall()
            for variant in json.loads(variants)}


def for_article(db, article_id):
    rows = db.execute("SELECT * FROM images WHERE article_id = ? ORDER BY id", (article_id,)).fetchall()
    return [_decoded(row) for row in rows]


def for_articles(db, article_ids):
    """{article id: [images]} for several articles in one query."""
    found = {article_id: [] for article_id in article_ids}
    if found:
        rows = db.execute(f"SELECT * FROM images WHERE article_id IN ({', '.join('?' for _ in found)}) ORDER BY id",
                          list(found)).fetchall()
        for row in rows:
            found[row["article_id"]].append(_decoded(row))
    return found


def get_many(db, image_ids):
    """{id: image} for several images in one query (the story cards of a page)."""
    wanted = sorted({i for i in image_ids if i})
    if not wanted:
        return {}
    rows = db.execute(f"SELECT * FROM images WHERE id IN ({', '.join('?' for _ in wanted)})", wanted).fetchall()
    return {row["id"]: _decoded(row) for row in rows}


def get(db, image_id):
    row = db.execute("SELECT * FROM images WHERE id = ?", (image_id,)).fetchone()
    return _decoded(row) if row else None


def _decoded(row):
    image = dict(row)
    image["variants"] = json.loads(image["variants"])
    return image
