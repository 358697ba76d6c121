"""Encryption beside the sending loop: one helper process that dies with its sender.

RFC 8291 wants a fresh key agreement per message (about 0.1 ms of CPU each), so big alerts
encrypt in a helper process while the event loop posts. The helper is started with the
parent-death signal set (reader/lifeline.py), so a sender killed with SIGKILL takes its helper
with it, and with it the last holder of multiprocessing's resource-tracker pipe,
which then exits too: nothing outlives the sender.
"""
import asyncio
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..lifeline import die_with_parent
from .crypto import encrypt_many

SMALL = 256  # rows below which encrypting in the loop's own process costs less than a hand-off


def _helper_start():
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the sender's to handle, not the helper's


class EncryptorDied(RuntimeError):
    """The helper process ended (killed, or out of memory) while it held work."""


class Encryptor:
    """Bodies for rows, encrypted here for small lots and in the helper for big ones.

    Args:
        processes: helper processes (0: always encrypt in this process).
    """

    def __init__(self, *, processes=1):
        self.processes = processes
        self._pool = None

    async def encrypt(self, data, keys):
        """aes128gcm bodies (or a CryptoError's text) of data (bytes, or one per pair) for [(p256dh, auth)]."""
        if len(keys) < SMALL or self.processes == 0:
            return encrypt_many(data, keys)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_helper_start)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, encrypt_many, data, keys)
        except BrokenProcessPool:
            self.close()  # the next call starts a new helper
            raise EncryptorDied("the encryption helper process died") from None

    def close(self):
        """Stop the helper (pending work is dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
