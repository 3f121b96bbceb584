"""Under `make test-future` only: time.sleep that works when libfaketime fakes the date.

The run leaves the monotonic clock real (FAKETIME_DONT_FAKE_MONOTONIC=1, else every timed
wait on a lock or an event never ends), and Debian 12's libfaketime 0.9.10 then turns
Python 3.11's sleep, clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), into EINVAL
(wolfcw/libfaketime#426). Every Python process of that run (the tests, the command line and
the servers they start) finds this file on PYTHONPATH and sleeps through select() instead,
which waits on the real clock as a sleep should.
"""

import os
import select
import time

if os.environ.get("FAKETIME"):

    def _sleep(seconds: float, _monotonic=time.monotonic, _select=select.select) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = _monotonic() + seconds
        # At least once, as a sleep of 0 still lets other threads run.
        _select([], [], [], seconds)
        while (left := deadline - _monotonic()) > 0:
            _select([], [], [], left)

    time.sleep = _sleep
