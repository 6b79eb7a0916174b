"""The review app: `python build.py review SLUG` serves a page on which a reviewer edits,
saves and approves each translation beside the page where it stands.

Everything it reads and writes goes through `parabook.service`; this package only
shows it (`view`), draws the page preview (`preview`) and serves it (`app`).
"""
