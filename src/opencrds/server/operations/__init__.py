"""Operator actions as web pages: set the default contexts (SERVER.md §1.15) and mark files
bad or OK (§1.21). The catalog changes themselves are :mod:`..catalog.services`."""
