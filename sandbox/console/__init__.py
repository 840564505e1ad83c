"""The sandbox console: try the product without Slack or a CRM account.

``python -m sandbox console`` (``make sandbox``) starts the app, the CRM emulators, the Slack
stand-in and a web page that plays Slack and the outreach tool (:mod:`sandbox.console.stack`).
The page (``static/``, plain ES modules) draws Slack's surfaces from the stand-in's state
(:mod:`sandbox.console.page`); each click becomes the signed request Slack would send the app
(:mod:`sandbox.console.acts`); the outreach tool posts signed events
(:mod:`sandbox.console.outreach_tool`); the side panel reads each emulator's records and calls
(:mod:`sandbox.console.crms`). :mod:`sandbox.console.server` serves it all on loopback.
"""
