"""Files between the raw store and the warehouse: parsed documents and their claims.

``data/parsed/<sha256>.json`` holds a Document, ``data/extracted/<sha256>.json`` its claims;
each stage persists its output here so any stage can run again alone (re-extract every stored
document after an extractor improves, without crawling or parsing again).
"""
