"""Ingests started from the desk, run as supervised background jobs.

A web request never fetches: it records a job and starts a thread for it, and the desk shows
the job from the store (queued; running, "7 of 20"; done or failed, with each article's line),
which every web process sees. Supervision:

- a time limit (READER_DESK_INGEST_SECONDS) that every article's budget also meets; when it
  passes, the articles not started are not started and the job fails saying so;
- a heartbeat in the store after every step; a job not heard from for longer than one source
  may take (its process died or hangs) is failed the next time the desk looks;
- at most READER_DESK_INGEST_JOBS at once; an error is recorded on the job (and logged with
  its traceback), never lost with the thread.
"""
import logging
import threading
import time

from flask_babel import gettext

from .budget import Deadline
from .ingest import STORED, Ingester, Item, Result
from .push import outbox
from .store import connect, transaction
from .store import jobs as job_store

log = logging.getLogger(__name__)
MAX_ENTRIES = 20  # a feed pasted into the desk: its newest entries, not a whole archive
SILENCE_GRACE = 60  # seconds of silence past one source's budget before a job counts as lost
LOST = "stopped without finishing: the server process running it went away or hung"


class JobsBusy(Exception):
    """As many desk ingests as allowed are running already."""


def submit(db, config, url, editor):
    """Record an ingest job for url and start its thread.

    Args:
        db: the request's connection.
        config: the app's settings.
        url: an http(s) URL of an article or a feed.
        editor: the editor's name, shown beside the job.

    Returns:
        int: the job's id.

    Raises:
        JobsBusy: READER_DESK_INGEST_JOBS jobs are queued or running.
    """
    give_up_silent(db, config)
    now = time.time()
    with transaction(db):  # the count and the insert together, so two editors cannot both slip in
        if job_store.active_count(db) >= config["DESK_INGEST_JOBS"]:
            raise JobsBusy(gettext("%(count)s ingests are running; try again when one has finished.",
                                   count=config["DESK_INGEST_JOBS"]))
        job_id = job_store.create(db, url, editor, now=now, deadline=now + config["DESK_INGEST_SECONDS"])
    threading.Thread(target=run, args=(dict(config), job_id), name=f"ingest-job-{job_id}",
                     daemon=True).start()
    log.info("ingest job %s started by %s: %s", job_id, editor, url)
    return job_id


def give_up_silent(db, config):
    """Fail the jobs whose runner has not been heard from for longer than a source may take."""
    silence = config["SOURCE_SECONDS"] + SILENCE_GRACE
    lost = job_store.give_up_silent(db, heartbeat_before=time.time() - silence, error=LOST)
    if lost:
        log.warning("%d ingest jobs silent for %gs marked failed", lost, silence)


def run(config, job_id):
    """The job's thread: its own connection, and every error recorded on the job."""
    db = connect(config)
    try:
        _run(db, config, job_id)
    except Exception as exc:  # supervised: whatever happens is on the job, with a traceback in the log
        log.exception("ingest job %s failed", job_id)
        job_store.finish(db, job_id, "failed", now=time.time(),
                         error=f"internal error ({type(exc).__name__}); the log has the details")
    finally:
        db.close()


def _run(db, config, job_id):
    if not job_store.start(db, job_id, now=time.time()):
        return  # given up on before it started
    job = job_store.get(db, job_id)
    deadline = _deadline(job, config)
    desk_config = {**config, "FEED_MAX_ENTRIES": min(config["FEED_MAX_ENTRIES"], MAX_ENTRIES)}
    ingester = Ingester(db, desk_config, deadline=deadline)
    items, early = ingester.gather([job["url"]])
    results = [result.as_json() for result in early]
    if not job_store.progress(db, job_id, now=time.time(), results=results, total=len(items)):
        return
    for item in items:
        if deadline.remaining() <= 0:
            error = f"{deadline.reason}: {len(results)} of {len(items)} articles done"
            job_store.finish(db, job_id, "failed", now=time.time(), error=error)
            return
        results.append(_ingest(ingester, item, job_id).as_json())
        if not job_store.progress(db, job_id, now=time.time(), results=results):
            return  # given up on: stop quietly, the job says why
    outbox.from_events(db)  # coverage in approval topics waits on the desk at once
    stored = any(r["status"] in STORED for r in results)
    job_store.finish(db, job_id, "done" if stored else "failed", now=time.time())
    log.info("ingest job %s finished: %s", job_id, [r["status"] for r in results])


def _deadline(job, config):
    """The job's deadline on the monotonic clock budgets use."""
    reason = f"the ingest ran out of time ({config['DESK_INGEST_SECONDS']:g}s for one desk ingest)"
    return Deadline.after(job["deadline"] - time.time(), reason)


def _ingest(ingester: Ingester, item: Item, job_id: int) -> Result:
    """One article; a bug in a stage fails that article, not the job's other articles."""
    try:
        return ingester.ingest(item)
    except Exception as exc:  # the stages' own errors are Results already
        log.exception("ingest job %s: article %s failed", job_id, item.url)
        return Result(item.url, "error", error=f"internal error ({type(exc).__name__}); the log has the details")
