"""Settings of the public-datasets chapter: ``full`` is the base, ``smoke``/``real`` its differences.

thumb_height: gallery thumbnails (px high); n_samples: pictures per gallery; twin_n / twin_size:
the synthetic stand-ins shown where a dataset is absent.
"""
FULL = dict(thumb_height=320, n_samples=6, twin_n=240, twin_size=512)
REAL: dict = {}
SMOKE = dict(thumb_height=160, n_samples=4, twin_n=48, twin_size=256)
