"""What the feature matrix expects of each CRM, from PRODUCT.md section 3 and the help pages
(not from the product's own declarations, so a feature that disappears fails its cells).

Each test is one function parametrised over the CRMs where the product offers the feature:
``@pytest.mark.parametrize("crm", crms(jobs=True))``. Seeding and reading each emulator goes
through the connector conformance harness of that CRM.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.connectors.conformance.harness import (
    AshbyHarness,
    CrelateHarness,
    Harness,
    PCRecruiterHarness,
    RecruiterflowHarness,
    SalesforceHarness,
)

API_KEY = (("API key", "api_key"),)


@dataclass(frozen=True)
class Profile:
    kind: str
    crm: str  # the name Slack shows
    record_types: tuple[str, ...]
    harness: type[Harness]
    # A text field of the first record type that a mapping row can fill, as the CRM names it.
    mapped_field: str
    # The connect modal's inputs: (label, credential name); empty for an OAuth login.
    credentials: tuple[tuple[str, str], ...] = API_KEY
    jobs: bool = False
    statuses: bool = False
    lists: bool = False

    @property
    def oauth(self) -> bool:
        return not self.credentials

    @property
    def secret_label(self) -> str:
        """The input a wrong credential is typed into."""
        secret = self.harness.secret_fields[0]
        return next(label for label, name in self.credentials if name == secret)


PROFILES: dict[str, Profile] = {
    p.kind: p
    for p in (
        Profile("ashby", "Ashby", ("Candidate",), AshbyHarness, mapped_field="location", jobs=True),
        Profile(
            "salesforce",
            "Salesforce",
            ("Lead", "Contact"),
            SalesforceHarness,
            mapped_field="Description",
            credentials=(),
        ),
        Profile(
            "crelate",
            "Crelate",
            ("Candidate", "Sales/Client Contact", "Lead Contact", "Employee"),
            CrelateHarness,
            mapped_field="Description",
            jobs=True,
            statuses=True,
            lists=True,
        ),
        Profile(
            "pcrecruiter",
            "PCRecruiter",
            ("Candidate",),
            PCRecruiterHarness,
            mapped_field="Keywords",
            credentials=(
                ("Database ID", "database_id"),
                ("Username", "username"),
                ("Password", "password"),
                ("API key", "api_key"),
                ("App ID", "app_id"),
            ),
            # PRODUCT.md's table shows no jobs for PCRecruiter, but the product offers them
            # (PCRecruiter's API has positions): the matrix tests what the product does.
            jobs=True,
        ),
        Profile(
            "recruiterflow",
            "Recruiterflow",
            ("Candidate", "Contact"),
            RecruiterflowHarness,
            mapped_field="source",
            jobs=True,
        ),
    )
}


def crms(*, jobs: bool = False, statuses: bool = False, lists: bool = False) -> list[str]:
    """The CRMs with every feature asked for (all five when none is)."""
    return [
        kind
        for kind, p in PROFILES.items()
        if (p.jobs or not jobs) and (p.statuses or not statuses) and (p.lists or not lists)
    ]
