"""Each user's private upload area: the files a submission takes (:mod:`.area`) and the
endpoints the browser widget and crds upload through (:mod:`.views`)."""
