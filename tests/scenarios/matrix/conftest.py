from tests.scenarios.matrix.fixtures import (  # noqa: F401  (fixtures)
    browser,
    emulator,
    me,
    profile,
    settings,
    validated_slack,
)
