"""Submissions: upload areas, jpoll progress channels, processing on the task queue, review,
confirm and cancel (SERVER.md §1.10–§1.23, §2; PROTOCOL.md §7).

* :mod:`.models` — submissions, jpoll channels and messages, serial counters, deliveries;
* :mod:`.uploads` — each user's upload area (``/upload/...``);
* :mod:`.jpoll` — progress channels (``/jpoll/open_channel``, ``jpoll_pull_messages``);
* :mod:`.tasks` — what the task queue (Huey) runs;
* :mod:`.services` — confirm, cancel, force, recovery after a crash.
"""
