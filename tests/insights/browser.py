"""Headless Chromium probes for the insights tests.

Report pages carry a Content-Security-Policy that forbids scripts, so a probe cannot run inside
them: the page is shown in an iframe of the wanted width (headless Chromium will not make its
window narrower than 500 px) and the probe runs in the outer page, with the frame's ``window``
and ``document``, once everything has loaded.
"""

from __future__ import annotations


def outer_probe(probe: str) -> str:
    """``probe`` (a ``<script>`` written as if it ran inside the page) run from the outer page;
    ``parent`` is the outer window, where ``<pre id="probe">`` receives the report."""
    body = probe.removeprefix("<script>").removesuffix("</script>")
    return ("<script>window.addEventListener('load', function () {"
            " var f = document.querySelector('iframe');"
            f" (function (window, document, parent) {{ {body} }})"
            "(f.contentWindow, f.contentDocument, window); });</script>")
