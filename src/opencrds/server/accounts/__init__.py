"""Accounts: who may submit for which instrument, operators, API tokens, instrument locks.

* :mod:`.models` — instrument grants, personal API tokens, instrument locks;
* :mod:`.roles` — the permission questions every view asks (submitter for an instrument,
  operator, admin);
* :mod:`.backends` — password or API token logins (what ``crds submit`` sends as
  ``MAST_API_TOKEN``);
* :mod:`.tokens` — issuing, checking and revoking API tokens (only their hashes are kept);
* :mod:`.locks` — taking, renewing, expiring and releasing instrument locks (signal
  :data:`.signals.lock_released`; :mod:`.middleware` renews the lock on every request);
* :mod:`.services` — creating users and granting instruments / the operator role (the
  management commands ``add_user``, ``grant``, ``issue_token``, ``revoke_token``,
  ``release_lock`` call these);
* :mod:`.views` — ``/`` (a minimal home page), ``/login/``, ``/logout/``,
  ``/lock_status/<user>/``; templates ``opencrds/base.html`` (the page chrome other pages
  extend) and ``accounts/*.html``.
"""
