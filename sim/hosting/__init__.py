"""What a council needs to host the dashboard for many people: who is signed in, each person's
saved scenarios and an audit log.

The top layer of ``sim``, beside the command line: it imports nothing of the model, nothing
below it imports it, and it never imports Streamlit (``app.py`` hands it plain values). The
council's own uploaded files are read in memory by :mod:`calibration.uploads`. Everything kept
is in one data folder per installation (:func:`sim.hosting.folders.data_folder`), never in the
repository.
"""
