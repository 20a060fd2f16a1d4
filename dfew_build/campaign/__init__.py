"""The annotation campaign's store-level logic, shared by the Streamlit app and the CLI.

Accounts and logins (:mod:`.accounts`), gold clips and the qualification quiz (:mod:`.gold`),
the pre-annotation screening (:mod:`.screening`), the next-clip rule with leases
(:mod:`.assign`), vote submission and broken-clip reports (:mod:`.vote_casting`), the admin
dashboard's figures (:mod:`.figures`), token-checked admin actions (:mod:`.admin`) and clip
files for the browser (:mod:`.clip_files`). Every
action that a browser triggers takes the session token and checks it inside its own short
transaction, so the app holds no business logic and no trust of its own.
"""
