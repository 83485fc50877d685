"""Fetching municipal sites politely: sources file, discovery, HTTP, raw store, fetch log.

Entry points: :func:`crawl.sources.load_sources`, :class:`crawl.rawstore.RawStore` and
:func:`crawl.crawler.crawl_source` (with :class:`crawl.crawler.CrawlState` for incremental runs).
"""
