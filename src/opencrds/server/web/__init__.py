"""The browsable web site: CRDS's public pages at CRDS's URLs, page chrome, errors, plots."""
