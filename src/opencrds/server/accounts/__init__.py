"""Accounts: who may submit for which instrument, operators, API tokens, instrument locks.

* :mod:`.models` — instrument grants, personal API tokens, instrument locks;
* :mod:`.roles` — the permission questions every view asks (submitter for an instrument,
  operator, admin);
* :mod:`.backends` — password or API token logins (what ``crds submit`` sends as
  ``MAST_API_TOKEN``);
* :mod:`.locks` — taking, renewing, expiring and releasing instrument locks;
* :mod:`.views` — ``/login/``, ``/logout/``, ``/lock_status/<user>/``.
"""
