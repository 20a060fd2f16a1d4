"""The Streamlit annotation app: login, guide and quiz, screening, voting, admin dashboard.

``app.py`` is the entry script (``dfew-build serve`` runs it with ``streamlit run``): a thin
router over the page modules in :mod:`annotation_app.views`. Pages only draw and call
:mod:`dfew_build.campaign`, which holds every rule and checks the session token on each action.
"""
