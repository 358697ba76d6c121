"""SQLite's schema as an append-only list: never edit a released step, add a new one.

Every step has its twin in postgresql.py; tests/test_store.py checks that both engines end with
the same tables and columns.
"""

STEPS = [
    # 1: articles, their versions, images, topics, sources and the ingest log
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL UNIQUE,            -- canonical URL: the identity of a story
        fetched_url TEXT,
        title TEXT NOT NULL,
        byline TEXT,
        site_name TEXT,
        description TEXT,
        section TEXT,
        tags TEXT NOT NULL DEFAULT '[]',     -- JSON list
        lang TEXT,
        dir TEXT NOT NULL DEFAULT 'ltr',
        published TEXT,                      -- ISO 8601, UTC
        modified TEXT,                       -- the publisher's own update time
        lead_image_id INTEGER REFERENCES images(id) ON DELETE SET NULL,
        body_html TEXT NOT NULL,             -- sanitised; the only HTML rendered |safe
        body_text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        word_count INTEGER NOT NULL,
        reading_minutes INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,            -- last time the stored text changed
        checked_at TEXT NOT NULL             -- last time the source was read
    );
    CREATE INDEX articles_published ON articles(published DESC);
    CREATE TABLE article_versions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        body_html TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        UNIQUE (article_id, version)
    );
    CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
        src_url TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        alt TEXT NOT NULL DEFAULT '',
        caption TEXT NOT NULL DEFAULT '',
        variants TEXT NOT NULL               -- JSON [{"width", "height", "file", "bytes", "type"}]
    );
    CREATE INDEX images_article ON images(article_id);
    CREATE TABLE topics (
        slug TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        keywords TEXT NOT NULL DEFAULT '[]',
        sections TEXT NOT NULL DEFAULT '[]',
        tags TEXT NOT NULL DEFAULT '[]',
        alert_mode TEXT NOT NULL DEFAULT 'off' CHECK (alert_mode IN ('off', 'auto', 'approval')),
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE article_topics (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        topic TEXT NOT NULL REFERENCES topics(slug) ON DELETE CASCADE,
        PRIMARY KEY (article_id, topic)
    );
    CREATE INDEX article_topics_topic ON article_topics(topic);
    CREATE TABLE topic_events (
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL REFERENCES topics(slug) ON DELETE CASCADE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,                  -- 'new' now; the push issue consumes them
        created_at TEXT NOT NULL,
        handled_at TEXT,
        UNIQUE (topic, article_id, kind)
    );
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        topic TEXT REFERENCES topics(slug) ON DELETE SET NULL,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        polled_at TEXT,
        status TEXT,
        error TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE ingest_log (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        article_id INTEGER,
        status TEXT NOT NULL,
        error TEXT,
        at TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, description, body_text,
        content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, description, body_text)
        VALUES (new.id, new.title, new.description, new.body_text);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, description, body_text)
        VALUES ('delete', old.id, old.title, old.description, old.body_text);
    END;
    CREATE TRIGGER articles_au AFTER UPDATE OF title, description, body_text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, description, body_text)
        VALUES ('delete', old.id, old.title, old.description, old.body_text);
        INSERT INTO articles_fts(rowid, title, description, body_text)
        VALUES (new.id, new.title, new.description, new.body_text);
    END;
    """,
    # 2: Web Push: subscribers, alerts (the outbox), deliveries (the ledger), clicks, sender heartbeat
    """
    CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL UNIQUE,       -- the same endpoint is the same subscriber
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE subscription_topics (
        subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
        topic TEXT NOT NULL REFERENCES topics(slug) ON DELETE CASCADE,
        PRIMARY KEY (subscription_id, topic)
    );
    CREATE INDEX subscription_topics_topic ON subscription_topics(topic);
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
        topic TEXT NOT NULL REFERENCES topics(slug),
        urgency TEXT NOT NULL DEFAULT 'normal',
        ttl INTEGER NOT NULL,
        image TEXT,
        state TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('draft', 'pending_approval', 'scheduled', 'queued', 'sending', 'sent', 'cancelled')),
        send_at TEXT,                        -- UTC; NULL means as soon as possible
        created_by TEXT,
        source TEXT NOT NULL DEFAULT 'cli',  -- cli | editor | auto
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        lease_owner TEXT,                    -- the sender working on it, while lease_until is ahead
        lease_until REAL
    );
    CREATE INDEX alerts_state ON alerts(state, send_at);
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        subscription_id INTEGER REFERENCES subscriptions(id) ON DELETE SET NULL,
        endpoint TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,   -- unix time
        status INTEGER,                      -- the push service's last HTTP status
        error TEXT,
        sent_at TEXT,
        UNIQUE (alert_id, endpoint)
    );
    CREATE INDEX deliveries_pending ON deliveries(alert_id, state, next_attempt_at);
    CREATE TABLE clicks (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        at TEXT NOT NULL
    );
    CREATE INDEX clicks_alert ON clicks(alert_id);
    CREATE TABLE push_workers (
        name TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        heartbeat REAL NOT NULL              -- unix time of the last sign of life
    );
    """,
    # 3: the editor desk: editor accounts, failed-login counts per name, the audit log
    """
    CREATE TABLE editors (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,           -- lower case
        password_hash TEXT NOT NULL,         -- werkzeug scrypt; never a plain password
        created_at TEXT NOT NULL
    );
    CREATE TABLE login_failures (
        name TEXT PRIMARY KEY,               -- any name tried, known or not, lower case
        failures INTEGER NOT NULL,
        last_at REAL NOT NULL                -- unix time of the latest wrong attempt
    );
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,                    -- ISO 8601, UTC
        editor TEXT NOT NULL,
        action TEXT NOT NULL,                -- queued | scheduled | approved | cancelled | topic
        alert_id INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_log_alert ON audit_log(alert_id);
    """,
    # 4: "newest first" (front page, topics, feeds, exports) read from an index instead of a sort
    """
    CREATE INDEX articles_latest ON articles(COALESCE(published, created_at) DESC, id DESC);
    """,
    # 5: ingests started from the desk run as background jobs with their state in the store
    """
    CREATE TABLE ingest_jobs (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        editor TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        total INTEGER,                       -- articles to ingest, once the source is read
        done INTEGER NOT NULL DEFAULT 0,     -- articles finished (stored, unchanged or failed)
        results TEXT NOT NULL DEFAULT '[]',  -- JSON list of ingest results, in order
        error TEXT,                          -- why the job itself stopped, if it did
        created_at TEXT NOT NULL,            -- ISO 8601, UTC
        finished_at TEXT,
        heartbeat REAL NOT NULL,             -- unix time of the runner's last sign of life
        deadline REAL NOT NULL               -- unix time by which the job must be over
    );
    CREATE INDEX ingest_jobs_active ON ingest_jobs(state, heartbeat);
    """,
    # 6: extraction confidence on every story; stories extracted with too little confidence are
    #    held for an editor ("Needs a look" on the desk) instead of published
    """
    ALTER TABLE articles ADD COLUMN confidence REAL;                    -- 0-1; NULL: stored before
    ALTER TABLE articles ADD COLUMN confidence_reasons TEXT NOT NULL DEFAULT '[]';  -- JSON list
    CREATE TABLE held_stories (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,            -- the story's URL, as articles.url would be
        page_url TEXT NOT NULL,              -- the address it was read from (after redirects)
        title TEXT NOT NULL,
        body_text TEXT NOT NULL,             -- what extraction found
        page_text TEXT NOT NULL,             -- the whole page's visible text, to compare
        content_hash TEXT NOT NULL,          -- of title and text, as articles.content_hash
        confidence REAL NOT NULL,
        reasons TEXT NOT NULL DEFAULT '[]',  -- JSON list: what lowered the confidence
        state TEXT NOT NULL CHECK (state IN ('waiting', 'approved', 'discarded')),
        held_at TEXT NOT NULL,               -- ISO 8601, UTC
        decided_by TEXT,                     -- the editor who published or discarded it
        decided_at TEXT
    );
    CREATE INDEX held_stories_waiting ON held_stories(state, confidence);
    """,
    # 7: fan-out shared by many senders: the ledger is claimed in batches, each under a lease;
    #    deliveries that time out move to a slow lane; the fan-out advances in chunks behind a
    #    cursor; a failing alert backs off; senders beat in push_senders; the VAPID public key
    #    that subscriptions were made for is recorded so a lost key file is noticed
    """
    CREATE TABLE push_batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a batch id is a fencing token
        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        owner TEXT NOT NULL,                 -- the sender's identity (host:pid:nonce)
        lane TEXT NOT NULL,                  -- fast | slow
        lease_until REAL NOT NULL            -- unix time; after it any sender may take the rows
    );
    CREATE INDEX push_batches_alert ON push_batches(alert_id, lease_until);
    ALTER TABLE deliveries ADD COLUMN batch_id INTEGER;
    ALTER TABLE deliveries ADD COLUMN lane TEXT NOT NULL DEFAULT 'fast';
    CREATE INDEX deliveries_claim ON deliveries(alert_id, lane, next_attempt_at)
        WHERE state = 'pending' AND batch_id IS NULL;
    CREATE INDEX deliveries_batch ON deliveries(batch_id) WHERE state = 'pending';
    ALTER TABLE alerts ADD COLUMN fanout_cursor INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE alerts ADD COLUMN fanout_done INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE alerts ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE alerts ADD COLUMN retry_at REAL;
    ALTER TABLE alerts ADD COLUMN last_error TEXT;
    CREATE INDEX subscription_topics_range ON subscription_topics(topic, subscription_id);
    DROP TABLE push_workers;
    CREATE TABLE push_senders (
        name TEXT PRIMARY KEY,               -- host:pid:nonce, the same identity that owns batches
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at REAL NOT NULL,
        heartbeat REAL NOT NULL,             -- unix time of the last sign of life
        alert_id INTEGER,                    -- what it is sending now, if anything
        sent INTEGER NOT NULL DEFAULT 0,     -- deliveries it has recorded since it started
        last_error TEXT
    );
    CREATE TABLE push_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key TEXT NOT NULL,            -- the VAPID key readers' subscriptions were made for
        recorded_at TEXT NOT NULL
    );
    """,
    # 8: search on folded and stemmed terms (reader.search_terms), computed in Python at write time
    #    so both engines index the same words; the old FTS5 table over the raw text goes
    """
    DROP TRIGGER articles_ai;
    DROP TRIGGER articles_ad;
    DROP TRIGGER articles_au;
    DROP TABLE articles_fts;
    CREATE TABLE article_terms (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        title TEXT NOT NULL,                 -- stems, space-separated, in the text's order
        description TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, description, body,
        content='article_terms', content_rowid='article_id', tokenize='unicode61 remove_diacritics 0'
    );
    CREATE TRIGGER article_terms_ai AFTER INSERT ON article_terms BEGIN
        INSERT INTO articles_fts(rowid, title, description, body)
        VALUES (new.article_id, new.title, new.description, new.body);
    END;
    CREATE TRIGGER article_terms_ad AFTER DELETE ON article_terms BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, description, body)
        VALUES ('delete', old.article_id, old.title, old.description, old.body);
    END;
    CREATE TRIGGER article_terms_au AFTER UPDATE ON article_terms BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, description, body)
        VALUES ('delete', old.article_id, old.title, old.description, old.body);
        INSERT INTO articles_fts(rowid, title, description, body)
        VALUES (new.article_id, new.title, new.description, new.body);
    END;
    """,
    # 9: the desk and the push API hardened: editor sessions kept on the server (logout, a new
    #    password and removal end them), a click counted once per delivery (a token per ledger
    #    row, sent in its payload), the time each subscription last accepted a delivery (the
    #    audience an editor sees), and request counts per client address (rate limits)
    """
    CREATE TABLE editor_sessions (
        token_hash TEXT PRIMARY KEY,         -- SHA-256 (hex) of the token in the editor's cookie
        editor_id INTEGER NOT NULL REFERENCES editors(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,    -- unix time
        expires_at REAL NOT NULL     -- unix time; after it the session is over
    );
    CREATE INDEX editor_sessions_editor ON editor_sessions(editor_id);
    ALTER TABLE deliveries ADD COLUMN click_token TEXT;  -- random, 32 hex digits; NULL for older rows
    ALTER TABLE clicks ADD COLUMN delivery_id INTEGER;     -- NULL for clicks counted before tokens
    CREATE UNIQUE INDEX clicks_delivery ON clicks(delivery_id);
    ALTER TABLE subscriptions ADD COLUMN delivered_at TEXT;  -- ISO 8601, UTC: last delivery accepted
    CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,                -- what is counted, e.g. "subscribe:203.0.113.9"
        window_start REAL NOT NULL,  -- unix time the current window began
        hits INTEGER NOT NULL                -- requests in the current window
    );
    CREATE INDEX rate_limits_window ON rate_limits(window_start);
    """,
    # 10: one automatic alert per story and topic, kept by a unique key whatever runs at once (a
    #    poll and a desk ingest of the same new story queued two); repeats made before are relabelled
    #    'auto-repeat' so the key can hold
    """
    UPDATE alerts SET source = 'auto-repeat'
        WHERE source = 'auto' AND article_id IS NOT NULL AND id NOT IN (
            SELECT MIN(id) FROM alerts WHERE source = 'auto' AND article_id IS NOT NULL
            GROUP BY article_id, topic);
    CREATE UNIQUE INDEX alerts_auto_once ON alerts(article_id, topic) WHERE source = 'auto';
    """,
    # 11: flat cost as the archive grows: a topic's stories newest first from an index (each
    #     membership carries its story's sort key), the duplicate check on fetched_url, the API's
    #     "changed since" on updated_at, and the count of stories kept, not counted
    """
    CREATE INDEX articles_fetched_url ON articles(fetched_url);
    CREATE INDEX articles_updated ON articles(updated_at);
    ALTER TABLE article_topics ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
    UPDATE article_topics SET sort_key = (
        SELECT COALESCE(published, created_at) FROM articles WHERE articles.id = article_topics.article_id);
    CREATE INDEX article_topics_latest ON article_topics(topic, sort_key DESC, article_id DESC);
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    INSERT INTO counters (name, value) SELECT 'articles', COUNT(*) FROM articles;
    CREATE TRIGGER articles_counted_in AFTER INSERT ON articles BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'articles';
    END;
    CREATE TRIGGER articles_counted_out AFTER DELETE ON articles BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'articles';
    END;
    """,
    # 12: search keeps a flat cost as the archive grows: prefix indexes of 3 to 12 characters
    #     (reader.store.search.PREFIX_LENGTHS), so a query word of those lengths is one doclist
    #     read newest first instead of a merge of every story with a word it begins (the index grows
    #     about 3.9x: 77 to 299 MB at 50,000 stories; rebuilt here from article_terms, 14 s then)
    """
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, description, body,
        content='article_terms', content_rowid='article_id', tokenize='unicode61 remove_diacritics 0',
        prefix='3 4 5 6 7 8 9 10 11 12'
    );
    INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
    """,
]
