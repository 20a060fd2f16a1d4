"""User data on the page as plain text: names and paths never become Markdown.

Streamlit renders the text of ``st.write``, alerts and captions as Markdown, where a clip or
movie named ``![x](http://host/y.png)`` would become an image the browser fetches, and
``:red[...]`` or ``:material/...:`` would become styling. :func:`plain` escapes a value so that
it shows exactly as stored.
"""

from __future__ import annotations

import string

_ESCAPES = str.maketrans({mark: "\\" + mark for mark in string.punctuation})


def plain(value: object) -> str:
    """Return ``str(value)`` with every ASCII punctuation mark backslash-escaped (CommonMark
    shows an escaped mark literally) and line breaks turned into spaces, for Streamlit's
    Markdown to show the value as its plain text."""
    return " ".join(str(value).splitlines()).translate(_ESCAPES)
