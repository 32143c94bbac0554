"""What a council needs to host the dashboard for many people: who is signed in, each person's
saved scenarios, an audit log, and the council's own files read in memory.

A layer beside ``app.py`` and above ``sim`` and ``calibration``: it imports them, they never
import it, and it never imports Streamlit (``app.py`` hands it plain values). Everything it keeps
is in one data folder per installation (:func:`hosting.folders.data_folder`), never in the
repository.
"""
