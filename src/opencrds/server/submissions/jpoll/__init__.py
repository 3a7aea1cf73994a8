"""Jpoll progress channels: the messages of a submission's processing (:mod:`.channels`) and
the URLs that open and read them (:mod:`.views`)."""
