"""Child processes that end with their parent.

On Linux a child can ask the kernel for a signal when the thread that started it exits
(prctl PR_SET_PDEATHSIG). Reader's helpers (the encryption process) and `reader serve`'s
children (gunicorn, the push sender) ask for SIGKILL, so a parent killed outright leaves no
process behind. Elsewhere this does nothing; the parents still stop their children on a clean exit.
"""
import ctypes
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig=signal.SIGKILL):
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)
