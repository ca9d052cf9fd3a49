"""The portal's web server: Streamlit (Home.py) plus the session-cookie routes and security headers.

    streamlit run server.py --server.port 8501      (scripts/start.sh does this)

Streamlit detects the `app = st.App(...)` below and serves it with uvicorn.
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.security_headers import SecurityHeaders
from ui.session_routes import ROUTES

app = st.App("Home.py", routes=ROUTES, middleware=[Middleware(SecurityHeaders)])
