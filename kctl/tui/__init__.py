"""`kctl ui`: the Textual app (imported only by that command, so no other command starts slower).

    data.py      the adapters between the screens and kctl's services (one function per service)
    browse.py    paged reading of a topic (never more than one page in memory) and live tail
    format.py    how keys, values and headers are shown (JSON pretty-printed, binary as hex)
    app.py       KctlApp: modes (cluster, topics, groups), global keys, the write guard
    widgets.py   the banner, the filter box, the key help
    screens/     one small class per screen
    styles/      the .tcss style sheets
"""
