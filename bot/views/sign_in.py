"""The pages of connecting a CRM by logging in to it: what the browser shows when the sign-in
worked, or why it stopped."""

from __future__ import annotations

from bot.services.crm_oauth import OAuthRefused, SignInProblem
from bot.views.problems import problem_text

__all__ = ["connected_page", "refusal_page"]


def _command(crm: str) -> str:
    return f"/crm connect {crm.lower()}"


def _again(crm: str) -> str:
    return f"Start again in Slack with {_command(crm)}."


def connected_page(crm: str, identity: str) -> tuple[str, str]:
    """(title, message) once the connection is saved."""
    return (
        f"Connected to {crm}",
        f"Signed in as {identity}. Syncing starts now; you can close this tab.",
    )


def refusal_page(refused: OAuthRefused) -> tuple[str, str]:
    """(title, message) of a sign-in that stopped."""
    p = refused.params
    crm = p.get("crm", "the CRM")
    match refused.problem:
        case SignInProblem.INCOMPLETE:
            return "This sign-in link is incomplete", f"It has no state. {_again(crm)}"
        case SignInProblem.UNKNOWN:
            return "This sign-in link is not valid", (
                f"It was not issued by this app, or it was changed on the way. {_again(crm)}"
            )
        case SignInProblem.USED:
            return "This sign-in link was already used", (
                "Each link works once. If you are not connected yet, run "
                f"{_command(crm)} in Slack for a new one."
            )
        case SignInProblem.EXPIRED:
            return "This sign-in link has expired", (
                f"Links work for {p['minutes']} minutes. {_again(crm)}"
            )
        case SignInProblem.OTHER_BROWSER:
            return "This sign-in belongs to another browser", (
                "It was started in a different browser (or its cookie is gone), so it cannot be "
                f"finished here. {_again(crm)}"
            )
        case SignInProblem.NOT_SET_UP:
            return f"{crm} login is not set up", (
                f"This app is missing {', '.join(p['missing'])}. Ask whoever runs it to set them."
            )
        case SignInProblem.NOT_SET_UP_CONFIG:
            return f"{crm} login is not set up", p["detail"]
        case SignInProblem.NO_CODE:
            return f"{crm} sent no authorization code", f"Nothing was connected. {_again(crm)}"
        case SignInProblem.DENIED:
            return f"{crm} access was not granted", (
                f"You chose Deny on the {crm} page, so nothing was connected. "
                f"To connect after all, run {_command(crm)} in Slack."
            )
        case SignInProblem.CRM_ERROR:
            return f"{crm} did not sign you in", (
                f"{crm} answered: {p['detail']}. Nothing was connected. {_again(crm)}"
            )
        case SignInProblem.SIGN_IN_REFUSED:
            return f"{crm} refused the sign-in", f"{p['detail']} {_again(crm)}"
        case SignInProblem.NO_ANSWER:
            return f"{crm} did not answer", f"We could not finish signing in. {_again(crm)}"
        case SignInProblem.NOT_CONNECTED:
            rejected = p.get("rejected")
            return f"{crm} could not be connected", (
                problem_text(rejected) if rejected is not None else p["detail"]
            )
        case SignInProblem.NO_LASTING_ACCESS:
            return f"{crm} gave no lasting access", (
                "The connected app did not grant a refresh token (its OAuth scopes need "
                f"“refresh_token, offline_access”). {_again(crm)}"
            )
    raise ValueError(refused.problem)
